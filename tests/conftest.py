"""Shared test configuration: hypothesis profiles and a real PostgreSQL server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import settings

from chunking.errors import StoreError
from chunking.store.tempdb import TemporaryPostgres

# CI replays the same examples on every run, so that a landing never depends on
# luck; locally every run explores new ones.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """``TEST_DATABASE_URL`` if set (as ``.ci/run`` does), else a throwaway server.

    Skips only when no server can be started on this machine (no PostgreSQL
    installation, or initdb/pg_ctl failing), with the reason.
    """
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield url
        return
    server = TemporaryPostgres()
    try:
        url = server.start()
    except (StoreError, OSError) as error:
        server.stop()
        pytest.skip(f"PostgreSQL could not be started, so Postgres tests are skipped: {error}")
    try:
        yield url
    finally:
        server.stop()


@pytest.fixture
def pg_database(postgres_url: str) -> Iterator[str]:
    """A fresh database on the session's server, dropped afterwards."""
    import psycopg

    name = f"test_{uuid.uuid4().hex}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}".encode())
    base, _, _ = postgres_url.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)".encode())


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    """An empty, unmigrated database of each backend (for the chunk store or the fact cache)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/chunks.db"
    url: str = request.getfixturevalue("pg_database")
    return url
