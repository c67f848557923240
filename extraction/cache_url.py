"""Open the result cache named by a URL, the way ``chunking.store.open_store`` opens a store."""

from __future__ import annotations

from chunking.errors import StoreURLError
from chunking.store.url import sqlite_path
from extraction.cache import ClosableFactCache, SqliteFactCache
from extraction.errors import SettingsError

__all__ = ["open_fact_cache"]


def open_fact_cache(url: str) -> ClosableFactCache:
    """The cache at ``url``, any store URL: ``sqlite:///path`` (or ``sqlite://:memory:``)
    or ``postgresql://...`` (tables in that database).

    Raises:
        SettingsError: a URL of another scheme, or a SQLite URL that names no file.
        CacheError: the PostgreSQL database cannot be reached.
    """
    scheme = url.partition(":")[0].lower()
    if scheme == "sqlite":
        try:
            return SqliteFactCache(sqlite_path(url))
        except StoreURLError as error:
            raise SettingsError(str(error)) from None
    if scheme in ("postgresql", "postgres"):
        from extraction.postgres_cache import PostgresFactCache

        return PostgresFactCache(url)
    raise SettingsError(
        f"expected a fact cache URL sqlite:///path or postgresql://..., got {scheme}:..."
    )
