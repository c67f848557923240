"""procrastinate's schema: created whole, recorded, and upgraded by its migration files."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest

from extraction.errors import SettingsError
from extraction.service import schema
from extraction.service.queue_schema import (
    RECORDED_FLOOR,
    bring_up_to_date,
    migration_files,
    pending,
)

pytestmark = pytest.mark.postgres


def _recorded(url: str) -> list[str]:
    with psycopg.connect(url) as connection:
        rows = connection.execute("SELECT name FROM service_queue_migrations ORDER BY name")
        return [name for (name,) in rows]


def _migrated_with_a_broken_migration(url: str, tmp_path: Path, name: str) -> Path:
    """A migrated database, and a release's migrations with one that fails, named ``name``."""
    schema.migrate(url)
    directory = _with_a_new_release(tmp_path)
    (directory / name).write_text("SELECT no_such_function();\n")
    return directory


def _with_a_new_release(tmp_path: Path) -> Path:
    """procrastinate's migrations plus one from a release after the installed one."""
    for path in migration_files():
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "99.00.00_01_pre_add_a_table.sql").write_text(
        "CREATE TABLE procrastinate_from_the_future (id integer);\n"
    )
    return tmp_path


def test_a_new_database_gets_the_schema_and_a_record_of_every_migration(pg_database: str) -> None:
    schema.migrate(pg_database)
    assert _recorded(pg_database) == [path.name for path in migration_files()]
    schema.check(pg_database)  # nothing pending
    schema.migrate(pg_database)  # idempotent
    assert len(_recorded(pg_database)) == len(migration_files())


def test_a_later_release_s_migration_is_applied_once_and_recorded(
    pg_database: str, tmp_path: Path
) -> None:
    schema.migrate(pg_database)
    directory = _with_a_new_release(tmp_path)
    with psycopg.connect(pg_database, autocommit=True) as connection:
        assert pending(connection, directory) == ["99.00.00_01_pre_add_a_table.sql"]
        assert bring_up_to_date(connection, directory) == ["99.00.00_01_pre_add_a_table.sql"]
        assert bring_up_to_date(connection, directory) == []
        assert pending(connection, directory) == []
        found = connection.execute("SELECT to_regclass('procrastinate_from_the_future')")
        assert found.fetchone() == ("procrastinate_from_the_future",)


def test_a_failing_migration_is_not_recorded_and_stops_the_later_ones(
    pg_database: str, tmp_path: Path
) -> None:
    directory = _migrated_with_a_broken_migration(
        pg_database, tmp_path, "98.00.00_01_pre_broken.sql"
    )
    with psycopg.connect(pg_database, autocommit=True) as connection:
        with pytest.raises(psycopg.errors.UndefinedFunction):
            bring_up_to_date(connection, directory)
        assert pending(connection, directory) == [
            "98.00.00_01_pre_broken.sql",
            "99.00.00_01_pre_add_a_table.sql",
        ]


def test_a_queue_made_before_the_record_counts_as_at_the_floor(
    pg_database: str, tmp_path: Path
) -> None:
    """A database migrated by an earlier version of the service: the queue, no record."""
    directory = _migrated_with_a_broken_migration(pg_database, tmp_path, "03.05.00_01_at_floor.sql")
    with psycopg.connect(pg_database, autocommit=True) as connection:
        connection.execute("DROP TABLE service_queue_migrations")
        # At the floor or below counts as applied (the broken one is never run); above is not.
        assert RECORDED_FLOOR == "03.05.00"
        assert pending(connection, directory) == ["99.00.00_01_pre_add_a_table.sql"]
        assert bring_up_to_date(connection, directory) == ["99.00.00_01_pre_add_a_table.sql"]
    assert _recorded(pg_database) == sorted(path.name for path in directory.glob("*.sql"))


def test_check_refuses_a_queue_behind_procrastinate(pg_database: str) -> None:
    schema.migrate(pg_database)
    newest = migration_files()[-1].name
    with psycopg.connect(pg_database, autocommit=True) as connection:
        connection.execute("DELETE FROM service_queue_migrations WHERE name = %s", (newest,))
    with pytest.raises(SettingsError, match=f"first: {newest}.*--migrate"):
        schema.check(pg_database)
