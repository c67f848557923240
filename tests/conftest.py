"""Fixtures shared by every test package: a real PostgreSQL server for the session."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from chunking.errors import StoreError
from chunking.store.tempdb import TemporaryPostgres


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
