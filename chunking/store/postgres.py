"""The PostgreSQL chunk store (psycopg 3, imported when a store is opened).

An import holds ``pg_advisory_lock`` on the user for its whole length: a
second import for the same user waits until the first ends, and a killed
process or lost connection releases the lock (and rolls back the batch in
flight) with it. Each batch is one transaction; rows are written with ``COPY``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chunking.errors import StoreError
from chunking.model import Chunk
from chunking.store.migrate import MIGRATIONS_TABLE
from chunking.store.rows import CHUNK_COLUMNS, chunk_from_values, chunk_values, quoted
from chunking.store.schema import CHUNK_SETS_TABLE, CHUNKS_TABLE, LiveSchema
from chunking.store.sql import SqlChunkStore
from chunking.store.sync import ConversationWrite

if TYPE_CHECKING:
    import psycopg

__all__ = ["PostgresChunkStore", "redact", "redact_message"]

log = logging.getLogger(__name__)

_SELECT = (
    "id::text, conversation_id, title, content, token_count, chunk_index, total_chunks, "
    'chunk_tier::text, created_at, parent_id::text, "start", "end", message_ids, '
    "content_hash, chunking_version"
)
_COPY_CHUNKS = f"COPY conversation_chunks ({quoted(CHUNK_COLUMNS)}) FROM STDIN"
_COPY_SETS = (
    "COPY conversation_chunk_sets (user_id, conversation_id, fingerprint, chunk_count, "
    "chunking_version) FROM STDIN"
)
_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))"
_SESSION_LOCK = "SELECT pg_advisory_lock(hashtextextended(%s, 0))"
_SESSION_UNLOCK = "SELECT pg_advisory_unlock(hashtextextended(%s, 0))"


def redact(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for logs, reprs and errors).

    Both places libpq reads one from are masked: ``user:password@host`` and a
    ``password=`` parameter.

    >>> redact("postgresql://ana:s3cret@db/x?sslmode=require&password=s3cret")
    'postgresql://ana:***@db/x?sslmode=require&password=***'
    """
    url = re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)
    return re.sub(r"([?&]password=)[^&]*", r"\1***", url, flags=re.IGNORECASE)


def redact_message(message: str, url: str) -> str:
    """An error ``message`` about the database at ``url``, with no password left in it.

    >>> redact_message("cannot reach postgresql://ana:pw@db/x", "postgresql://ana:pw@db/x")
    'cannot reach postgresql://ana:***@db/x'
    """
    return redact(message.replace(url, redact(url))).strip()


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError as error:
        raise ImportError(
            "the PostgreSQL store needs psycopg 3: pip install 'chat-memory-chunks[postgres]'"
        ) from error
    return psycopg


