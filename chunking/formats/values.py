"""Lenient readers of single JSON values, shared by the format readers.

Exports are written by other programs: a field may be missing, null or of
another type. These helpers turn what is there into the value the model wants,
or a neutral default, without raising.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

__all__ = ["conversation_id", "label", "parse_time", "text"]


def parse_time(value: Any) -> datetime | None:
    """Unix seconds or an ISO 8601 string as an aware datetime; else ``None``."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def text(value: Any) -> str:
    """``value`` if it is a string, else ``""``."""
    return value if isinstance(value, str) else ""


def label(value: Any) -> str | None:
    """A speaker label: a non-blank string, stripped; else ``None``."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def conversation_id(item: dict[str, Any], keys: tuple[str, ...], *, index: int) -> str:
    """The first non-empty id among ``keys`` (numbers accepted), else ``conversation-<index>``.

    ``index`` counts conversations across the whole export, so the fallback is
    unique within it.
    """
    for key in keys:
        value = item.get(key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
    return f"conversation-{index}"
