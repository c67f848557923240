"""procrastinate's schema: created whole, then kept up to date with its migration files.

procrastinate ships its whole schema (``schema.sql``) and, for each release
that changed it, migration files (``<version>_<n>_<name>.sql``, applied in
name order) that bring an older database forward. It keeps no record in the
database of the migrations a database has, so this module keeps one, in
``service_queue_migrations``:

- a database without the queue gets ``schema.sql`` and a record of every
  migration file of the installed procrastinate (the schema includes them);
- a database whose queue predates the record (made by an earlier version of
  this service) is recorded as having every migration up to
  :data:`RECORDED_FLOOR`, the lowest procrastinate this project installs;
- then every migration file not recorded is applied, each in a transaction
  with its record, in name order.

So upgrading procrastinate and starting once with ``--migrate`` brings the
queue along, and :func:`pending` tells ``check()`` and ``/health`` when it has
not been. A release's ``pre`` and ``post`` migrations are applied together:
stop the old version's workers before migrating for an upgrade whose notes
ask for it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg

__all__ = ["MIGRATIONS_TABLE", "RECORDED_FLOOR", "bring_up_to_date", "migration_files", "pending"]

log = logging.getLogger(__name__)

MIGRATIONS_TABLE = """
CREATE TABLE IF NOT EXISTS service_queue_migrations (
    name text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""

RECORDED_FLOOR = "03.05.00"
"""pyproject's lowest procrastinate (``>=3.5``), as a migration version prefix."""


def migration_files(directory: Path | None = None) -> list[Path]:
    """procrastinate's migration files, in the order they apply (``directory``: for tests)."""
    if directory is None:
        from procrastinate.schema import SchemaManager

        directory = Path(SchemaManager.get_migrations_path())
    return sorted(directory.glob("*.sql"), key=lambda path: path.name)


def pending(connection: psycopg.Connection[Any], directory: Path | None = None) -> list[str]:
    """The migration files that :func:`bring_up_to_date` would apply (all, without a queue)."""
    return [path.name for path in _pending(connection, migration_files(directory))]


def bring_up_to_date(
    connection: psycopg.Connection[Any], directory: Path | None = None
) -> list[str]:
    """Create or upgrade the queue's schema on ``connection`` (autocommit); the files applied.

    Raises:
        psycopg.Error: a migration failed; it and every later one stay unrecorded.
    """
    files = migration_files(directory)
    connection.execute(MIGRATIONS_TABLE)
    if not _has_queue(connection):
        from procrastinate.schema import SchemaManager

        with connection.transaction():
            connection.execute(SchemaManager.get_schema())  # procrastinate's own SQL
            _record(connection, [path.name for path in files])
        log.info("created the job queue's schema (procrastinate)")
        return []
    recorded = _recorded(connection)
    if not recorded:
        recorded = _floor(files)
        _record(connection, sorted(recorded))
    applied = []
    for path in _unapplied(files, recorded):
        with connection.transaction():
            connection.execute(path.read_text(encoding="utf-8"))
            _record(connection, [path.name])
        log.info("applied the job queue's migration %s", path.name)
        applied.append(path.name)
    return applied


def _pending(connection: psycopg.Connection[Any], files: list[Path]) -> list[Path]:
    if not _has_queue(connection):
        return files
    return _unapplied(files, _recorded(connection) or _floor(files))


def _unapplied(files: list[Path], recorded: set[str]) -> list[Path]:
    return [path for path in files if path.name not in recorded]


def _has_queue(connection: psycopg.Connection[Any]) -> bool:
    row = connection.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
    return row is not None and row[0] is not None


def _recorded(connection: psycopg.Connection[Any]) -> set[str]:
    row = connection.execute("SELECT to_regclass('service_queue_migrations')").fetchone()
    if row is None or row[0] is None:
        return set()
    return {name for (name,) in connection.execute("SELECT name FROM service_queue_migrations")}


def _floor(files: list[Path]) -> set[str]:
    return {path.name for path in files if path.name[: len(RECORDED_FLOOR)] <= RECORDED_FLOOR}


def _record(connection: psycopg.Connection[Any], names: list[str]) -> None:
    if names:
        connection.cursor().executemany(
            "INSERT INTO service_queue_migrations (name) VALUES (%s) ON CONFLICT DO NOTHING",
            [(name,) for name in names],
        )
