"""The registry of export formats and the one entry point that reads an export."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from chunking.errors import MalformedExportError
from chunking.formats import plain
from chunking.model import Conversation

__all__ = ["FORMATS", "Reader", "load_export"]

Reader = Callable[[Path], Iterator[Conversation]]

FORMATS: dict[str, Reader] = {
    "plain": plain.read,
}


def load_export(path: str | Path, *, format: str | None = None) -> Iterator[Conversation]:  # noqa: A002
    """Yield the conversations of the export at ``path``, one at a time.

    Args:
        path: the export file.
        format: a key of ``FORMATS``; detected from the file when ``None``.

    Raises:
        MalformedExportError: the file cannot be read as that format, or the
            format name is unknown.
    """
    path = Path(path)
    if format is None:
        format = _detect(path)  # noqa: A001
    try:
        reader = FORMATS[format]
    except KeyError:
        valid = ", ".join(sorted(FORMATS))
        raise MalformedExportError(
            f"unknown export format {format!r}; valid formats: {valid}", path=str(path)
        ) from None
    return reader(path)


def _detect(path: Path) -> str:
    if not path.exists():
        raise MalformedExportError("no such file", path=str(path))
    return "plain"
