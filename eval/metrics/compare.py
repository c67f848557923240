"""Comparing strategies: our best row against the best peer row, precision at equal recall,
and the summary table's rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any

from eval.budgets import HEADLINE_BUDGET, HEADLINE_BUDGETS
from eval.metrics.significance import paired_test
from eval.results import RowFigures

__all__ = [
    "SUMMARY_COLUMNS",
    "VERSUS_METRICS",
    "PerQuery",
    "against_best_peer",
    "featured_rows",
    "precision_at_recall",
    "redundancy_by_row",
    "small_to_big_vs_large",
    "summary_rows",
]

VERSUS_METRICS = (("span recall", "span_recall"), ("strict recall", "evidence_strict_recall"))
"""(label, metric) compared at each of :data:`eval.budgets.HEADLINE_BUDGETS`."""

Rows = Mapping[str, RowFigures]
"""Row name -> its figures, in the run's order (ours, then the peers')."""

PerQuery = Mapping[str, Mapping[str, Mapping[str, Sequence[float]]]]
"""Row -> budget (as a string) -> metric -> one value per query, the same query order per row."""


def against_best_peer(retrieval: Rows, per_query: PerQuery) -> dict[str, Any]:
    """Our best row against the best peer row, per budget and metric, with paired p-values.

    Our best row is ours with the highest ``span_recall`` at
    :data:`HEADLINE_BUDGET`; at each budget and metric the best peer row is the
    peer row with the highest mean there. Each pair is compared on the same
    queries by :func:`eval.metrics.significance.paired_test`; ``verdict`` is
    ``"ours higher"`` or ``"peer higher"`` only when ``p < 0.05``, else
    ``"not significant"``. Choosing the two best rows on the data that then
    compares them favours a difference, so a p-value near 0.05 is weak evidence.

    Returns:
        ``{"best": row, "checks": [...]}``; empty when there is no peer row or
        none of ours.
    """
    ours = [n for n, f in retrieval.items() if not f.is_peer and n in per_query]
    peers = [n for n, f in retrieval.items() if f.is_peer and n in per_query]
    if not ours or not peers:
        return {}
    best = max(ours, key=lambda n: _figure(retrieval[n], HEADLINE_BUDGET, "span_recall"))
    checks = []
    for budget in HEADLINE_BUDGETS:
        for label, metric in VERSUS_METRICS:
            mine = per_query[best].get(str(budget), {}).get(metric)
            measured = {n: v for n in peers if (v := per_query[n].get(str(budget), {}).get(metric))}
            if not mine or not measured:
                continue
            rival = max(measured, key=lambda n: _figure(retrieval[n], budget, metric))
            comparison = paired_test(mine, measured[rival])
            checks.append({
                "budget": budget, "metric": label, "key": metric, "ours": best, "peer": rival,
                "ours_figure": _interval(retrieval[best], budget, metric),
                "peer_figure": _interval(retrieval[rival], budget, metric),
                **comparison.to_dict(),
                "verdict": _verdict(comparison.significant, comparison.difference.mean),
            })  # fmt: skip
    return {"best": best, "checks": checks}


def featured_rows(retrieval: Rows, *, ours: int = 2, peers: int = 2) -> list[str]:
    """Our ``ours`` best rows, then the ``peers`` best peer rows, by span recall at 1,024 tokens.

    The rows the report's summary and plots show (the full tables show all).
    Ties keep the order of ``retrieval``.

    >>> def row(source, value):
    ...     return RowFigures(source, at_budget={"1024": {"span_recall": value}})
    >>> featured_rows({"a": row("ours", .5), "b": row("ours", .7), "peer:c": row("peer", .6)})
    ['b', 'a', 'peer:c']
    """

    def best(source: str, count: int) -> list[str]:
        names = [n for n, f in retrieval.items() if f.source == source]
        return sorted(names, key=lambda n: -_figure(retrieval[n], HEADLINE_BUDGET, "span_recall"))[
            :count
        ]

    return best("ours", ours) + best("peer", peers)


def _interval(row: RowFigures, budget: int, metric: str) -> dict[str, float]:
    """The row's interval, computed with its means from the same per-query values."""
    figure = row.interval_at(budget, metric)
    if figure is None:
        raise ValueError(f"no interval of {metric} at {budget} tokens: the row was not measured")
    return figure.to_dict()


