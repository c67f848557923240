"""The SQLite chunk store: the embedded default (stdlib ``sqlite3``).

The tier enum is the table ``chunk_tier_enum`` that ``chunk_tier`` references
(foreign keys are switched on for every connection). An import holds a
per-user lock for its whole length: an exclusive ``flock`` on a file named by
a digest of the user id, in the folder ``<database>.locks`` beside the
database. The operating system releases it when the process ends, however it
ends, and it is taken per open file, so two threads of one process exclude
each other too. Each batch is written under ``BEGIN IMMEDIATE``, SQLite's
database-wide write lock, held only while the batch's rows are written:
reading and chunking the export happen outside it, so another user's import
waits at most for one batch.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime
from pathlib import Path
from typing import Any

from chunking.errors import StoreError, StoreNotFoundError
from chunking.model import Chunk
from chunking.store.migrate import MIGRATIONS_TABLE, Migration
from chunking.store.rows import (
    CHUNK_COLUMNS,
    READ_COLUMNS,
    chunk_from_values,
    chunk_values,
    quoted,
)
from chunking.store.schema import CHUNK_SETS_TABLE, CHUNKS_TABLE, LiveSchema
from chunking.store.sql import SqlChunkStore
from chunking.store.sync import ConversationWrite
from chunking.tiers import ChunkTier

__all__ = ["SqliteChunkStore"]

log = logging.getLogger(__name__)

_INSERT = (
    f"INSERT INTO conversation_chunks ({quoted(CHUNK_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(CHUNK_COLUMNS))})"
)


class SqliteChunkStore(SqlChunkStore):
    """A chunk store in one SQLite file (or ``":memory:"``).

    Args:
        path: the database file; ``":memory:"`` for a private in-memory database.
        create: create the file when it is absent (else it is an error).
        timeout: seconds to wait for another writer's lock before failing.
    """

    backend = "sqlite"
    tier_order = (
        "CASE chunk_tier "
        + " ".join(
            f"WHEN '{tier.value}' THEN {rank}" for rank, tier in enumerate(reversed(ChunkTier))
        )
        + " END"
    )

    def __init__(self, path: str, *, timeout: float = 60.0, create: bool = True) -> None:
        if not create and path != ":memory:" and not Path(path).is_file():
            raise StoreNotFoundError(
                f"no SQLite database at {path!r} (not found); create it with the command's "
                "--migrate, or with: python -m chunking db migrate sqlite:///PATH"
            )
        try:
            self._connection = sqlite3.connect(
                path, isolation_level=None, timeout=timeout, check_same_thread=False
            )
        except sqlite3.Error as error:
            raise StoreError(f"cannot open SQLite database {path!r}: {error}") from error
        self._connection.execute("PRAGMA foreign_keys = ON")
        if path != ":memory:":
            self._connection.execute("PRAGMA journal_mode = WAL")
            self._connection.execute("PRAGMA synchronous = NORMAL")
        self._connection.create_function("sha256_hex", 1, _sha256_hex, deterministic=True)
        self.path = path

    def __repr__(self) -> str:
        return f"SqliteChunkStore({self.path!r})"

    def close(self) -> None:
        """Close the connection (rolling back anything uncommitted)."""
        self._connection.close()

    def migrate(self, *, target: int | None = None) -> None:
        """Apply the pending migrations, all in one transaction."""
        with self._transaction("migrate"):
            self._connection.execute(
                f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (version INTEGER PRIMARY KEY, "
                "name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
            )
            applied = {
                row[0]
                for row in self._connection.execute(f"SELECT version FROM {MIGRATIONS_TABLE}")
            }
            for migration in self.migrations:
                if migration.version in applied or (
                    target is not None and migration.version > target
                ):
                    continue
                self._apply(migration)

    def _apply(self, migration: Migration) -> None:
        log.info("applying migration %s", migration.name)
        for statement in _statements(migration.sql):
            self._connection.execute(statement)
        self._connection.execute(
            f"INSERT INTO {MIGRATIONS_TABLE} (version, name) VALUES (?, ?)",
            (migration.version, migration.name),
        )

    @contextmanager
    def _transaction(self, what: str) -> Iterator[None]:
        try:
            self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise StoreError(f"{what}: cannot start a write transaction: {error}") from error
        try:
            yield
        except BaseException as error:
            if self._connection.in_transaction:
                self._connection.execute("ROLLBACK")
            if isinstance(error, sqlite3.Error):
                raise StoreError(f"{what} failed and was rolled back: {error}") from error
            raise
        else:
            self._connection.execute("COMMIT")

    def import_lock(self, user_id: str) -> AbstractContextManager[None]:
        """The user's import lock (see the module docstring); a private database needs none."""
        if self.path == ":memory:" or sys.platform == "win32":
            return nullcontext()  # no other connection can see the database, or no flock
        return _user_lock(Path(f"{self.path}.locks"), user_id)

    def write_transaction(self, user_id: str) -> AbstractContextManager[None]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` (rolled back on any exception)."""
        return self._transaction(f"import for user {user_id!r}")

    def fingerprints(self, user_id: str, conversation_ids: list[str]) -> dict[str, str]:
        rows = self._connection.execute(
            "SELECT conversation_id, fingerprint FROM conversation_chunk_sets WHERE user_id = ? "
            "AND conversation_id IN (SELECT value FROM json_each(?))",
            (user_id, json.dumps(conversation_ids)),
        )
        return dict(rows.fetchall())

    def absent_conversations(self, user_id: str, present: list[str]) -> list[str]:
        rows = self._connection.execute(
            "SELECT conversation_id FROM conversation_chunk_sets WHERE user_id = ? "
            "AND conversation_id NOT IN (SELECT value FROM json_each(?)) ORDER BY conversation_id",
            (user_id, json.dumps(present)),
        )
        return [conversation_id for (conversation_id,) in rows.fetchall()]

    def delete_conversations(self, user_id: str, conversation_ids: list[str]) -> int:
        wanted = json.dumps(conversation_ids)
        deleted = self._connection.execute(
            "DELETE FROM conversation_chunks WHERE user_id = ? "
            "AND conversation_id IN (SELECT value FROM json_each(?))",
            (user_id, wanted),
        ).rowcount
        self._connection.execute(
            "DELETE FROM conversation_chunk_sets WHERE user_id = ? "
            "AND conversation_id IN (SELECT value FROM json_each(?))",
            (user_id, wanted),
        )
        return deleted

    def insert_chunks(self, user_id: str, chunks: Iterable[Chunk]) -> int:
        cursor = self._connection.executemany(_INSERT, (row(user_id, c) for c in chunks))
        return cursor.rowcount

    def insert_fingerprints(self, user_id: str, writes: list[ConversationWrite]) -> None:
        self._connection.executemany(
            "INSERT INTO conversation_chunk_sets (user_id, conversation_id, fingerprint, "
            "chunk_count, chunking_version) VALUES (?, ?, ?, ?, ?)",
            (
                (
                    user_id,
                    w.conversation_id,
                    w.fingerprint,
                    len(w.chunks),
                    w.chunks[0].chunking_version,
                )
                for w in writes
            ),
        )

    def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._connection.execute(sql.replace("%s", "?"), tuple(params)).fetchall()
        except sqlite3.Error as error:
            raise StoreError(f"query failed on {self.path!r}: {error}") from error

    def _select_list(self) -> str:
        return quoted(READ_COLUMNS)

    def _decode(self, row: tuple[Any, ...]) -> Chunk:
        values = list(row)
        created = values[8]
        values[8] = datetime.fromisoformat(created) if created is not None else None
        values[12] = json.loads(values[12])
        return chunk_from_values(values)

    def _live_schema(self) -> LiveSchema:
        tables = {
            name for (name,) in self._fetch("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        labels = None
        if "chunk_tier_enum" in tables:
            labels = tuple(
                label
                for (label,) in self._fetch("SELECT label FROM chunk_tier_enum ORDER BY sort_order")
            )
        columns = {
            (table, name): str(kind).upper()
            for table in (CHUNKS_TABLE, CHUNK_SETS_TABLE)
            for _, name, kind, *_ in self._fetch(f"PRAGMA table_info({table})")
        }
        indexes = frozenset(
            name for (name,) in self._fetch("SELECT name FROM sqlite_master WHERE type = 'index'")
        )
        applied: frozenset[int] = frozenset()
        if MIGRATIONS_TABLE in tables:
            applied = frozenset(
                v for (v,) in self._fetch(f"SELECT version FROM {MIGRATIONS_TABLE}")
            )
        return LiveSchema("sqlite", labels, columns, indexes, applied)


@contextmanager
def _user_lock(folder: Path, user_id: str) -> Iterator[None]:
    """An exclusive ``flock`` on the user's lock file in ``folder``, held until exit."""
    import fcntl

    digest = hashlib.sha256(user_id.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    try:
        folder.mkdir(exist_ok=True)
        handle = (folder / f"{digest}.lock").open("a+b")
    except OSError as error:
        raise StoreError(
            f"cannot create the import lock file in {str(folder)!r}: {error}; the folder "
            "beside the database must be writable"
        ) from error
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("waiting for another import of user %r to finish", user_id)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def row(user_id: str, chunk: Chunk) -> tuple[Any, ...]:
    """The SQLite row of ``chunk`` in ``CHUNK_COLUMNS`` order."""
    return chunk_values(user_id, chunk, encode_time=_iso, encode_ids=json.dumps)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _statements(script: str) -> Iterator[str]:
    """Split a migration into statements (``sqlite3`` runs one per ``execute``)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            yield buffer
            buffer = ""
    if buffer.strip() and not all(
        part.strip().startswith("--") or not part.strip() for part in buffer.splitlines()
    ):
        raise StoreError(f"migration ends with an incomplete statement: {buffer.strip()!r}")