class PostgresChunkStore(SqlChunkStore):
    """A chunk store in a PostgreSQL database given by a ``postgresql://`` URL."""

    backend = "postgres"
    tier_order = "conversation_chunks.chunk_tier DESC"  # the enum sorts small < medium < large

    def __init__(self, url: str, *, connect_timeout: int = 10) -> None:
        self._db = _psycopg()
        self._safe_url = redact(url)
        try:
            self._connection: psycopg.Connection[tuple[Any, ...]] = self._db.connect(
                url, autocommit=True, connect_timeout=connect_timeout
            )
            self._connection.execute("SET TIME ZONE 'UTC'")
        except self._db.Error as error:
            raise StoreError(f"cannot connect to {self._safe_url}: {error}") from error

    def __repr__(self) -> str:
        return f"PostgresChunkStore({self._safe_url!r})"

    @property
    def backend_pid(self) -> int:
        """The server process of this store's connection (for diagnostics and tests)."""
        return int(self._connection.info.backend_pid)

    def close(self) -> None:
        """Close the connection (rolling back anything uncommitted)."""
        self._connection.close()

    def migrate(self, *, target: int | None = None) -> None:
        """Apply the pending migrations in one transaction, under a migration lock."""
        with self._transaction("migrate", "chunking.store:migrate"):
            self._connection.execute(
                f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (version integer PRIMARY KEY, "
                "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            applied = {
                v for (v,) in self._connection.execute(f"SELECT version FROM {MIGRATIONS_TABLE}")
            }
            for migration in self.migrations:
                if migration.version in applied or (
                    target is not None and migration.version > target
                ):
                    continue
                log.info("applying migration %s", migration.name)
                self._connection.execute(migration.sql.encode())
                self._connection.execute(
                    f"INSERT INTO {MIGRATIONS_TABLE} (version, name) VALUES (%s, %s)",
                    (migration.version, migration.name),
                )

    @contextmanager
    def _transaction(self, what: str, lock: str | None) -> Iterator[None]:
        try:
            with self._connection.transaction():
                if lock is not None:
                    self._connection.execute(_LOCK, (lock,))
                yield
        except self._db.Error as error:
            raise StoreError(f"{what} failed and was rolled back: {error}") from error

    def import_lock(self, user_id: str) -> AbstractContextManager[None]:
        """The user's session advisory lock, held until the import ends."""
        return self._session_lock(f"import for user {user_id!r}", f"chunking.store:user:{user_id}")

    @contextmanager
    def _session_lock(self, what: str, lock: str) -> Iterator[None]:
        try:
            self._connection.execute(_SESSION_LOCK, (lock,))
        except self._db.Error as error:
            raise StoreError(f"{what}: cannot take the import lock: {error}") from error
        try:
            yield
        finally:
            if not self._connection.closed and not self._connection.broken:
                self._connection.execute(_SESSION_UNLOCK, (lock,))

    def write_transaction(self, user_id: str) -> AbstractContextManager[None]:
        """One batch's transaction (rolled back on any exception)."""
        return self._transaction(f"import for user {user_id!r}", None)

    def fingerprints(self, user_id: str, conversation_ids: list[str]) -> dict[str, str]:
        rows = self._connection.execute(
            "SELECT conversation_id, fingerprint FROM conversation_chunk_sets "
            "WHERE user_id = %s AND conversation_id = ANY(%s)",
            (user_id, conversation_ids),
        )
        return {str(conversation): str(digest) for conversation, digest in rows}

    def absent_conversations(self, user_id: str, present: list[str]) -> list[str]:
        rows = self._connection.execute(
            "SELECT conversation_id FROM conversation_chunk_sets WHERE user_id = %s "
            "AND NOT conversation_id = ANY(%s) ORDER BY conversation_id",
            (user_id, present),
        )
        return [str(conversation_id) for (conversation_id,) in rows]

    def delete_conversations(self, user_id: str, conversation_ids: list[str]) -> int:
        deleted = self._connection.execute(
            "DELETE FROM conversation_chunks WHERE user_id = %s AND conversation_id = ANY(%s)",
            (user_id, conversation_ids),
        ).rowcount
        self._connection.execute(
            "DELETE FROM conversation_chunk_sets WHERE user_id = %s AND conversation_id = ANY(%s)",
            (user_id, conversation_ids),
        )
        return deleted

    def insert_chunks(self, user_id: str, chunks: Iterable[Chunk]) -> int:
        written = 0
        with self._connection.cursor() as cursor, cursor.copy(_COPY_CHUNKS) as copy:
            for chunk in chunks:
                copy.write_row(row(user_id, chunk))
                written += 1
        return written

    def insert_fingerprints(self, user_id: str, writes: list[ConversationWrite]) -> None:
        with self._connection.cursor() as cursor, cursor.copy(_COPY_SETS) as copy:
            for write in writes:
                copy.write_row(
                    (
                        user_id,
                        write.conversation_id,
                        write.fingerprint,
                        len(write.chunks),
                        write.chunks[0].chunking_version,
                    )
                )

    def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._connection.execute(sql.encode(), tuple(params)).fetchall()
        except self._db.Error as error:
            raise StoreError(f"query failed on {self._safe_url}: {error}") from error

    def _select_list(self) -> str:
        return _SELECT

    def _decode(self, row: tuple[Any, ...]) -> Chunk:
        return chunk_from_values(row)

    def _live_schema(self) -> LiveSchema:
        labels = None
        if self._fetch("SELECT to_regtype('chunk_tier_enum')")[0][0] is not None:
            labels = tuple(
                label
                for (label,) in self._fetch(
                    "SELECT e.enumlabel FROM pg_enum e "
                    "WHERE e.enumtypid = 'chunk_tier_enum'::regtype ORDER BY e.enumsortorder"
                )
            )
        columns = {
            (table, name): kind
            for table, name, kind in self._fetch(
                "SELECT c.relname, a.attname, t.typname FROM pg_attribute a "
                "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_type t ON t.oid = a.atttypid "
                "WHERE c.relname = ANY(%s) AND c.relkind = 'r' AND pg_table_is_visible(c.oid) "
                "AND a.attnum > 0 AND NOT a.attisdropped",
                [[CHUNKS_TABLE, CHUNK_SETS_TABLE]],
            )
        }
        indexes = frozenset(
            name
            for (name,) in self._fetch(
                "SELECT relname FROM pg_class WHERE relkind = 'i' AND pg_table_is_visible(oid)"
            )
        )
        applied: frozenset[int] = frozenset()
        if self._fetch(f"SELECT to_regclass('{MIGRATIONS_TABLE}')")[0][0] is not None:
            applied = frozenset(
                v for (v,) in self._fetch(f"SELECT version FROM {MIGRATIONS_TABLE}")
            )
        return LiveSchema("postgres", labels, columns, indexes, applied)


def row(user_id: str, chunk: Chunk) -> tuple[Any, ...]:
    """The COPY row of ``chunk`` in ``CHUNK_COLUMNS`` order."""
    return chunk_values(user_id, chunk, encode_time=_same, encode_ids=list)


def _same(moment: datetime | None) -> datetime | None:
    return moment
