"""Progress of long work: the one place that draws on the terminal while work runs.

A :class:`Meter` follows one step (reading an export, extracting facts). On
a terminal it draws a bar with the total on standard error; otherwise (a
log file, CI, a service) it logs one line at most every ``every`` seconds,
and a last line when the step ends, so a long run is never silent and
never floods the log.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import IO, Any

__all__ = ["Meter", "amount"]

log = logging.getLogger(__name__)

_BINARY = ("B", "KiB", "MiB", "GiB", "TiB")


def amount(value: float, unit: str) -> str:
    """``value`` of ``unit`` for people: bytes scaled (``"12.5 MiB"``), others grouped.

    >>> amount(13_107_200, "B"), amount(1234, "chunks")
    ('12.5 MiB', '1,234 chunks')
    """
    if unit != "B":
        return f"{value:,.0f} {unit}"
    scale = 0
    while value >= 1024 and scale < len(_BINARY) - 1:
        value /= 1024
        scale += 1
    return f"{value:.0f} B" if scale == 0 else f"{value:.1f} {_BINARY[scale]}"


class Meter:
    """The progress of one step, shown as a bar on a terminal, else as periodic log lines.

    Args:
        description: what the step does (``"reading export.zip"``).
        total: the amount the step reaches at its end, when known.
        unit: ``"B"`` for bytes (scaled), or a noun (``"chunks"``).
        every: the fewest seconds between two log lines.
        stream: where a bar is drawn; a bar only when it is a terminal.
        clock: seconds, for the log's pacing (injected in tests).
    """

    def __init__(
        self,
        description: str,
        *,
        total: int | None = None,
        unit: str = "",
        every: float = 10.0,
        stream: IO[str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.description = description
        self.total = total
        self.unit = unit
        self.done = 0
        self.note = ""
        self._every = every
        self._clock = clock
        self._started = self._logged = clock()
        target = stream if stream is not None else sys.stderr
        self._bar: Any = self._draw(target) if target.isatty() else None

    def _draw(self, stream: IO[str]) -> Any:
        from tqdm import tqdm

        binary = self.unit == "B"
        return tqdm(
            desc=self.description,
            total=self.total,
            unit=self.unit or "it",
            unit_scale=binary,
            unit_divisor=1024 if binary else 1000,
            file=stream,
            leave=False,
        )

    def update(self, done: int, *, total: int | None = None, note: str = "") -> None:
        """Set the amount done so far (and the total, when it becomes known), with a note."""
        if total is not None:
            self.total = total
        self.note = note or self.note
        if self._bar is not None:
            if total is not None:
                self._bar.total = total
            self._bar.update(done - self.done)
            if note:
                self._bar.set_postfix_str(note, refresh=False)
        self.done = done
        if self._bar is None and self._clock() - self._logged >= self._every:
            self._log()

    def close(self) -> None:
        """End the step: the bar is removed; the log gets its last line."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
            return
        self._log(final=True)

    def line(self, *, final: bool = False) -> str:
        """The log line of where the step stands."""
        where = amount(self.done, self.unit)
        if self.total:
            share = min(self.done / self.total, 1.0)
            where += f" of {amount(self.total, self.unit)} ({share:.0%})"
        seconds = self._clock() - self._started
        note = f", {self.note}" if self.note else ""
        return f"{self.description}: {where}{note}; {seconds:.0f} s" + (" (done)" if final else "")

    def _log(self, *, final: bool = False) -> None:
        self._logged = self._clock()
        log.info("%s", self.line(final=final))

    def __enter__(self) -> Meter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
