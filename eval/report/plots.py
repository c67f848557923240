"""The report's PNG plots (matplotlib, Agg backend: no display needed).

Curves show a few named rows (the report picks our best rows and the best peer
rows, :func:`eval.metrics.compare.featured_rows`): ours solid with circles, peers
dashed with squares, one colour each. A figure that has a 95% bootstrap
interval (``intervals`` of the row) gets an error bar; the points of the
rows are nudged apart along x so that the bars do not hide each other. The
legend sits under the panels, never over the data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from eval.budgets import HEADLINE_BUDGET, HEADLINE_BUDGETS
from eval.errors import import_extra
from eval.metrics.compare import Rows, featured_rows, redundancy_by_row
from eval.results import RowFigures, RunResults

__all__ = [
    "PLOTS",
    "plot_curves",
    "plot_duplicates",
    "plot_evidence",
    "plot_sweep",
    "pyplot",
    "write_plots",
]

_NUDGE = 0.035
"""Each row's points are moved by ``2 ** (NUDGE * offset)`` along the log-2 x axis."""


def pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend, or an ImportError naming the extra."""
    matplotlib = import_extra("matplotlib", needed_for="the report's plots")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_curves(
    retrieval: Rows,
    *,
    rows: list[str],
    group: str,
    metrics: tuple[str, ...],
    xlabel: str,
    path: Path,
) -> Path:
    """One panel per metric (two per line), one line per row of ``rows``, against k or budget."""
    plt = pyplot()
    columns = 2
    lines = math.ceil(len(metrics) / columns)
    figure, axes = plt.subplots(lines, columns, figsize=(11, 3.6 * lines + 0.9), squeeze=False)
    for axis, metric in zip(axes.flat, metrics, strict=False):
        for number, name in enumerate(rows):
            _curve(axis, retrieval[name], name, number, len(rows), group, metric)
        axis.set_xscale("log", base=2)
        axis.set_xlabel(xlabel)
        axis.set_title(metric)
        axis.grid(alpha=0.3)
    for axis in list(axes.flat)[len(metrics) :]:
        axis.remove()
    _legend_below(figure, axes.flat[0], len(rows))
    figure.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(figure)
    return path


def plot_evidence(retrieval: Rows, *, rows: list[str], path: Path) -> Path:
    """Span recall and strict recall against the context budget, with 95% intervals."""
    plt = pyplot()
    figure, axes = plt.subplots(1, 2, figsize=(11, 4.3), squeeze=False)
    for axis, (metric, label) in zip(
        axes[0],
        (("span_recall", "span recall"), ("evidence_strict_recall", "strict recall")),
        strict=True,
    ):
        for number, name in enumerate(rows):
            _curve(axis, retrieval[name], name, number, len(rows), "at_budget", metric)
        axis.set_xscale("log", base=2)
        axis.set_xlabel("context budget (tokens)")
        axis.set_ylabel(f"evidence {label}")
        axis.set_title(f"{label} (95% intervals)")
        axis.set_ylim(0, 1.02)
        axis.grid(alpha=0.3)
    _legend_below(figure, axes[0][0], len(rows))
    figure.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(figure)
    return path


def plot_duplicates(
    duplicates: Mapping[str, Any], redundancy: Mapping[str, float], *, path: Path
) -> Path:
    """Duplicates per tier (text, rows, near) and context redundancy per strategy.

    The redundancy panel is as tall as its rows need (a quarter inch each), so
    no two labels overlap.
    """
    plt = pyplot()
    names = list(redundancy)
    height = max(4.0, 0.25 * len(names) + 1.2)
    figure, (left, right) = plt.subplots(
        1, 2, figsize=(12, height), gridspec_kw={"width_ratios": [1, 1.4]}
    )
    tiers = list(duplicates["exact"])
    width = 0.25
    for offset, (label, key) in enumerate(
        (("identical text", "exact"), ("duplicate rows", "rows"), ("near-duplicate pairs", "near"))
    ):
        xs = [i + (offset - 1) * width for i in range(len(tiers))]
        bars = left.bar(xs, [duplicates[key].get(t, 0) for t in tiers], width, label=label)
        left.bar_label(bars, fontsize=7)
    highest = max((duplicates[key].get(t, 0) for key in ("exact", "rows", "near") for t in tiers),
                  default=0)  # fmt: skip
    left.set_ylim(0, max(1, highest) * 1.12)  # no negative axis when every count is 0
    left.set_ylabel("chunks (pairs for near-duplicates)")
    left.set_xticks(range(len(tiers)), tiers)
    left.set_title("duplicates within a tier")
    left.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=3)
    right.barh(names, [redundancy[n] * 100 for n in names])
    right.invert_yaxis()  # the table's order, top to bottom
    right.tick_params(axis="y", labelsize=8)
    right.axvline(5, color="red", linestyle="--", label="5% bar")
    right.set_xlabel("% of returned characters already returned")
    right.set_title(f"cross-tier redundancy ({HEADLINE_BUDGET}-token budget)")
    right.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def _curve(
    axis: Any, figures: RowFigures, name: str, number: int, count: int, group: str, metric: str
) -> None:
    """One row's line on ``axis``, with error bars where the row has intervals."""
    peer = figures.is_peer
    intervals = figures.intervals.get(group, {})
    nudge = 2 ** (_NUDGE * (number - (count - 1) / 2))
    xs, ys, below, above = [], [], [], []
    curve = figures.curve(group)
    for key, values in sorted(curve.items(), key=lambda item: int(item[0])):
        if metric not in values:
            continue
        xs.append(int(key) * nudge)
        ys.append(values[metric])
        band = intervals.get(key, {}).get(metric)
        below.append(max(0.0, values[metric] - band.low) if band else 0.0)
        above.append(max(0.0, band.high - values[metric]) if band else 0.0)
    axis.errorbar(
        xs,
        ys,
        yerr=[below, above] if any(below) or any(above) else None,
        linestyle="--" if peer else "-",
        marker="s" if peer else "o",
        markersize=4,
        capsize=3,
        color=f"C{number}",
        label=name,
    )


