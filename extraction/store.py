"""The chunk store as extraction uses it: ``chunking.store``'s protocol and opener.

Named here so that the command line and ``health()`` open the store through one
attribute that tests can replace with a fake.
"""

from __future__ import annotations

from chunking.store import ChunkStore, open_store

__all__ = ["ChunkStore", "open_chunk_store"]


def open_chunk_store(url: str, *, create: bool = True) -> ChunkStore:
    """Open the store at ``url`` (``sqlite:///path`` or ``postgresql://...``).

    With ``create=False`` a SQLite file that does not exist is an error, not a new file.
    """
    return open_store(url, create=create)
