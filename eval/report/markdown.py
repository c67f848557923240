"""Markdown building blocks of the report."""

from __future__ import annotations

__all__ = ["p_value", "table"]


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
