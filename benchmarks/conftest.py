"""Benchmark plumbing: ratios printed at the end, and a PostgreSQL server."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from chunking.errors import StoreError
from chunking.store.tempdb import TemporaryPostgres

RESULTS: list[str] = []


@pytest.fixture
def report() -> list[str]:
    """Append human-readable result lines; they are printed after the run."""
    return RESULTS


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if RESULTS:
        terminalreporter.section("benchmark ratios")
        for line in RESULTS:
            terminalreporter.write_line(line)


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
