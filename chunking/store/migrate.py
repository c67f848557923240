"""The versioned SQL migrations shipped in ``chunking/store/migrations/<backend>/``.

Each file is ``NNNN_name.sql``; its number is its version, applied in order
and recorded in the table ``chunk_store_migrations`` so that migrating is
idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from chunking.errors import StoreError

__all__ = ["MIGRATIONS_TABLE", "Migration", "load_migrations"]

MIGRATIONS_TABLE = "chunk_store_migrations"


@dataclass(frozen=True, slots=True)
class Migration:
    """One migration: its version, its file name (without ``.sql``) and its SQL."""

    version: int
    name: str
    sql: str


@cache
def load_migrations(backend: str) -> tuple[Migration, ...]:
    """The migrations of ``backend`` (``"postgres"`` or ``"sqlite"``), in version order.

    Raises:
        StoreError: the package data is missing (a broken installation) or a
            file name does not start with its version number.
    """
    folder = resources.files("chunking.store").joinpath("migrations", backend)
    if not folder.is_dir():
        raise StoreError(
            f"no migrations for backend {backend!r} in the installed package; "
            "reinstall chat-memory-chunks (the .sql files are package data)"
        )
    found = []
    for entry in folder.iterdir():
        if not entry.name.endswith(".sql"):
            continue
        name = entry.name.removesuffix(".sql")
        number, _, _ = name.partition("_")
        if not number.isdigit():
            raise StoreError(f"migration file {entry.name!r} must be named NNNN_name.sql")
        found.append(Migration(int(number), name, entry.read_text(encoding="utf-8")))
    found.sort(key=lambda migration: migration.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise StoreError(
            f"migrations of {backend!r} are not numbered 1..n: {[m.name for m in found]}"
        )
    return tuple(found)
