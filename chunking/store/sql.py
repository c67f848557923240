"""What the SQLite and PostgreSQL stores share: reads, sync and the schema check.

Queries are written with ``%s`` placeholders; a backend whose driver wants
another style rewrites them in :meth:`SqlChunkStore._fetch`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any, Self

from chunking.config import CHUNKING_VERSION
from chunking.errors import AmbiguousChunkError
from chunking.model import Chunk
from chunking.store.base import SyncResult
from chunking.store.migrate import Migration, load_migrations
from chunking.store.schema import LiveSchema
from chunking.store.schema import verify_schema as compare_schema
from chunking.store.sync import (
    DEFAULT_BATCH_CHARS,
    DEFAULT_BATCH_ROWS,
    ConversationWrite,
    run_prune,
    run_sync,
)
from chunking.store.validate import UUID_PATTERN as _UUID
from chunking.tiers import ChunkTier

__all__ = ["SqlChunkStore"]


class SqlChunkStore(ABC):
    """A :class:`~chunking.store.base.ChunkStore` over a DB-API connection."""

    backend: str
    tier_order: str
    """SQL ordering the tiers as the chunker yields them: large, medium, small."""

    @property
    def migrations(self) -> tuple[Migration, ...]:
        """This backend's migrations, in order."""
        return load_migrations(self.backend)

    # The backend's primitives.

    @abstractmethod
    def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a read query (in its own short transaction unless one is open)."""

    @abstractmethod
    def _select_list(self) -> str:
        """The SQL select list producing ``READ_COLUMNS``."""

    @abstractmethod
    def _decode(self, row: tuple[Any, ...]) -> Chunk:
        """A chunk from a row of :meth:`_select_list`."""

    @abstractmethod
    def _live_schema(self) -> LiveSchema:
        """Read the catalog."""

    @abstractmethod
    def migrate(self, *, target: int | None = None) -> None:
        """Apply pending migrations up to ``target`` (all by default); idempotent."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection."""

    @abstractmethod
    def import_lock(self, user_id: str) -> AbstractContextManager[None]: ...

    @abstractmethod
    def write_transaction(self, user_id: str) -> AbstractContextManager[None]: ...

    @abstractmethod
    def fingerprints(self, user_id: str, conversation_ids: list[str]) -> dict[str, str]: ...

    @abstractmethod
    def absent_conversations(self, user_id: str, present: list[str]) -> list[str]: ...

    @abstractmethod
    def delete_conversations(self, user_id: str, conversation_ids: list[str]) -> int: ...

    @abstractmethod
    def insert_chunks(self, user_id: str, chunks: Iterable[Chunk]) -> int: ...

    @abstractmethod
    def insert_fingerprints(self, user_id: str, writes: list[ConversationWrite]) -> None: ...

    # The contract.

    def verify_schema(self) -> None:
        """Raise ``SchemaMismatchError`` listing every difference from the code's schema."""
        compare_schema(self._live_schema(), self.migrations)

    def sync(
        self,
        user_id: str,
        chunks: Iterable[Chunk],
        *,
        prune: bool = False,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        batch_chars: int = DEFAULT_BATCH_CHARS,
    ) -> SyncResult:
        """Sync the user's chunks; see :mod:`chunking.store.sync` for the semantics."""
        return run_sync(
            self, user_id, chunks, prune=prune, batch_rows=batch_rows, batch_chars=batch_chars
        )

    def prune(self, user_id: str, *, keep: Collection[str]) -> SyncResult:
        """Delete the user's conversations whose ids are not in ``keep``, in one transaction."""
        return run_prune(self, user_id, keep)

    def iter_chunks(
        self,
        user_id: str,
        *,
        tiers: Collection[ChunkTier] | None = None,
        version: int = CHUNKING_VERSION,
        page_rows: int = 2_000,
    ) -> Iterator[Chunk]:
        """The user's chunks, as :meth:`chunks` orders them, read a page at a time.

        A page is a run of whole conversations of about ``page_rows`` rows (at
        least one conversation), so memory is bounded by a page, not by the
        user's chunk count. Conversations written while the iteration runs
        may or may not be seen; each conversation is read in one query, so it
        is never seen half-replaced.
        """
        if page_rows < 1:
            raise ValueError(f"page_rows must be >= 1, got {page_rows}")
        after = ""
        while True:
            page = self._conversation_page(user_id, after, page_rows)
            if not page:
                return
            yield from self._chunks_of(user_id, page, tiers, version)
            after = page[-1]

    def count_chunks(
        self,
        user_id: str,
        *,
        tiers: Collection[ChunkTier] | None = None,
        version: int = CHUNKING_VERSION,
    ) -> int:
        """How many chunks :meth:`iter_chunks` would yield now."""
        where, params = self._filter(user_id, tiers, version)
        rows = self._fetch(f"SELECT count(*) FROM conversation_chunks WHERE {where}", params)
        return int(rows[0][0])

    def chunks(
        self,
        user_id: str,
        *,
        tier: ChunkTier | None = None,
        version: int = CHUNKING_VERSION,
        conversation_id: str | None = None,
    ) -> list[Chunk]:
        """The user's chunks of ``version``, by conversation, tier (large first) and index."""
        where = ["user_id = %s", "chunking_version = %s"]
        params: list[Any] = [user_id, version]
        if tier is not None:
            where.append("chunk_tier = %s")
            params.append(ChunkTier.parse(tier).value)
        if conversation_id is not None:
            where.append("conversation_id = %s")
            params.append(conversation_id)
        rows = self._fetch(
            f"SELECT {self._select_list()} FROM conversation_chunks "
            f"WHERE {' AND '.join(where)} "
            f"ORDER BY conversation_id, {self.tier_order}, chunk_index",
            params,
        )
        return [self._decode(row) for row in rows]

    def _conversation_page(self, user_id: str, after: str, rows: int) -> list[str]:
        """The next conversation ids after ``after``, about ``rows`` chunks in all."""
        found = self._fetch(
            "SELECT conversation_id, chunk_count FROM conversation_chunk_sets "
            "WHERE user_id = %s AND conversation_id > %s ORDER BY conversation_id LIMIT %s",
            [user_id, after, rows],
        )
        page: list[str] = []
        total = 0
        for conversation_id, chunk_count in found:
            if page and total + int(chunk_count) > rows:
                break
            page.append(str(conversation_id))
            total += int(chunk_count)
        return page

    def _chunks_of(
        self,
        user_id: str,
        conversation_ids: list[str],
        tiers: Collection[ChunkTier] | None,
        version: int,
    ) -> list[Chunk]:
        where, params = self._filter(user_id, tiers, version)
        marks = ", ".join(["%s"] * len(conversation_ids))
        rows = self._fetch(
            f"SELECT {self._select_list()} FROM conversation_chunks "
            f"WHERE {where} AND conversation_id IN ({marks}) "
            f"ORDER BY conversation_id, {self.tier_order}, chunk_index",
            [*params, *conversation_ids],
        )
        return [self._decode(row) for row in rows]

    def _filter(
        self, user_id: str, tiers: Collection[ChunkTier] | None, version: int
    ) -> tuple[str, list[Any]]:
        where = "user_id = %s AND chunking_version = %s"
        params: list[Any] = [user_id, version]
        if tiers is not None:
            values = sorted({ChunkTier.parse(tier).value for tier in tiers})
            where += (
                f" AND chunk_tier IN ({', '.join(['%s'] * len(values))})"
                if values
                else " AND 1 = 0"
            )
            params.extend(values)
        return where, params

    def parent(self, chunk_id: str, *, user_id: str | None = None) -> Chunk | None:
        """The chunk containing ``chunk_id`` (same user), or ``None``.

        Raises:
            AmbiguousChunkError: ``user_id`` is not given and several users
                have a chunk with this id.
        """
        owner = self._owner(chunk_id, user_id)
        if owner is None:
            return None
        rows = self._fetch(
            f"SELECT {self._select_list()} FROM conversation_chunks AS parent "
            "WHERE parent.user_id = %s AND parent.id = ("
            "  SELECT child.parent_id FROM conversation_chunks AS child"
            "  WHERE child.user_id = %s AND child.id = %s)",
            [owner, owner, chunk_id],
        )
        return self._decode(rows[0]) if rows else None

    def children(self, chunk_id: str, *, user_id: str | None = None) -> list[Chunk]:
        """The chunks whose parent is ``chunk_id`` (same user), in order.

        Raises:
            AmbiguousChunkError: as :meth:`parent`.
        """
        owner = self._owner(chunk_id, user_id)
        if owner is None:
            return []
        rows = self._fetch(
            f"SELECT {self._select_list()} FROM conversation_chunks "
            "WHERE user_id = %s AND parent_id = %s ORDER BY chunk_index",
            [owner, chunk_id],
        )
        return [self._decode(row) for row in rows]

    def versions(self, user_id: str) -> dict[int, int]:
        """Row count per chunking version of the user's chunks."""
        rows = self._fetch(
            "SELECT chunking_version, count(*) FROM conversation_chunks "
            "WHERE user_id = %s GROUP BY chunking_version ORDER BY chunking_version",
            [user_id],
        )
        return {int(version): int(count) for version, count in rows}

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _owner(self, chunk_id: str, user_id: str | None) -> str | None:
        if not isinstance(chunk_id, str) or not _UUID.fullmatch(chunk_id):
            return None
        if user_id is not None:
            return user_id
        rows = self._fetch(
            "SELECT DISTINCT user_id FROM conversation_chunks WHERE id = %s LIMIT 2", [chunk_id]
        )
        if len(rows) > 1:
            raise AmbiguousChunkError(
                f"chunk id {chunk_id!r} is stored for more than one user; "
                "pass user_id= to say whose chunk you mean"
            )
        return str(rows[0][0]) if rows else None
