"""The report's first section: the best rows with intervals, what is significant, cost, duplicates.

Everything here is read from the run's results (``metrics.json``); the full
tables follow in the later sections. Figures are means over queries with
their 95% bootstrap interval ``[low, high]`` (:mod:`eval.metrics.significance`); a
difference is called real only when its paired p-value is below 0.05.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eval.budgets import HEADLINE_BUDGET, HEADLINE_BUDGETS
from eval.metrics.compare import Rows, featured_rows, redundancy_by_row
from eval.report.markdown import NO_COMPARISON, difference_text, interval_text, p_value, table
from eval.results import RowFigures, RunResults

__all__ = ["SUMMARY_BUDGETS", "summary_section"]

SUMMARY_BUDGETS = HEADLINE_BUDGETS
"""Context budgets (tokens) of the summary's span recall columns."""


def summary_section(results: RunResults) -> str:
    """The markdown of the summary."""
    dataset = results.dataset
    parts = [
        "## Summary",
        "",
        f"Dataset `{dataset['name']}`: {dataset['queries']} queries over "
        f"{dataset['conversations']} conversations of {dataset['users']} users; a gold span is "
        f"{dataset.get('gold_spans', 'a gold span of the dataset')}. Figures are means over "
        "queries with 95% bootstrap intervals [low, high]; a difference between two rows is "
        "paired over the same queries and called real only when p < 0.05. "
        + _ranking(results.config),
        "",
        "### Best rows (our two best, the two best peer rows; span recall at "
        f"{HEADLINE_BUDGET:,} tokens)",
        "",
        _best_rows(results.retrieval),
        "",
        "### What is significant",
        "",
        *_significant(results),
        "",
        "### Cost",
        "",
        _cost(results.cost),
        "",
        "### Duplicates",
        "",
        _duplicates(results),
    ]
    return "\n".join(parts)


def _ranking(config: Mapping[str, Any]) -> str:
    if config.get("dense"):
        return (
            "The rows that return turns (`turns:small`, the peers' `+turns`) add each "
            "message's dense similarity to the question (all-MiniLM-L6-v2) to its BM25 scores."
        )
    return "Every row ranks by BM25 alone (no dense term: `--dense` adds it)."


def _cell(row: RowFigures, budget: int, metric: str) -> str:
    band = row.interval_at(budget, metric)
    if band is not None:
        return interval_text(band)
    value = row.at(budget, metric)
    return "-" if value is None else f"{value:.3f}"


def _best_rows(retrieval: Rows) -> str:
    rows = []
    for name in featured_rows(retrieval):
        row = retrieval[name]
        tokens = row.at_budget.get(str(HEADLINE_BUDGET), {}).get("context_tokens")
        rows.append([
            f"`{name}`",
            *(_cell(row, budget, "span_recall") for budget in SUMMARY_BUDGETS),
            _cell(row, HEADLINE_BUDGET, "evidence_strict_recall"),
            "-" if tokens is None else f"{tokens:.0f}",
        ])  # fmt: skip
    header = [
        "row",
        *(f"span recall @{budget:,}" for budget in SUMMARY_BUDGETS),
        f"strict recall @{HEADLINE_BUDGET:,}",
        f"tokens @{HEADLINE_BUDGET:,}",
    ]
    return table(header, rows)


def _significant(results: RunResults) -> list[str]:
    versus = results.comparisons.get("ours_vs_best_peer")
    if versus is None:
        return [NO_COMPARISON]
    if not versus:
        return ["No peer rows were measured: there is nothing to compare our rows with."]
    lines = []
    for check in versus["checks"]:
        verdict = (
            f"**{check['verdict']}**" if check["significant"] else "not significant (p >= 0.05)"
        )
        lines.append(
            f"- {check['metric']} at {check['budget']:,} tokens: `{check['ours']}` minus "
            f"`{check['peer']}` = {difference_text(check['difference'])}, "
            f"{p_value(check['p_value'])}: {verdict}."
        )
    real = sum(check["significant"] for check in versus["checks"])
    lines.append(
        f"- {real} of {len(versus['checks'])} comparisons of our best row with the best peer row "
        "are significant; the two rows were chosen as the best on these same queries, which "
        "favours a difference."
    )
    return lines


def _cost(cost: Mapping[str, Any]) -> str:
    if not cost.get("available"):
        return f"_Not available: {cost.get('reason', 'no cost data')}._"
    default = cost["scenarios"]["default_levers"]
    ledger = default["ledger"]
    again = cost["reimport"]["reimport"]
    how = "" if cost.get("estimated") else " Figures from the API usage."
    return (
        f"Extracting facts from this dataset with the default levers and `{cost.get('model')}`: "
        f"{ledger['calls']} calls, {ledger['tokens']['total']:,} tokens, "
        f"${ledger['cost_usd']:.4f} ({100 * default['ratio_to_naive']:.1f}% of the naive "
        f"pipeline); re-importing the same export: {again['calls']} calls, "
        f"${again['cost_usd']:.4f}. Backend: {cost['llm_backend']}.{how}"
    )


def _duplicates(results: RunResults) -> str:
    duplicates = results.duplicates

    def per_tier(key: str) -> str:
        return ", ".join(f"{tier} {count}" for tier, count in duplicates[key].items())

    repeating = sorted(
        (
            (value, name, results.retrieval[name].deduplicates)
            for name, value in redundancy_by_row(results.retrieval).items()
            if value
        ),
        reverse=True,
    )
    returned = (
        "; ".join(
            f"`{name}` {100 * share:.1f}%{'' if dedup else ' (does not deduplicate)'}"
            for share, name, dedup in repeating
        )
        or "none"
    )
    return (
        f"Chunks with identical text, per tier: {per_tier('exact')}. Duplicate rows: "
        f"{per_tier('rows')}. Near-duplicate pairs: {per_tier('near')}. Rows whose returned "
        f"context at {HEADLINE_BUDGET:,} tokens repeats text: {returned}."
    )
