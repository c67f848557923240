"""What the SQLite and PostgreSQL stores share: reads, sync and the schema check.

Queries are written with ``%s`` placeholders; a backend whose driver wants
another style rewrites them in :meth:`SqlChunkStore._fetch`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
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
from chunking.store.sync import ConversationWrite, run_sync
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
    def locked(self, user_id: str) -> AbstractContextManager[None]: ...

    @abstractmethod
    def fingerprints(self, user_id: str) -> dict[str, str]: ...

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

    def sync(self, user_id: str, chunks: Iterable[Chunk], *, prune: bool = False) -> SyncResult:
        """Sync the user's chunks; see :mod:`chunking.store.sync` for the semantics."""
        return run_sync(self, user_id, chunks, prune=prune)

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
