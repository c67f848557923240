"""The sweep's markdown, ``sweep.md`` (:mod:`eval.tuning.sweep`); it links ``sweep.png``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eval.report.markdown import difference_text, p_value, table
from eval.tuning.sweep import BUDGETS, objective

__all__ = ["sweep_markdown"]


def sweep_markdown(results: dict[str, Any]) -> str:
    """The markdown of ``sweep.md``."""
    chosen = results["chosen"]
    parts = [
        "# Tier-budget sweep",
        f"Objective: {results['objective']}. Rule: {results['rule']}. "
        "Evidence span recall / strict recall at "
        f"{', '.join(f'{b:,}' for b in BUDGETS)} context tokens.",
        "Chosen on the training side: tiers "
        f"**{chosen['small']}/{chosen['medium']}/{chosen['large']}**, `context:small` with "
        f"parent weight **{chosen['parent']:g}** and "
        f"neighbour weight **{chosen['neighbours']:g}**. "
        f"{len(results.get('tied', []))} `context:small` settings are tied with the best "
        "training objective (not significantly below it: p >= 0.05).",
        "Queries per side: "
        + "; ".join(
            f"{name}: {s['train']} train, {s['test']} test" for name, s in results["split"].items()
        ),
        "![recall against context tokens](sweep.png)",
    ]
    for name, rows in results["ablation"].items():
        parts.append(f"## What helps: {name} (chosen tiers, one change per row)")
        parts.append(
            "The last column compares each row with the row above on the held-out queries: the "
            "paired change in objective, its 95% interval and the randomization test's p-value; "
            "a change is called real only when p < 0.05."
        )
        parts.append(_rows_table(rows, steps=True))
    for name, rows in results["grid"].items():
        ranked = sorted(rows, key=lambda r: -objective(r["train"]) if r["train"]["queries"] else 0)
        parts.append(f"## Grid: {name}, best training objective first")
        parts.append(_rows_table(ranked, steps=False))
    return "\n\n".join(parts) + "\n"


_FIELDS: dict[str, Callable[[Any], str]] = {
    "stopwords": lambda v: f"stopword list {v!r} ({'179' if v == 'en_plus' else '33'} words)",
    "stem": lambda v: "Snowball stemming" if v else "no stemming",
    "dates": lambda v: "message dates in the index" if v else "no dates in the index",
    "parent": lambda v: "flat bm25:small" if v is None else f"parent weight {v:g}",
    "neighbours": lambda v: f"neighbour weight {v:g}",
}


def _change(previous: dict[str, Any] | None, current: dict[str, Any]) -> str:
    """What ``current`` changes from ``previous`` (all of it for the first row)."""
    if previous is None:
        return "; ".join(describe(current[f]) for f, describe in _FIELDS.items())
    changed = [describe(current[f]) for f, describe in _FIELDS.items() if current[f] != previous[f]]
    return "+ " + "; ".join(changed) if changed else "(no change)"


def _rows_table(rows: list[dict[str, Any]], *, steps: bool) -> str:
    header = ["setting", "tiers", "train objective", "test objective"] + [
        f"{side} @{b}" for side in ("train", "test") for b in BUDGETS
    ]
    if steps:
        header += ["test: change vs the row above"]
    body = []
    previous: dict[str, Any] | None = None
    for row in rows:
        s = row["setting"]
        label = _change(previous, s) if steps else row["strategy"]
        previous = s
        cells = [label, f"{s['small']}/{s['medium']}/{s['large']}"]
        cells += [_objective(row[side]) for side in ("train", "test")]
        cells += [_pair(row[side], b) for side in ("train", "test") for b in BUDGETS]
        if steps:
            cells.append(_change_test(row.get("vs_previous")))
        body.append(cells)
    return table(header, body)


def _change_test(compared: dict[str, Any] | None) -> str:
    """The step's held-out change in objective with its interval and p-value, or why none."""
    if compared is None:
        return "-"
    test = compared.get("test")
    if test is None:
        return "n/a"
    verdict = "real" if test["significant"] else "not significant"
    return f"{difference_text(test['difference'])}, {p_value(test['p_value'])}: {verdict}"


def _objective(figures: dict[str, Any]) -> str:
    return f"{objective(figures):.3f}" if figures.get("queries") else "n/a"


def _pair(figures: dict[str, Any], budget: int) -> str:
    if not figures.get("queries"):
        return "n/a"
    at = figures[str(budget)]
    return f"{at['span_recall']:.3f} / {at['strict_recall']:.3f}"
