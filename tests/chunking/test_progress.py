"""The progress meter: a bar on a terminal, else a log line at most every ``every`` seconds."""

from __future__ import annotations

import io
import logging

import pytest

from chunking.progress import Meter, amount


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_line_at_most_every_period_and_one_at_the_end(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="chunking.progress")
    clock = Clock()
    meter = Meter("extracting facts", total=1000, unit="chunks", every=10, stream=io.StringIO(),
                  clock=clock)  # fmt: skip
    for done in range(0, 1001, 10):  # 100 updates over 50 seconds
        clock.now += 0.5
        meter.update(done)
    meter.close()
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 6  # at 10, 20, 30, 40, 50 s, and the end
    assert lines[0] == "extracting facts: 190 chunks of 1,000 chunks (19%); 10 s"
    assert lines[-1] == "extracting facts: 1,000 chunks of 1,000 chunks (100%); 50 s (done)"


def test_an_unknown_total_logs_the_amount_alone(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="chunking.progress")
    with Meter("reading", unit="B", stream=io.StringIO(), clock=Clock()) as meter:
        meter.update(3 * 2**20, note="12 conversations")
    assert caplog.records[-1].getMessage() == "reading: 3.0 MiB, 12 conversations; 0 s (done)"


def test_a_terminal_gets_a_bar_with_the_total_and_no_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="chunking.progress")
    terminal = Terminal()
    with Meter("extracting facts", total=40, unit="chunks", stream=terminal) as meter:
        for done in range(1, 41):
            meter.update(done)
    drawn = terminal.getvalue()
    assert "extracting facts" in drawn
    assert "/40" in drawn
    assert not caplog.records


def test_amounts() -> None:
    assert amount(512, "B") == "512 B"
    assert amount(3 * 2**30, "B") == "3.0 GiB"
    assert amount(1_234_567, "chunks") == "1,234,567 chunks"