def _verdict(significant: bool, difference: float) -> str:
    if not significant:
        return "not significant"
    return "ours higher" if difference > 0 else "peer higher"


def redundancy_by_row(retrieval: Rows) -> dict[str, float]:
    """Each row's cross-tier redundancy at :data:`eval.budgets.HEADLINE_BUDGET`, where measured."""
    return {
        name: value
        for name, figures in retrieval.items()
        if (value := figures.at(HEADLINE_BUDGET, "redundancy")) is not None
    }


def _figure(row: RowFigures, budget: int, metric: str) -> float:
    value = row.at(budget, metric)
    return float("-inf") if value is None else float(value)


SUMMARY_COLUMNS = (
    ("recall@5", "at_k", "5", "recall"),
    ("P@5", "at_k", "5", "precision"),
    ("spanP@5", "at_k", "5", "span_precision"),
    ("nDCG@10", "at_k", "10", "ndcg"),
    ("MRR@10", "at_k", "10", "mrr"),
    (f"recall@{HEADLINE_BUDGET}t", "at_budget", str(HEADLINE_BUDGET), "recall"),
    (f"spanIoU@{HEADLINE_BUDGET}t", "at_budget", str(HEADLINE_BUDGET), "span_iou"),
    (f"tokens@{HEADLINE_BUDGET}t", "at_budget", str(HEADLINE_BUDGET), "context_tokens"),
    (f"redund@{HEADLINE_BUDGET}t", "at_budget", str(HEADLINE_BUDGET), "redundancy"),
)


def summary_rows(retrieval: Rows) -> tuple[list[str], list[list[str]]]:
    """Header and rows (one per strategy) of the compact summary; '-' where not measured."""
    header = ["strategy", *(label for label, *_ in SUMMARY_COLUMNS)]
    rows = []
    for name, figures in retrieval.items():
        row = [name]
        for _, group, key, metric in SUMMARY_COLUMNS:
            value = figures.curve(group).get(key, {}).get(metric)
            row.append(
                "-"
                if value is None
                else (f"{value:.0f}" if metric == "context_tokens" else f"{value:.3f}")
            )
        rows.append(row)
    return header, rows


def precision_at_recall(points: list[tuple[float, float]], recall: float) -> float | None:
    """Precision at ``recall`` by linear interpolation between measured (recall, precision) points.

    ``None`` when ``recall`` is outside the measured range. Points with equal
    recall keep the highest precision.
    """
    best: dict[float, float] = {}
    for r, p in points:
        best[r] = max(p, best.get(r, 0.0))
    curve = sorted(best.items())
    for (r0, p0), (r1, p1) in pairwise(curve):
        if r0 <= recall <= r1:
            return p0 if r1 == r0 else p0 + (p1 - p0) * (recall - r0) / (r1 - r0)
    if curve and curve[-1][0] == recall:
        return curve[-1][1]
    return None


def _curve(figures: RowFigures, metric: str) -> list[tuple[float, float]]:
    return [(v["recall"], v[metric]) for v in figures.at_k.values()]


def small_to_big_vs_large(
    retrieval: Rows, *, metric: str = "span_precision"
) -> list[dict[str, Any]]:
    """For each small-to-big strategy, its precision and flat ``large``'s at the same recall.

    The recall levels are those measured for ``bm25:large`` (its cut-offs k);
    precision of the other strategy is interpolated on its own curve.
    """
    base = retrieval.get("bm25:large")
    if base is None:
        return []
    rows = []
    for name, figures in retrieval.items():
        if not name.startswith("small-to-big:"):
            continue
        for k, value in base.at_k.items():
            other = precision_at_recall(_curve(figures, metric), value["recall"])
            rows.append(
                {
                    "strategy": name,
                    "k_large": int(k),
                    "recall": value["recall"],
                    "large": value[metric],
                    "small_to_big": other,
                    "wins": None if other is None else other > value[metric],
                }
            )
    return rows
