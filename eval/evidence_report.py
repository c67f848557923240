"""The report's evidence section: span recall, strict recall and precision at context budgets.

Rows are every measured strategy, ours and the peers' (``peer:<name>``);
the best value of each column is in bold (every value equal to it, at the
three decimals shown).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eval.markdown import table
from eval.plots import plot_evidence

__all__ = ["EVIDENCE_BUDGETS", "EVIDENCE_COLUMNS", "evidence_section"]

EVIDENCE_BUDGETS = (512, 1024, 2048)
EVIDENCE_COLUMNS = (
    ("span recall", "evidence_recall"),
    ("strict recall", "evidence_strict_recall"),
    ("precision", "evidence_precision"),
)
_CATEGORY_BUDGET = 1024


def _bold_best(columns: list[list[float | None]]) -> list[list[str]]:
    """Cells of each column as text, the column's best (highest) value in bold."""
    shown = []
    for column in columns:
        texts = ["-" if value is None else f"{value:.3f}" for value in column]
        best = max((t for t in texts if t != "-"), key=float, default=None)
        shown.append([f"**{t}**" if t == best else t for t in texts])
    return [list(row) for row in zip(*shown, strict=True)] if shown else []


def _budgettable(retrieval: dict[str, Any]) -> str:
    keys = [(label, metric, b) for label, metric in EVIDENCE_COLUMNS for b in EVIDENCE_BUDGETS]
    columns = [
        [f["at_budget"].get(str(b), {}).get(metric) for f in retrieval.values()]
        for _, metric, b in keys
    ]
    header = ["strategy", *(f"{label} @{b}" for label, _, b in keys)]
    cells = _bold_best(columns)
    return table(header, [[name, *row] for name, row in zip(retrieval, cells, strict=True)])


def _categorytable(retrieval: dict[str, Any]) -> str:
    kinds = sorted({kind for f in retrieval.values() for kind in f["by_kind"]})
    keys = [(kind, label, metric) for kind in kinds for label, metric in EVIDENCE_COLUMNS[:2]]
    columns = [
        [
            f["by_kind"].get(kind, {}).get(f"{metric}@{_CATEGORY_BUDGET}tok")
            for f in retrieval.values()
        ]
        for kind, _, metric in keys
    ]
    header = ["strategy", *(f"{kind}: {label}" for kind, label, _ in keys)]
    cells = _bold_best(columns)
    return table(header, [[name, *row] for name, row in zip(retrieval, cells, strict=True)])


def _skipped(peers: dict[str, Any]) -> list[str]:
    skipped = peers.get("skipped") or {}
    if not skipped:
        return []
    lines = ["", "Peers requested but not measured:", ""]
    return lines + [f"- `{name}`: {reason}" for name, reason in sorted(skipped.items())]


def evidence_section(results: dict[str, Any], out: Path) -> str:
    """The markdown of the section; writes ``evidence_vs_budget.png`` into ``out``."""
    retrieval = results["retrieval"]
    plot_evidence(retrieval, path=out / "evidence_vs_budget.png")
    parts = [
        "## Evidence recall at context budgets",
        "",
        "Each gold span (a LoCoMo evidence turn, label included) is one evidence unit. "
        "Span recall: mean share of each unit's characters in the returned text; strict "
        "recall: share of units returned whole (a fragment scores nothing); precision: share "
        "of the returned characters inside gold spans. Results are taken in rank order until "
        "the next would exceed the budget (cl100k tokens). Peer rows (`peer:<name>`) are the "
        "peer's leaf chunks through the same BM25 and the same deduplication and cap as ours; "
        "`+auto-merge` merges the leaves that fit before the cap. A query without gold spans "
        f"scores 0 (queries without gold spans: "
        f"{results['dataset'].get('queries_without_gold_spans', 'not counted')}).",
        *_skipped(results.get("peers") or {}),
        "",
        "![evidence recall vs budget](evidence_vs_budget.png)",
        "",
        _budgettable(retrieval),
        "",
        f"### By query kind at {_CATEGORY_BUDGET:,} tokens",
        "",
        _categorytable(retrieval),
    ]
    return "\n".join(parts)
