"""The report's evidence section: span recall, strict recall and token precision at budgets.

Rows are every measured strategy, ours and the peers' (``peer:<name>``);
the best value of each column is in bold (every value equal to it, at the
three decimals shown).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eval.markdown import table
from eval.plots import plot_evidence

__all__ = ["BAR_SPAN_RECALL", "EVIDENCE_BUDGETS", "EVIDENCE_COLUMNS", "bar", "evidence_section"]

EVIDENCE_BUDGETS = (512, 1024, 2048)
EVIDENCE_COLUMNS = (
    ("span recall", "evidence_recall"),
    ("strict recall", "evidence_strict_recall"),
    ("token precision", "evidence_token_precision"),
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


BAR_SPAN_RECALL = 0.85
"""The floor for our best row's span recall at 1,024 tokens on LoCoMo."""


def bar(retrieval: dict[str, Any]) -> dict[str, Any]:
    """Does our best row beat every peer row on span and strict recall at every budget?

    Our best row is the one of ours with the highest span recall at 1,024
    tokens. Returns it, each comparison (``budget``, metric, ours, best peer,
    whether ours is strictly higher) and whether span recall at 1,024 reaches
    :data:`BAR_SPAN_RECALL`. Empty when there are no peer rows or none of ours.
    A row is a peer's when its ``source`` says so (or, in older metrics files
    without ``source``, when its name starts with ``peer:``).
    """

    def source(name: str, row: dict[str, Any]) -> str:
        return str(row.get("source") or ("peer" if name.startswith("peer:") else "ours"))

    ours = {n: f for n, f in retrieval.items() if source(n, f) == "ours"}
    peers = {n: f for n, f in retrieval.items() if source(n, f) == "peer"}
    if not ours or not peers:
        return {}
    best = max(ours, key=lambda n: _figure(ours[n], 1024, "evidence_recall") or 0.0)
    checks = []
    for budget in EVIDENCE_BUDGETS:
        for label, metric in EVIDENCE_COLUMNS[:2]:
            mine = _figure(ours[best], budget, metric)
            measured = {n: v for n in peers if (v := _figure(peers[n], budget, metric)) is not None}
            if mine is None or not measured:
                continue
            rival = max(measured, key=lambda n: measured[n])
            checks.append(
                {"budget": budget, "metric": label, "ours": mine, "peer": rival,
                 "theirs": measured[rival], "beats": mine > measured[rival]}
            )  # fmt: skip
    floor = _figure(ours[best], 1024, "evidence_recall") or 0.0
    return {"best": best, "checks": checks, "span_recall_1024": floor,
            "reaches_floor": floor >= BAR_SPAN_RECALL}  # fmt: skip


def _figure(row: dict[str, Any], budget: int, metric: str) -> float | None:
    value = row.get("at_budget", {}).get(str(budget), {}).get(metric)
    return None if value is None else float(value)


def _bar(retrieval: dict[str, Any]) -> list[str]:
    verdict = bar(retrieval)
    if not verdict:
        return []
    rows = [
        [f"{c['budget']:,}", c["metric"], f"{c['ours']:.3f}", f"{c['peer']} {c['theirs']:.3f}",
         "yes" if c["beats"] else "**no**"]
        for c in verdict["checks"]
    ]  # fmt: skip
    floor = verdict["span_recall_1024"]
    return [
        f"### Our best row against the best peer row: `{verdict['best']}`",
        "",
        table(["budget", "metric", "ours", "best peer row", "ours higher"], rows),
        "",
        f"Span recall at 1,024 tokens: {floor:.3f} "
        f"({'reaches' if verdict['reaches_floor'] else '**below**'} the "
        f"{BAR_SPAN_RECALL:.2f} floor).",
        "",
    ]


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
        "best leaf holding it and its own match, a speaker the question names favoured); "
        "`+auto-merge` merges the leaves that fit before the cap. A query without gold spans "
        f"scores 0 (queries without gold spans: "
        f"{results['dataset'].get('queries_without_gold_spans', 'not counted')}).",
        *_skipped(results.get("peers") or {}),
        "",
        *_bar(retrieval),
        "![evidence recall vs budget](evidence_vs_budget.png)",
        "",
        _budgettable(retrieval),
        "",
        f"### By query kind at {_CATEGORY_BUDGET:,} tokens",
        "",
        _categorytable(retrieval),
    ]
    return "\n".join(parts)
