"""The result cache in a PostgreSQL database: the service's, shared by its instances.

The service runs on instances whose disk does not survive a deploy; a cache
in a file there forgets what was paid for. This one is a table in the chunk
store's database, so an unchanged re-import costs no call on any instance.
psycopg 3 is imported when a cache is opened.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from extraction.cache import CacheEntry, CacheKey, decode_entry, encode_facts
from extraction.errors import CacheError

__all__ = ["PostgresFactCache"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS extraction_fact_cache (
    content_hash   text NOT NULL,
    prompt_version text NOT NULL,
    model          text NOT NULL,
    status         text NOT NULL CHECK (status IN ('ok', 'failed')),
    reason         text,
    facts          jsonb NOT NULL,
    updated_at     timestamptz NOT NULL,
    PRIMARY KEY (content_hash, prompt_version, model)
);
CREATE TABLE IF NOT EXISTS extraction_pending_batches (
    digest     text PRIMARY KEY,
    batch_id   text NOT NULL,
    created_at timestamptz NOT NULL
)
"""

_UPSERT = """
INSERT INTO extraction_fact_cache VALUES (%s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (content_hash, prompt_version, model) DO UPDATE SET
    status = EXCLUDED.status, reason = EXCLUDED.reason, facts = EXCLUDED.facts,
    updated_at = EXCLUDED.updated_at
"""


class PostgresFactCache:
    """The cache in the ``extraction_fact_cache`` table (created if missing).

    Args:
        url: a ``postgresql://`` URL (its password never appears in errors or reprs).
        connect_timeout: seconds to wait for the server.

    Raises:
        CacheError: the server cannot be reached or the table cannot be created.
    """

    def __init__(self, url: str, *, connect_timeout: int = 10) -> None:
        from chunking.store.postgres import redact

        psycopg = _psycopg()
        self._safe_url = redact(url)
        try:
            self._connection: Any = psycopg.connect(
                url, autocommit=True, connect_timeout=connect_timeout
            )
            self._connection.execute(_SCHEMA)
        except psycopg.Error as error:
            raise CacheError(f"cannot open the fact cache at {self._safe_url}: {error}") from None

    def __repr__(self) -> str:
        return f"PostgresFactCache({self._safe_url!r})"

    def get(self, key: CacheKey) -> CacheEntry | None:
        """The entry of ``key``, if any."""
        row = self._connection.execute(
            "SELECT status, reason, facts::text FROM extraction_fact_cache "
            "WHERE content_hash = %s AND prompt_version = %s AND model = %s",
            (key.content_hash, key.prompt_version, key.model),
        ).fetchone()
        return None if row is None else decode_entry(row[0], row[1], row[2])

    def put(self, key: CacheKey, entry: CacheEntry) -> None:
        """Store (or replace) the entry of ``key``."""
        self._connection.execute(
            _UPSERT,
            (
                key.content_hash,
                key.prompt_version,
                key.model,
                entry.status,
                entry.reason,
                encode_facts(entry),
                datetime.now(UTC),
            ),
        )

    def pending_batch(self, digest: str) -> str | None:
        """The id of the batch sent for ``digest`` and not yet collected, if any."""
        row = self._connection.execute(
            "SELECT batch_id FROM extraction_pending_batches WHERE digest = %s", (digest,)
        ).fetchone()
        return None if row is None else str(row[0])

    def record_batch(self, digest: str, batch_id: str) -> None:
        """Note that ``batch_id`` holds the requests of ``digest``."""
        self._connection.execute(
            "INSERT INTO extraction_pending_batches VALUES (%s, %s, %s) ON CONFLICT (digest) "
            "DO UPDATE SET batch_id = EXCLUDED.batch_id, created_at = EXCLUDED.created_at",
            (digest, batch_id, datetime.now(UTC)),
        )

    def forget_batch(self, digest: str) -> None:
        """The batch of ``digest`` is collected or cancelled."""
        self._connection.execute(
            "DELETE FROM extraction_pending_batches WHERE digest = %s", (digest,)
        )

    def close(self) -> None:
        """Close the connection."""
        self._connection.close()


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError as error:
        raise ImportError(
            "the PostgreSQL fact cache needs psycopg 3: pip install 'chat-memory-chunks[postgres]'"
        ) from error
    return psycopg
