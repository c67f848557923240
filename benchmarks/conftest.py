"""Benchmark plumbing: ratios printed at the end, and a PostgreSQL server."""

from __future__ import annotations

import pytest

# The same throwaway PostgreSQL (or TEST_DATABASE_URL) as the tests use.
from tests.conftest import pg_database, postgres_url

__all__ = ["pg_database", "postgres_url", "report"]

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
