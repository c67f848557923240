"""The report's evidence section: span recall, strict recall and token precision at budgets.

Rows are every measured strategy, ours and the peers' (``peer:<name>``);
the best value of each column is in bold (every value equal to it, at the
three decimals shown).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eval.budgets import HEADLINE_BUDGET, HEADLINE_BUDGETS
from eval.metrics.compare import Rows, featured_rows
from eval.report.markdown import NO_COMPARISON, difference_text, interval_text, p_value, table
from eval.results import RunResults

__all__ = ["EVIDENCE_BUDGETS", "EVIDENCE_COLUMNS", "TARGET_SPAN_RECALL", "evidence_section"]

EVIDENCE_BUDGETS = HEADLINE_BUDGETS
EVIDENCE_COLUMNS = (
    ("span recall", "span_recall"),
    ("strict recall", "evidence_strict_recall"),
    ("token precision", "evidence_token_precision"),
)
_CATEGORY_BUDGET = HEADLINE_BUDGET


def _bold_best(columns: list[list[float | None]]) -> list[list[str]]:
    """Cells of each column as text, the column's best (highest) value in bold."""
    shown = []
    for column in columns:
        texts = ["-" if value is None else f"{value:.3f}" for value in column]
        best = max((t for t in texts if t != "-"), key=float, default=None)
        shown.append([f"**{t}**" if t == best else t for t in texts])
    return [list(row) for row in zip(*shown, strict=True)] if shown else []


def _budgettable(retrieval: Rows) -> str:
    keys = [(label, metric, b) for label, metric in EVIDENCE_COLUMNS for b in EVIDENCE_BUDGETS]
    columns = [
        [f.at_budget.get(str(b), {}).get(metric) for f in retrieval.values()]
        for _, metric, b in keys
    ]
    header = ["strategy", *(f"{label} @{b}" for label, _, b in keys)]
    cells = _bold_best(columns)
    return table(header, [[name, *row] for name, row in zip(retrieval, cells, strict=True)])


def _categorytable(retrieval: Rows) -> str:
    kinds = sorted({kind for f in retrieval.values() for kind in f.by_kind})
    if not kinds:
        return "_No query kinds: the dataset's queries name none._"
    keys = [(kind, label, metric) for kind in kinds for label, metric in EVIDENCE_COLUMNS[:2]]
    columns = [
        [f.by_kind.get(kind, {}).get(f"{metric}@{_CATEGORY_BUDGET}tok") for f in retrieval.values()]
        for kind, _, metric in keys
    ]
    header = ["strategy", *(f"{kind}: {label}" for kind, label, _ in keys)]
    cells = _bold_best(columns)
    return table(header, [[name, *row] for name, row in zip(retrieval, cells, strict=True)])


TARGET_SPAN_RECALL = 0.85
"""The target for our best row's span recall at 1,024 tokens on LoCoMo dev.

A target the report measures against, not a gate: ``eval check`` gates every
figure against the committed baseline instead.
"""


def _against_best_peer(results: RunResults) -> list[str]:
    versus = results.comparisons.get("ours_vs_best_peer")
    if versus is None:
        return [NO_COMPARISON, ""]
    if not versus:
        return []
    rows = [
        [f"{c['budget']:,}", c["metric"], interval_text(c["ours_figure"]),
         f"{c['peer']} {interval_text(c['peer_figure'])}", difference_text(c["difference"]),
         p_value(c["p_value"]), c["verdict"] if c["significant"] else "not significant"]
        for c in versus["checks"]
    ]  # fmt: skip
    return [
        f"### Our best row against the best peer row: `{versus['best']}`",
        "",
        "Means with 95% bootstrap intervals over queries; the difference is paired (the same "
        "queries), its p-value from a paired randomization test. A difference is called real "
        "only when p < 0.05. The two rows are the best of many on these same queries, which "
        "favours a difference.",
        "",
        table(["budget", "metric", "ours", "best peer row", "difference", "p", "verdict"], rows),
        "",
        *_target(results, versus["best"]),
    ]


def _target(results: RunResults, best: str) -> list[str]:
    figure = results.retrieval[best].interval_at(HEADLINE_BUDGET, "span_recall")
    if figure is None:
        return []
    if figure.low >= TARGET_SPAN_RECALL:
        where = "lies above"
    elif figure.high < TARGET_SPAN_RECALL:
        where = "lies below"
    else:
        where = "contains"
    return [
        f"Span recall of `{best}` at {HEADLINE_BUDGET:,} tokens: {interval_text(figure)}; "
        f"the interval {where} "
        f"the target of {TARGET_SPAN_RECALL:.2f} (set for LoCoMo dev). The target is "
        "not a gate: `make eval-check` compares each figure with the baseline.",
        "",
    ]


def _skipped(peers: Mapping[str, Any]) -> list[str]:
    skipped = peers.get("skipped") or {}
    if not skipped:
        return []
    lines = ["", "Peers requested but not measured:", ""]
    return lines + [f"- `{name}`: {reason}" for name, reason in sorted(skipped.items())]


def evidence_section(results: RunResults) -> str:
    """The markdown of the section (its plot is ``evidence_vs_budget.png``)."""
    retrieval = results.retrieval
    featured = featured_rows(retrieval)
    parts = [
        "## Evidence recall at context budgets",
        "",
        "Each gold span is one evidence unit; here a gold span is "
        f"{results.dataset.get('gold_spans', 'a gold span of the dataset')}. "
        "Span recall: mean share of each unit's characters in the returned text; strict "
        "recall: share of units returned whole (a fragment scores nothing); token precision: "
        "share of the returned tokens that are evidence text (the tokens of the returned "
        "evidence text over the returned units' token counts; character precision is in "
        "metrics.json as `evidence_precision`). Results are taken in rank order until "
        "the next would exceed the budget (cl100k tokens). Peer rows (`peer:<name>`) are the "
        "peer's leaf chunks through the same BM25 (same analyzer, same message dates) and the "
        "same cap as ours, returned as ranked (a peer's overlapping leaves cost budget twice "
        "rather than being dropped); `+context` ranks them with the same context score as "
        "`context:small` (parent term only for a hierarchy); `+turns` returns the messages "
        "of the leaves so ranked, as `turns:small` does with ours (each message scored by the "
        "best leaf holding it and its own match, plus, in a run with `--dense`, its "
        "embedding's similarity to the question; a speaker the question names favoured); "
        "`+auto-merge` merges the leaves that fit before the cap. A query without gold spans "
        f"scores 0 (queries without gold spans: "
        f"{results.dataset.get('queries_without_gold_spans', 'not counted')}).",
        *_skipped(results.peers),
        "",
        *_against_best_peer(results),
        "![evidence recall vs budget](evidence_vs_budget.png)",
        "",
        f"The plot shows {', '.join(f'`{r}`' for r in featured)}: our two best rows and the two "
        f"best peer rows at {HEADLINE_BUDGET:,} tokens, with 95% bootstrap intervals. The "
        "table shows every row; the best value of a column is in bold, which says nothing of "
        "significance.",
        "",
        _budgettable(retrieval),
        "",
        f"### By query kind at {_CATEGORY_BUDGET:,} tokens",
        "",
        _categorytable(retrieval),
    ]
    return "\n".join(parts)
