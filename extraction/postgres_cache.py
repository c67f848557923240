"""The result cache in a PostgreSQL database: the service's, shared by its instances.

The service runs on instances whose disk does not survive a deploy; a cache
in a file there forgets what was paid for. This one is a table in the chunk
store's database, so an unchanged re-import costs no call on any instance.
psycopg 3 is imported when a cache is opened.
"""

from __future__ import annotations

from typing import Any

from extraction.cache import SCHEMA, SqlFactCache
from extraction.errors import CacheError

__all__ = ["PostgresFactCache"]

_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('extraction.fact_cache:schema', 0))"


class PostgresFactCache(SqlFactCache):
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
        except psycopg.Error as error:
            raise CacheError(f"cannot open the fact cache at {self._safe_url}: {error}") from None
        try:
            with self._connection.transaction():  # one instance creates the tables at a time
                self._connection.execute(_LOCK)
                self._connection.execute(SCHEMA)
        except psycopg.Error as error:
            self._connection.close()
            raise CacheError(
                f"cannot create the fact cache's tables at {self._safe_url}: {error}"
            ) from None

    def __repr__(self) -> str:
        return f"PostgresFactCache({self._safe_url!r})"

    def _rows(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        cursor = self._connection.execute(sql, params)  # autocommit: its own transaction
        return cursor.fetchall() if cursor.description else []

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
