"""Comparing strategies: precision at equal recall, and the summary table's rows."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

__all__ = ["SUMMARY_COLUMNS", "precision_at_recall", "small_to_big_vs_large", "summary_rows"]

SUMMARY_COLUMNS = (
    ("recall@5", "at_k", "5", "recall"),
    ("P@5", "at_k", "5", "precision"),
    ("spanP@5", "at_k", "5", "span_precision"),
    ("nDCG@10", "at_k", "10", "ndcg"),
    ("MRR@10", "at_k", "10", "mrr"),
    ("recall@1024t", "at_budget", "1024", "recall"),
    ("spanIoU@1024t", "at_budget", "1024", "span_iou"),
    ("tokens@1024t", "at_budget", "1024", "context_tokens"),
    ("redund@1024t", "at_budget", "1024", "redundancy"),
)


def summary_rows(retrieval: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Header and rows (one per strategy) of the compact summary; '-' where not measured."""
    header = ["strategy", *(label for label, *_ in SUMMARY_COLUMNS)]
    rows = []
    for name, figures in retrieval.items():
        row = [name]
        for _, group, key, metric in SUMMARY_COLUMNS:
            value = figures.get(group, {}).get(key, {}).get(metric)
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


def _curve(figures: dict[str, Any], metric: str) -> list[tuple[float, float]]:
    return [(v["recall"], v[metric]) for v in figures["at_k"].values()]


def small_to_big_vs_large(
    retrieval: dict[str, Any], *, metric: str = "span_precision"
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
        for k, value in base["at_k"].items():
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
