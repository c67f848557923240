"""The chunk store as extraction uses it: a protocol, and the opener of the real one.

The real store lives in ``chunking.store``; it is imported when a store is
opened, so that this package works (with an injected store) without it.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any, Protocol

from chunking.config import CHUNKING_VERSION
from chunking.model import Chunk
from chunking.tiers import ChunkTier
from extraction.errors import StoreUnavailableError

__all__ = ["ChunkStore", "open_chunk_store"]


class ChunkStore(Protocol):
    """What the full pass needs of a chunk store (``chunking.store.ChunkStore``)."""

    def migrate(self) -> None:
        """Create or upgrade the schema."""
        ...

    def verify_schema(self) -> None:
        """Raise if the schema is not what this code expects."""
        ...

    def sync(self, user_id: str, chunks: Iterable[Chunk], *, prune: bool = False) -> Any:
        """Write ``chunks`` (grouped by conversation); returns a ``SyncResult``."""
        ...

    def chunks(
        self,
        user_id: str,
        *,
        tier: ChunkTier | None = None,
        version: int = CHUNKING_VERSION,
        conversation_id: str | None = None,
    ) -> list[Chunk]:
        """The stored chunks of ``user_id``."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...


def open_chunk_store(url: str) -> ChunkStore:
    """Open the store at ``url`` (``sqlite:///path`` or ``postgresql://...``).

    Raises:
        StoreUnavailableError: ``chunking.store`` is not installed.
    """
    try:
        module = importlib.import_module("chunking.store")
    except ImportError as error:
        raise StoreUnavailableError(
            f"the chunk store module chunking.store cannot be imported ({error}); "
            "install a version of this project that ships it"
        ) from error
    store: ChunkStore = module.open_store(url)
    return store
