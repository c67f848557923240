"""Markdown building blocks of the report."""

from __future__ import annotations

from collections.abc import Mapping

from eval.metrics.significance import Interval

__all__ = ["NO_COMPARISON", "difference_text", "interval_text", "p_value", "table"]

NO_COMPARISON = "_No per-query comparison in these metrics: run `python -m eval run` again._"
"""Said where a comparison belongs but the metrics predate per-query figures."""


def table(header: list[str], rows: list[list[str]]) -> str:
    """A markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def p_value(p: float) -> str:
    """``p = 0.037``, or ``p < 0.001`` below that (a drawn test cannot say how far below).

    >>> p_value(0.0372), p_value(0.0002)
    ('p = 0.037', 'p < 0.001')
    """
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def interval_text(figure: Interval | Mapping[str, float]) -> str:
    """``0.750 [0.693, 0.805]``: a mean and its 95% interval.

    >>> interval_text(Interval(0.75, 0.693, 0.805))
    '0.750 [0.693, 0.805]'
    """
    f = figure if isinstance(figure, Interval) else Interval.from_dict(figure)
    return f"{f.mean:.3f} [{f.low:.3f}, {f.high:.3f}]"


def difference_text(figure: Interval | Mapping[str, float]) -> str:
    """``+0.012 [+0.002, +0.023]``: a paired difference and its 95% interval, signed.

    >>> difference_text({"mean": 0.012, "low": 0.002, "high": 0.023})
    '+0.012 [+0.002, +0.023]'
    """
    f = figure if isinstance(figure, Interval) else Interval.from_dict(figure)
    return f"{f.mean:+.3f} [{f.low:+.3f}, {f.high:+.3f}]"
