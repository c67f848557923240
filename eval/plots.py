"""The report's PNG plots (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["plot_curves", "plot_duplicates", "plot_evidence", "pyplot"]

_INSTALL = "the report's plots need matplotlib: pip install 'chat-memory-chunks[eval]'"


def pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend, or an ImportError naming the extra."""
    try:
        import matplotlib
    except ImportError as error:
        raise ImportError(_INSTALL) from error
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_curves(
    retrieval: dict[str, Any], *, group: str, metrics: tuple[str, ...], xlabel: str, path: Path
) -> Path:
    """One panel per metric, one line per strategy, against k or the budget."""
    plt = pyplot()
    figure, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 4), squeeze=False)
    for axis, metric in zip(axes[0], metrics, strict=True):
        for name, figures in retrieval.items():
            points = sorted((int(x), v[metric]) for x, v in figures[group].items())
            style = ":" if not figures.get("deduplicates", True) else "-"
            axis.plot([p[0] for p in points], [p[1] for p in points], style, marker="o", label=name)
        axis.set_xscale("log", base=2)
        axis.set_xlabel(xlabel)
        axis.set_title(metric)
        axis.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def plot_duplicates(
    duplicates: dict[str, Any], redundancy: dict[str, float], *, path: Path
) -> Path:
    """Duplicates per tier (text, rows, near) and context redundancy per strategy."""
    plt = pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    tiers = list(duplicates["exact"])
    width = 0.25
    for offset, (label, key) in enumerate(
        (("identical text", "exact"), ("duplicate rows", "rows"), ("near-duplicate pairs", "near"))
    ):
        xs = [i + (offset - 1) * width for i in range(len(tiers))]
        left.bar(xs, [duplicates[key].get(t, 0) for t in tiers], width, label=label)
    left.set_xticks(range(len(tiers)), tiers)
    left.set_title("duplicates within a tier")
    left.legend(fontsize=8)
    names = list(redundancy)
    right.barh(names, [redundancy[n] * 100 for n in names])
    right.axvline(5, color="red", linestyle="--", label="5% bar")
    right.set_xlabel("% of returned characters already returned")
    right.set_title("cross-tier redundancy (1024-token budget)")
    right.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def plot_evidence(retrieval: dict[str, Any], *, path: Path) -> Path:
    """Evidence span recall against the context budget: ours solid, peers dashed."""
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(11, 5))
    colours = plt.get_cmap("tab20").colors
    for number, (name, figures) in enumerate(retrieval.items()):
        points = sorted((int(b), v["span_recall"]) for b, v in figures["at_budget"].items())
        style = "--" if figures.get("source") == "peer" else "-"
        axis.plot(
            [p[0] for p in points],
            [p[1] for p in points],
            style,
            marker="o",
            color=colours[number % len(colours)],
            label=name,
        )
    axis.set_xscale("log", base=2)
    axis.set_xlabel("context budget (tokens)")
    axis.set_ylabel("evidence span recall")
    axis.set_ylim(0, 1)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