def _legend_below(figure: Any, axis: Any, count: int) -> None:
    handles, labels = axis.get_legend_handles_labels()
    figure.tight_layout()
    figure.legend(
        handles,
        labels,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=min(count, 2),
        fontsize=9,
        frameon=False,
    )


PLOTS = (
    "retrieval_vs_k.png",
    "retrieval_vs_budget.png",
    "evidence_vs_budget.png",
    "duplicates.png",
)
"""The PNG files :func:`write_plots` draws; the report's markdown links each by name."""


def write_plots(results: RunResults, out: Path) -> list[Path]:
    """Draw every plot of a run's ``results`` into ``out``; return their paths (:data:`PLOTS`)."""
    retrieval = results.retrieval
    featured = featured_rows(retrieval)
    return [
        plot_curves(
            retrieval,
            rows=featured,
            group="at_k",
            metrics=("recall", "precision", "span_precision", "ndcg"),
            xlabel="k (chunks)",
            path=out / PLOTS[0],
        ),
        plot_curves(
            retrieval,
            rows=featured,
            group="at_budget",
            metrics=("recall", "span_precision", "span_iou", "context_tokens"),
            xlabel="context budget (tokens)",
            path=out / PLOTS[1],
        ),
        plot_evidence(retrieval, rows=featured, path=out / PLOTS[2]),
        plot_duplicates(results.duplicates, redundancy_by_row(retrieval), path=out / PLOTS[3]),
    ]


def plot_sweep(results: dict[str, Any], path: Path) -> Path:
    """The sweep's ``sweep.png``: test-side span recall against mean context tokens, per dataset.

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
                _sweep_line(
                    axis, side, "-", "C3", f"chosen {s['small']}/{s['medium']} context", 2.5
                )
            elif s["parent"] is None and same_tiers:
                _sweep_line(
                    axis, side, "--", "C0", f"{s['small']}/{s['medium']} flat bm25:small", 1.5
                )
            elif (s["parent"], s["neighbours"]) == (chosen["parent"], chosen["neighbours"]):
                _sweep_line(axis, side, "-", "0.75", "other tier points, chosen weights", 0.8)
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
    return path


def _sweep_line(
    axis: Any, side: dict[str, Any], style: str, colour: str, label: str, width: float
) -> None:
    points = [side[str(b)] for b in HEADLINE_BUDGETS]
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
