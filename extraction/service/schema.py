"""The service's tables, and the one migration step that sets up a database.

:func:`migrate` is idempotent and safe to run from several instances at
once (it holds a PostgreSQL advisory lock): it migrates the chunk store,
creates the result cache and the tables below, and creates or upgrades
procrastinate's schema (:mod:`extraction.service.queue_schema`).
Blocking: call it from a thread, not an event loop.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from extraction.service import queue_schema

__all__ = [
    "REQUIRED",
    "REQUIRED_QUERY",
    "SERVICE_TABLES",
    "check",
    "migrate",
    "missing_tables",
]

log = logging.getLogger(__name__)

SERVICE_TABLES = """
CREATE TABLE IF NOT EXISTS service_imports (
    id uuid PRIMARY KEY,
    user_id text NOT NULL,
    status text NOT NULL CHECK (status IN
        ('uploading', 'queued', 'processing', 'retrying', 'complete', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    export_bytes bigint NOT NULL DEFAULT 0,
    stage text,
    done bigint,
    total bigint,
    result jsonb,
    reason text,
    job_id bigint,
    created_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    finished_at timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS service_imports_user_status ON service_imports (user_id, status);
CREATE TABLE IF NOT EXISTS service_upload_pieces (
    import_id uuid NOT NULL REFERENCES service_imports (id) ON DELETE CASCADE,
    seq integer NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (import_id, seq)
);
CREATE TABLE IF NOT EXISTS service_profiles (
    user_id text PRIMARY KEY,
    markdown text NOT NULL,
    produced_by text NOT NULL,
    import_id uuid,
    updated_at timestamptz NOT NULL DEFAULT now()
);
"""
"""Imports (status, progress, result), the uploaded exports and the memory profiles."""

_LOCK = "SELECT pg_advisory_lock(hashtextextended('extraction.service:migrate', 0))"


def migrate(database_url: str) -> None:
    """Bring the database up to date for the service; idempotent.

    Raises:
        psycopg.Error: the database cannot be reached or changed.
    """
    import psycopg

    from chunking.store.url import open_store
    from extraction.factory import open_result_cache

    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(_LOCK)  # held until the connection closes
        store = open_store(database_url, create=True)
        try:
            store.migrate()
        finally:
            store.close()
        open_result_cache(database_url).close()  # creates the cache's table
        connection.execute(SERVICE_TABLES)
        queue_schema.bring_up_to_date(connection)
    log.info("service schema ready")


REQUIRED = {
    "imports": "service_imports",
    "profiles": "service_profiles",
    "queue": "procrastinate_jobs",
}
"""The tables the service needs, by what they hold."""

REQUIRED_QUERY = "SELECT " + ", ".join(f"to_regclass('{table}')" for table in REQUIRED.values())
"""One row: each of :data:`REQUIRED`, or NULL where it does not exist."""


def missing_tables(row: Sequence[object] | None) -> list[str]:
    """The names (keys of :data:`REQUIRED`) of the tables :data:`REQUIRED_QUERY` did not find."""
    found = row or (None,) * len(REQUIRED)
    return [name for name, table in zip(REQUIRED, found, strict=True) if table is None]


def check(database_url: str) -> None:
    """Raise :class:`~extraction.errors.SettingsError` when the database is not migrated.

    Creates nothing; the message says to run with ``--migrate``.
    """
    import psycopg

    from chunking.store.url import open_store
    from extraction.errors import SettingsError

    with psycopg.connect(database_url, autocommit=True) as connection:
        missing = missing_tables(connection.execute(REQUIRED_QUERY).fetchone())
        behind = [] if missing else queue_schema.pending(connection)
    if missing:
        raise SettingsError(
            f"the database lacks the service's tables ({', '.join(missing)}): "
            "start once with --migrate"
        )
    if behind:
        raise SettingsError(
            f"the job queue's schema lacks {len(behind)} of the installed procrastinate's "
            f"migrations (first: {behind[0]}): start once with --migrate"
        )
    store = open_store(database_url, create=False)
    try:
        store.verify_schema()
    finally:
        store.close()
