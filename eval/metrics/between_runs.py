"""Two runs of the same queries, compared row by row: what a change to the code did.

``python -m eval compare`` reads the ``per_query.jsonl`` of a run before a
change and of one after it (:func:`eval.report.write.read_per_query`) and
compares each row's per-query figures at each budget with
:func:`eval.metrics.significance.paired_test`: the mean difference (after
minus before), its 95% paired-bootstrap interval and the randomization test's
p-value. The queries are paired by id, so both runs must have measured the
same ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from eval.budgets import HEADLINE_BUDGETS
from eval.errors import RunsMismatchError, UnknownNameError
from eval.metrics.significance import Comparison, paired_test

__all__ = ["RunChange", "RunRecords", "between_runs"]

RunRecords = Mapping[str, Mapping[str, Mapping[str, Mapping[str, float]]]]
"""Row -> query id -> budget (as a string) -> metric -> value: one run's ``per_query.jsonl``."""


@dataclass(frozen=True, slots=True)
class RunChange:
    """One row's figure at one budget, before and after, compared query by query.

    Attributes:
        before / after: the means over the queries.
        comparison: after minus before, paired by query.
    """

    row: str
    budget: int
    metric: str
    before: float
    after: float
    comparison: Comparison


def between_runs(
    before: RunRecords,
    after: RunRecords,
    *,
    rows: Sequence[str] | None = None,
    budgets: Iterable[int] = HEADLINE_BUDGETS,
    metric: str = "span_recall",
) -> list[RunChange]:
    """Each of ``rows`` (default: every row both runs have) at each budget, after minus before.

    Raises:
        UnknownNameError: a row or a budget/metric missing from either run.
        RunsMismatchError: a row measured other queries in the two runs (runs
            of different datasets, or of different versions of one).
    """
    shared = [row for row in before if row in after]
    if not shared:
        raise RunsMismatchError(
            f"the runs have no row in common ({len(before)} rows before, {len(after)} after)"
        )
    if rows is None:
        rows = shared
    for row in rows:
        if row not in shared:
            raise UnknownNameError("row (in both runs)", row, shared)
    budgets = tuple(budgets)
    changes = []
    for row in rows:
        queries = sorted(before[row])
        if not queries:
            raise RunsMismatchError(f"row {row!r} has no queries in the before run")
        if set(queries) != set(after[row]):
            only_before = sorted(set(queries) - set(after[row]))
            only_after = sorted(set(after[row]) - set(queries))
            differ = [
                f"{len(ids)} only {run} (e.g. {ids[0]!r})"
                for run, ids in (("before", only_before), ("after", only_after))
                if ids
            ]
            raise RunsMismatchError(
                f"row {row!r} measured other queries in the two runs ({'; '.join(differ)}); "
                "compare two runs of one dataset"
            )
        for budget in budgets:
            first = _values(before[row], queries, budget, metric, "before")
            second = _values(after[row], queries, budget, metric, "after")
            changes.append(
                RunChange(
                    row=row,
                    budget=budget,
                    metric=metric,
                    before=sum(first) / len(first),
                    after=sum(second) / len(second),
                    comparison=paired_test(second, first),
                )
            )
    return changes


def _values(
    measured: Mapping[str, Mapping[str, Mapping[str, float]]],
    queries: list[str],
    budget: int,
    metric: str,
    run: str,
) -> list[float]:
    sample = measured[queries[0]]
    if str(budget) not in sample:
        raise UnknownNameError(f"budget of the {run} run", str(budget), sample)
    if metric not in sample[str(budget)]:
        raise UnknownNameError(f"metric of the {run} run", metric, sample[str(budget)])
    values = []
    for query in queries:
        value = measured[query].get(str(budget), {}).get(metric)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise RunsMismatchError(
                f"query {query!r} of the {run} run has no number for {metric} at {budget} "
                f"tokens (got {value!r})"
            )
        values.append(float(value))
    return values
