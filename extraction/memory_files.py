"""Where memory documents are stored as files: one collision-free name per user id."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

from extraction.memory import MemoryDocument

__all__ = ["file_memory_sink", "memory_file_name"]

_UNSAFE = re.compile(r"[^a-z0-9_.-]+")
_SLUG_CHARS = 48


def memory_file_name(user_id: str) -> str:
    """The file name of ``user_id``'s profile: a readable slug and a digest of the exact id.

    Ids that differ only in punctuation or case (``ana@x.com``, ``ana_x.com``,
    ``Ana@x.com``) share a slug but not a digest, so no two users share a file,
    on case-insensitive filesystems too.

    >>> memory_file_name("ana@x.com")
    'ana_x.com-03fded36e5de3aa5574b74c9.md'
    """
    slug = _UNSAFE.sub("_", user_id.casefold()).strip("._")[:_SLUG_CHARS] or "user"
    digest = hashlib.sha256(user_id.encode("utf-8", "surrogatepass")).hexdigest()[:24]
    return f"{slug}-{digest}.md"


def file_memory_sink(directory: str | Path) -> Callable[[str, MemoryDocument], str]:
    """A sink that writes ``<directory>/<memory_file_name(user_id)>`` and returns its path.

    The document is written beside its final name and renamed over it, so a
    reader (or a crash) never sees a half-written profile.
    """
    root = Path(directory)

    def save(user_id: str, document: MemoryDocument) -> str:
        root.mkdir(parents=True, exist_ok=True)
        path = root / memory_file_name(user_id)
        partial = path.with_name(f".{path.name}.partial")
        partial.write_text(document.markdown, encoding="utf-8")
        partial.replace(path)  # atomic: a crash mid-write leaves the previous document whole
        return str(path)

    return save
