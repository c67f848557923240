"""``python -m eval compare``'s table: each row before and after, with the paired difference."""

from __future__ import annotations

from collections.abc import Sequence

from eval.metrics.between_runs import RunChange
from eval.report.markdown import difference_text, p_value, table

__all__ = ["between_runs_markdown"]


def between_runs_markdown(changes: Sequence[RunChange]) -> str:
    """A markdown table: a line per row, a column per budget (``before → after, difference``).

    >>> between_runs_markdown([])
    '_No row to compare._'
    """
    if not changes:
        return "_No row to compare._"
    budgets = list(dict.fromkeys(change.budget for change in changes))
    metric = changes[0].metric
    cells: dict[str, dict[int, str]] = {}
    for change in changes:
        compared = change.comparison
        cells.setdefault(change.row, {})[change.budget] = (
            f"{change.before:.3f} → {change.after:.3f}, "
            f"{difference_text(compared.difference)} {p_value(compared.p_value)}"
        )
    counts = sorted({change.comparison.queries for change in changes})
    queries = str(counts[0]) if len(counts) == 1 else f"{counts[0]} to {counts[-1]} (per row)"
    header = ["row", *(f"{metric} @{budget:,}" for budget in budgets)]
    body = [[f"`{row}`", *(by[b] for b in budgets)] for row, by in cells.items()]
    note = (
        f"After minus before, paired over {queries} queries: the mean difference, its 95% "
        "bootstrap interval and the randomization test's p. A difference is real when "
        "p < 0.05; when most queries tie, the interval can exclude 0 while p does not "
        "(docs/eval-statistics.md)."
    )
    return table(header, body) + "\n\n" + note
