"""The chunk store's contract: the ``ChunkStore`` protocol and the result of a sync."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, Self

from chunking.config import CHUNKING_VERSION
from chunking.model import Chunk
from chunking.tiers import ChunkTier

__all__ = ["ChunkStore", "SyncResult"]


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What one import did.

    The first five are counts of conversations: ``inserted`` (new),
    ``replaced`` (content changed), ``unchanged`` (no write), ``pruned``
    (stored but absent from the import, deleted because pruning was asked for)
    and ``skipped`` (read but without chunks; only callers that see the
    conversations, such as the CLI, fill it). ``rows_written`` counts chunk
    rows inserted plus deleted: zero when the import changed nothing.
    """

    inserted: int = 0
    replaced: int = 0
    unchanged: int = 0
    pruned: int = 0
    skipped: int = 0
    rows_written: int = 0


class ChunkStore(Protocol):
    """Where a user's chunks live; SQLite and PostgreSQL implement it alike.

    Obtain one with :func:`chunking.store.open_store`; use it as a context
    manager or call :meth:`close`.
    """

    def migrate(self, *, target: int | None = None) -> None:
        """Apply the pending migrations (up to ``target``, all by default); idempotent."""
        ...

    def verify_schema(self) -> None:
        """Raise ``SchemaMismatchError`` listing every difference from the code's schema."""
        ...

    def sync(
        self,
        user_id: str,
        chunks: Iterable[Chunk],
        *,
        prune: bool = False,
        batch_rows: int = ...,
        batch_chars: int = ...,
    ) -> SyncResult:
        """Make the user's stored chunks those of ``chunks``, conversation by conversation.

        ``chunks`` is a stream grouped by conversation (all tiers of one
        conversation contiguous), as ``chunk_conversations`` yields it. It is
        written in batches of about ``batch_rows`` rows and ``batch_chars``
        characters; each conversation is replaced atomically, and an
        interrupted sync leaves every conversation as it was or fully new
        (:mod:`chunking.store.sync`).
        """
        ...

    def prune(self, user_id: str, *, keep: Collection[str]) -> SyncResult:
        """Delete the user's conversations whose ids are not in ``keep``, in one transaction."""
        ...

    def iter_chunks(
        self,
        user_id: str,
        *,
        tiers: Collection[ChunkTier] | None = None,
        version: int = CHUNKING_VERSION,
        page_rows: int = ...,
    ) -> Iterator[Chunk]:
        """The user's chunks in :meth:`chunks` order, read a page of conversations at a time."""
        ...

    def count_chunks(
        self,
        user_id: str,
        *,
        tiers: Collection[ChunkTier] | None = None,
        version: int = CHUNKING_VERSION,
    ) -> int:
        """How many chunks :meth:`iter_chunks` would yield now."""
        ...

    def chunks(
        self,
        user_id: str,
        *,
        tier: ChunkTier | None = None,
        version: int = CHUNKING_VERSION,
        conversation_id: str | None = None,
    ) -> list[Chunk]:
        """The user's chunks of one chunking version, optionally of one tier or conversation."""
        ...

    def parent(self, chunk_id: str, *, user_id: str | None = None) -> Chunk | None:
        """The chunk that contains ``chunk_id``, or ``None`` for a large (or unknown) chunk."""
        ...

    def children(self, chunk_id: str, *, user_id: str | None = None) -> list[Chunk]:
        """The chunks of the next finer tier inside ``chunk_id``, in order."""
        ...

    def versions(self, user_id: str) -> dict[int, int]:
        """Row count per chunking version; more than one key means mixed versions."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
