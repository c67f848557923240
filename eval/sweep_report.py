"""The sweep's report: ``sweep.json``, ``sweep.md`` and ``sweep.png`` (see :mod:`eval.sweep`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eval.markdown import p_value, table
from eval.plots import pyplot
from eval.sweep import BUDGETS, objective

__all__ = ["write_sweep"]


def write_sweep(results: dict[str, Any], out: Path) -> Path:
    """Write the sweep's files into ``out``; returns the path of ``sweep.md``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "sweep.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    _plot(results, out / "sweep.png")
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
    path = out / "sweep.md"
    path.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    return path


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
    d = test["difference"]
    verdict = "real" if test["significant"] else "not significant"
    return (
        f"{d['mean']:+.3f} [{d['low']:+.3f}, {d['high']:+.3f}], {p_value(test['p_value'])}: "
        f"{verdict}"
    )


def _objective(figures: dict[str, Any]) -> str:
    return f"{objective(figures):.3f}" if figures.get("queries") else "n/a"


def _pair(figures: dict[str, Any], budget: int) -> str:
    if not figures.get("queries"):
        return "n/a"
    at = figures[str(budget)]
    return f"{at['span_recall']:.3f} / {at['strict_recall']:.3f}"


def _plot(results: dict[str, Any], path: Path) -> None:
    """Test-side span recall against mean context tokens, per dataset.

    Three kinds of lines: the chosen setting (with 95% intervals), flat
    ``bm25:small`` on the chosen tiers (with intervals), and every other tier
    point under the chosen weights in faint grey, unlabelled; the legend sits
    under the panels.
    """
    plt = pyplot()
    names = list(results["grid"])
    figure, axes = plt.subplots(1, len(names), figsize=(6 * len(names), 4.3), squeeze=False)
    chosen = results["chosen"]
    tiers = ("small", "medium", "large")
    for axis, name in zip(axes[0], names, strict=True):
        for row in results["grid"][name]:
            s, side = row["setting"], row["test"]
            if not side["queries"]:
                continue  # no held-out queries in this dataset
            same_tiers = all(s[k] == chosen[k] for k in tiers)
            if s == chosen:
                _line(axis, side, "-", "C3", f"chosen {s['small']}/{s['medium']} context", 2.5)
            elif s["parent"] is None and same_tiers:
                _line(axis, side, "--", "C0", f"{s['small']}/{s['medium']} flat bm25:small", 1.5)
            elif (s["parent"], s["neighbours"]) == (chosen["parent"], chosen["neighbours"]):
                _line(axis, side, "-", "0.75", "other tier points, chosen weights", 0.8)
        axis.set_xlabel("context tokens returned (mean)")
        axis.set_ylabel("evidence span recall (test side)")
        axis.set_title(name)
        axis.grid(alpha=0.3)
    handles, labels = axes[0][0].get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))  # one entry per kind of line
    figure.tight_layout()
    figure.legend(
        list(unique.values()), list(unique), loc="upper center", bbox_to_anchor=(0.5, 0.0),
        ncol=3, frameon=False,
    )  # fmt: skip
    figure.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(figure)


def _line(
    axis: Any, side: dict[str, Any], style: str, colour: str, label: str, width: float
) -> None:
    points = [side[str(b)] for b in BUDGETS]
    bands = [p.get("span_recall_interval") for p in points]
    errors = None
    if all(bands) and width > 1:
        errors = [
            [max(0.0, p["span_recall"] - b["low"]) for p, b in zip(points, bands, strict=True)],
            [max(0.0, b["high"] - p["span_recall"]) for p, b in zip(points, bands, strict=True)],
        ]
    axis.errorbar(
        [p["context_tokens"] for p in points], [p["span_recall"] for p in points], yerr=errors,
        linestyle=style, marker="o", markersize=3 if width < 1 else 5, color=colour,
        linewidth=width, capsize=3, label=label, zorder=3 if width > 1 else 1,
    )  # fmt: skip
