"""Open the result cache named by a URL, the way ``chunking.store.open_store`` opens a store."""

from __future__ import annotations

from extraction.cache import FactCache, SqliteFactCache
from extraction.errors import SettingsError

__all__ = ["open_fact_cache"]


def open_fact_cache(url: str) -> FactCache:
    """The cache at ``url``: ``sqlite:///path`` or ``postgresql://...`` (a table in that database).

    Raises:
        SettingsError: a URL of another scheme.
        CacheError: the PostgreSQL database cannot be reached.
    """
    if url.startswith("sqlite:///"):
        return SqliteFactCache.from_url(url)
    if url.startswith(("postgresql://", "postgres://")):
        from extraction.postgres_cache import PostgresFactCache

        return PostgresFactCache(url)
    raise SettingsError(
        f"expected a fact cache URL sqlite:///path or postgresql://..., got "
        f"{url.split(':', 1)[0]}:..."
    )
