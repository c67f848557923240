"""The result cache: each chunk's facts (or failure) by content, prompt and model.

A chunk whose ``(content_hash, prompt version, model)`` has an ``ok`` entry is
never sent again, so re-importing an unchanged export makes no LLM call.
A ``failed`` entry records why, and is retried by the next run.

Facts are stored without chunk or message ids (the same text may appear in
another conversation): message ids are kept as positions in the chunk's
``message_ids`` and re-bound on read.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from extraction.batches import MemoryBatchJournal
from extraction.facts import Fact, FactStatus, make_fact
from extraction.items import ExtractionItem

__all__ = [
    "SCHEMA",
    "CacheEntry",
    "CacheKey",
    "CachedFact",
    "FactCache",
    "MemoryFactCache",
    "SqlFactCache",
    "SqliteFactCache",
    "decode_entry",
    "encode_facts",
    "entry_from_facts",
    "facts_from_entry",
]


@dataclass(frozen=True, slots=True)
class CacheKey:
    """What a chunk's result depends on."""

    content_hash: str
    prompt_version: str
    model: str


@dataclass(frozen=True, slots=True)
class CachedFact:
    """A fact without its chunk: message ids as positions in the chunk."""

    category: str
    key: str | None
    text: str
    message_positions: tuple[int, ...]
    value: str | None = None
    status: FactStatus = "current"


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """The outcome of a chunk: its facts, or why it failed."""

    status: Literal["ok", "failed"]
    facts: tuple[CachedFact, ...] = ()
    reason: str | None = None


class FactCache(Protocol):
    """Where chunk results are kept between runs."""

    def get(self, key: CacheKey) -> CacheEntry | None:
        """The entry of ``key``, if any."""
        ...

    def put(self, key: CacheKey, entry: CacheEntry) -> None:
        """Store (or replace) the entry of ``key``."""
        ...


class ClosableFactCache(FactCache, Protocol):
    """A cache that holds a connection until ``close()``."""

    def close(self) -> None:
        """Release the connection."""
        ...


def entry_from_facts(facts: list[Fact], item: ExtractionItem) -> CacheEntry:
    """The ``ok`` entry for ``item``'s facts."""
    position = {message_id: index for index, message_id in enumerate(item.message_ids)}
    return CacheEntry(
        status="ok",
        facts=tuple(
            CachedFact(
                fact.category,
                fact.key,
                fact.text,
                tuple(position[m] for m in fact.message_ids if m in position),
                fact.value,
                fact.status,
            )
            for fact in facts
        ),
    )


def facts_from_entry(entry: CacheEntry, item: ExtractionItem) -> list[Fact]:
    """The facts of an ``ok`` entry, bound to ``item`` (as answers are, by ``make_fact``)."""
    ids = item.message_ids
    return [
        make_fact(
            item,
            category=cached.category,
            key=cached.key,
            value=cached.value,
            status=cached.status,
            text=cached.text,
            message_ids=[ids[p] for p in cached.message_positions if p < len(ids)],
            rank=rank,
        )
        for rank, cached in enumerate(entry.facts)
    ]


def encode_facts(entry: CacheEntry) -> str:
    """The ``facts`` column of a stored entry (JSON)."""
    return json.dumps(
        [
            {
                "category": f.category,
                "key": f.key,
                "text": f.text,
                "messages": list(f.message_positions),
                "value": f.value,
                "status": f.status,
            }
            for f in entry.facts
        ]
    )


def decode_entry(status: str, reason: str | None, facts: str) -> CacheEntry:
    """The entry of a stored row (``facts`` as written by :func:`encode_facts`)."""
    if status not in ("ok", "failed"):
        raise ValueError(f"cache entry status must be 'ok' or 'failed', got {status!r}")
    return CacheEntry(
        status="ok" if status == "ok" else "failed",
        facts=tuple(
            CachedFact(
                f["category"],
                f["key"],
                f["text"],
                tuple(f["messages"]),
                f.get("value"),
                "former" if f.get("status") == "former" else "current",
            )
            for f in json.loads(facts)
        ),
        reason=reason,
    )


class MemoryFactCache(MemoryBatchJournal):
    """A cache in a dict (tests, one-off runs), with its batch journal."""

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[CacheKey, CacheEntry] = {}

    def get(self, key: CacheKey) -> CacheEntry | None:
        """The entry of ``key``, if any."""
        return self.entries.get(key)

    def put(self, key: CacheKey, entry: CacheEntry) -> None:
        """Store the entry of ``key``."""
        self.entries[key] = entry


