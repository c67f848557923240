"""Benchmark fixtures: a throwaway PostgreSQL server (or TEST_DATABASE_URL)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from chunking.errors import StoreError
from chunking.store.tempdb import TemporaryPostgres


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield url
        return
    server = TemporaryPostgres()
    try:
        url = server.start()
    except (StoreError, OSError) as error:
        server.stop()
        pytest.skip(f"PostgreSQL could not be started: {error}")
    try:
        yield url
    finally:
        server.stop()
