"""``open_store``: a chunk store from a URL."""

from __future__ import annotations

from collections.abc import Callable

from chunking.errors import StoreURLError
from chunking.store.base import ChunkStore

__all__ = ["BACKENDS", "open_store", "sqlite_path"]


def sqlite_path(url: str) -> str:
    """The file of a ``sqlite:`` URL, or ``":memory:"``.

    >>> sqlite_path("sqlite:///chunks.db"), sqlite_path("sqlite:////tmp/c.db")
    ('chunks.db', '/tmp/c.db')

    Raises:
        StoreURLError: the URL names no file.
    """
    rest = url[len("sqlite:") :]
    if rest in ("", "//", "//:memory:", "///:memory:"):
        return ":memory:"
    if not rest.startswith("///") or rest == "///":
        raise StoreURLError(
            f"SQLite URL {url!r} names no file; expected sqlite:///relative/path.db, "
            "sqlite:////absolute/path.db or sqlite://:memory:"
        )
    return rest.removeprefix("///")


def _sqlite(url: str, *, create: bool) -> ChunkStore:
    from chunking.store.sqlite import SqliteChunkStore

    return SqliteChunkStore(sqlite_path(url), create=create)


def _postgres(url: str, *, create: bool) -> ChunkStore:
    from chunking.store.postgres import PostgresChunkStore

    del create  # connecting never creates a PostgreSQL database
    return PostgresChunkStore(url)


BACKENDS: dict[str, Callable[..., ChunkStore]] = {
    "sqlite": _sqlite,
    "postgresql": _postgres,
    "postgres": _postgres,
}
"""URL scheme -> opener."""


def open_store(url: str, *, create: bool = True) -> ChunkStore:
    """Open the chunk store at ``url``; the caller closes it (or uses ``with``).

    ``sqlite:///chunks.db`` (relative), ``sqlite:////abs/chunks.db``,
    ``sqlite://:memory:`` or ``postgresql://user@host:port/db``. Opening does
    not migrate: call ``migrate()`` (or ``python -m chunking db migrate URL``).

    Args:
        url: where the store is.
        create: create a SQLite file that does not exist yet; with ``False``
            a missing file is an error and nothing is created (for commands
            that read or check a store).

    Raises:
        StoreURLError: a scheme no backend handles (the message lists them).
        StoreNotFoundError: ``create=False`` and the SQLite file does not exist.
        StoreError: the database cannot be opened.
        ImportError: ``postgresql://`` without psycopg installed.

    Example:
        >>> with open_store("sqlite://:memory:") as store:
        ...     store.migrate()
        ...     store.versions("ana")
        {}
    """
    scheme, separator, _ = url.partition(":")
    opener = BACKENDS.get(scheme.lower()) if separator else None
    if opener is None:
        from chunking.store.postgres import redact

        valid = ", ".join(f"{name}://" for name in sorted(BACKENDS))
        raise StoreURLError(f"unknown store URL {redact(url)!r}; valid schemes: {valid}")
    return opener(url, create=create)
