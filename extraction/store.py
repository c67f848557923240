"""The chunk store as extraction uses it: ``chunking.store``'s protocol and opener.

Named here so that the command line and ``health()`` open the store through one
attribute that tests can replace with a fake.
"""

from __future__ import annotations

from chunking.store import ChunkStore, open_store

__all__ = ["ChunkStore", "open_chunk_store"]


def open_chunk_store(url: str) -> ChunkStore:
    """Open the store at ``url`` (``sqlite:///path`` or ``postgresql://...``)."""
    return open_store(url)
