"""A service health check: every module imports, the settings work, the store answers."""

from __future__ import annotations

import importlib
import logging
import pkgutil
from typing import Any

from extraction.errors import ExtractionError
from extraction.settings import ExtractionSettings, load_settings

__all__ = ["PACKAGES", "health"]

log = logging.getLogger(__name__)

PACKAGES = ("chunking", "extraction", "eval")


def health(
    *, store_url: str | None = None, settings: ExtractionSettings | None = None
) -> dict[str, Any]:
    """Check the service; never raises.

    Args:
        store_url: also open the chunk store there and verify its schema.
        settings: the settings to check (read from the environment when ``None``).

    Returns:
        ``{"ok": bool, "checks": {name: "ok" | problem}}``; problems never contain secrets.
    """
    checks: dict[str, str] = {"imports": _imports()}
    try:
        chosen = settings or load_settings()
        chosen.require_credentials()
        checks["settings"] = "ok"
    except ExtractionError as error:
        checks["settings"] = str(error)
    if store_url is not None:
        checks["store"] = _store(store_url)
    return {"ok": all(value == "ok" for value in checks.values()), "checks": checks}


def _imports() -> str:
    failures: list[str] = []
    for package in PACKAGES:
        try:
            root = importlib.import_module(package)
            names = [
                info.name for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}.")
            ]
            for name in names:
                if not name.endswith("__main__"):
                    importlib.import_module(name)
        except Exception as error:  # noqa: BLE001 - a health check reports every failure
            failures.append(f"{package}: {type(error).__name__}: {error}")
    return "ok" if not failures else "; ".join(failures)


def _store(url: str) -> str:
    """``"ok"``, or what is wrong with the store at ``url``; creates nothing."""
    from chunking.store.postgres import redact_message
    from extraction.store import open_chunk_store

    scheme = url.split(":", 1)[0]
    try:
        store = open_chunk_store(url, create=False)
        try:
            store.verify_schema()
        finally:
            store.close()
    except Exception as error:  # noqa: BLE001 - a health check reports, never raises
        problem = redact_message(str(error), url)
        log.warning("store health check failed: %s: %s", type(error).__name__, problem)
        return f"store ({scheme}) unavailable: {type(error).__name__}: {problem}"
    return "ok"