SCHEMA = """
CREATE TABLE IF NOT EXISTS extraction_fact_cache (
    content_hash   TEXT NOT NULL,
    prompt_version TEXT NOT NULL,
    model          TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
    reason         TEXT,
    facts          TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (content_hash, prompt_version, model)
);
CREATE TABLE IF NOT EXISTS extraction_pending_batches (
    digest     TEXT PRIMARY KEY,
    batch_id   TEXT NOT NULL,
    created_at TEXT NOT NULL
)
"""
"""The cache's two tables; the same text on SQLite and PostgreSQL (timestamps as ISO text)."""


class SqlFactCache:
    """The entries and the batch journal in SQL tables; a backend runs the statements.

    The statements are the same on SQLite (3.24 or later) and PostgreSQL, with
    ``%s`` placeholders: a backend implements only :meth:`_rows`.
    """

    def _rows(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """Run one statement in its own transaction; the rows it returns (if any)."""
        raise NotImplementedError

    def get(self, key: CacheKey) -> CacheEntry | None:
        """The entry of ``key``, if any."""
        rows = self._rows(
            "SELECT status, reason, facts FROM extraction_fact_cache "
            "WHERE content_hash = %s AND prompt_version = %s AND model = %s",
            (key.content_hash, key.prompt_version, key.model),
        )
        return decode_entry(*rows[0]) if rows else None

    def put(self, key: CacheKey, entry: CacheEntry) -> None:
        """Store (or replace) the entry of ``key``."""
        self._rows(
            "INSERT INTO extraction_fact_cache VALUES (%s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (content_hash, prompt_version, model) DO UPDATE SET "
            "status = excluded.status, reason = excluded.reason, facts = excluded.facts, "
            "updated_at = excluded.updated_at",
            (
                key.content_hash,
                key.prompt_version,
                key.model,
                entry.status,
                entry.reason,
                encode_facts(entry),
                datetime.now(UTC).isoformat(),
            ),
        )

    def pending_batches(self, digests: Sequence[str]) -> dict[str, str]:
        """The batch id of each of ``digests`` sent and not yet collected (digest: id)."""
        found: dict[str, str] = {}
        for part in _slices(digests):
            rows = self._rows(
                "SELECT digest, batch_id FROM extraction_pending_batches "
                f"WHERE digest IN ({', '.join(['%s'] * len(part))})",
                tuple(part),
            )
            found.update((str(digest), str(batch_id)) for digest, batch_id in rows)
        return found

    def record_batch(self, batch_id: str, digests: Sequence[str]) -> None:
        """Note that ``batch_id`` holds the requests of ``digests``."""
        now = datetime.now(UTC).isoformat()
        for part in _slices(digests):
            self._rows(
                "INSERT INTO extraction_pending_batches VALUES "
                f"{', '.join(['(%s, %s, %s)'] * len(part))} ON CONFLICT (digest) DO UPDATE SET "
                "batch_id = excluded.batch_id, created_at = excluded.created_at",
                tuple(value for digest in part for value in (digest, batch_id, now)),
            )

    def forget_requests(self, digests: Sequence[str]) -> None:
        """The results of ``digests`` are stored: nothing left to collect for them."""
        for part in _slices(digests):
            self._rows(
                "DELETE FROM extraction_pending_batches "
                f"WHERE digest IN ({', '.join(['%s'] * len(part))})",
                tuple(part),
            )

    def forget_batch(self, batch_id: str) -> None:
        """``batch_id`` was cancelled, or can no longer be read: send its requests again."""
        self._rows("DELETE FROM extraction_pending_batches WHERE batch_id = %s", (batch_id,))


def _slices(values: Sequence[str], size: int = 300) -> list[Sequence[str]]:
    """``values`` in slices small enough for one statement's parameters."""
    return [values[i : i + size] for i in range(0, len(values), size)]


class SqliteFactCache(SqlFactCache):
    """The cache in its own tables of a SQLite file (may be the chunk store's file).

    Args:
        path: the SQLite file (created if missing), or ``":memory:"``.
        timeout: seconds to wait for another writer's lock (the chunk store's
            default: its re-chunking transaction may hold the file that long).
    """

    def __init__(self, path: str | Path, *, timeout: float = 60.0) -> None:
        # Used by one thread at a time, not always the one that opened it (a pass's worker).
        self._db = sqlite3.connect(str(path), timeout=timeout, check_same_thread=False)
        # One small transaction per chunk: WAL with NORMAL sync keeps each commit cheap and
        # is still crash-safe for the database (a lost last entry is only re-extracted).
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        with self._db:
            self._db.executescript(SCHEMA)

    def _rows(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with self._db:
            return self._db.execute(sql.replace("%s", "?"), params).fetchall()

    def close(self) -> None:
        """Close the connection."""
        self._db.close()
