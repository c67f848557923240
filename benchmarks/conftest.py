"""Shared benchmark plumbing: ratios recorded by the benchmarks, printed at the end."""

from __future__ import annotations

import pytest

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
