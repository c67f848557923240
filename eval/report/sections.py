"""The report's sections: each turns the run's figures into markdown, and writes nothing.

``SECTIONS`` is ordered; a section whose data is missing says so and why
instead of showing numbers, so each part of the report appears when its part
of the project lands.
"""

from __future__ import annotations

from collections.abc import Callable

from eval.budgets import HEADLINE_BUDGET
from eval.metrics.compare import (
    featured_rows,
    redundancy_by_row,
    small_to_big_vs_large,
    summary_rows,
)
from eval.report.evidence import evidence_section
from eval.report.markdown import table
from eval.report.summary import summary_section
from eval.results import RunResults

__all__ = ["SECTIONS", "Section", "table"]

Section = Callable[[RunResults], str]
"""A section: the run's results in, markdown out (plots are drawn by :mod:`eval.report.plots`)."""


def missing(reason: str) -> str:
    return f"_Not available: {reason}._"


def _all_rows(results: RunResults) -> str:
    header, rows = summary_rows(results.retrieval)
    return "## All rows\n\n" + table(header, rows)


def _names(rows: list[str]) -> str:
    return ", ".join(f"`{row}`" for row in rows)


def _dataset(results: RunResults) -> str:
    d = results.dataset
    rows = [[k, str(v)] for k, v in d.items() if not isinstance(v, dict)]
    rows += [
        [f"{k}: {name}", str(n)]
        for k in ("query_kinds", "chunks", "chunk_tokens")
        for name, n in d[k].items()
    ]
    return "## Dataset\n\n" + table(["", "value"], rows)


def _retrieval(results: RunResults) -> str:
    retrieval = results.retrieval
    featured = featured_rows(retrieval)
    parts = [
        "## Retrieval",
        "",
        "Message-level relevance: a chunk is relevant when it is the first "
        "in the ranking to contain some gold message. Span metrics count characters of the "
        "canonical text; span precision divides by the summed returned lengths. `span_recall` "
        "is the mean over a query's gold spans of the share of each returned (the evidence "
        "section's span recall); `pooled_span_recall` pools the gold characters instead. "
        f"The plots show our two best rows and the two best peer rows ({_names(featured)}) "
        "with 95% intervals where measured (recall); the tables show every row.",
        "",
        "![vs k](retrieval_vs_k.png)",
        "",
        "![vs budget](retrieval_vs_budget.png)",
    ]
    for group, label in (("at_k", "k"), ("at_budget", "budget (tokens)")):
        curves = {name: f.curve(group) for name, f in retrieval.items()}
        metrics = list(next(iter(next(iter(curves.values())).values()), {}))
        rows = [
            [name, x, *(f"{v[m]:.3f}" if m != "context_tokens" else f"{v[m]:.0f}" for m in metrics)]
            for name, curve in curves.items()
            for x, v in curve.items()
        ]
        parts += ["", f"### By {label}", "", table(["strategy", label, *metrics], rows)]
    kinds = sorted({kind for f in retrieval.values() for kind in f.by_kind})
    rows = [
        [name, *(f"{f.by_kind.get(kind, {}).get('recall@5', 0):.3f}" for kind in kinds)]
        for name, f in retrieval.items()
    ]
    parts += ["", "### recall@5 by query kind", "", table(["strategy", *kinds], rows)]
    return "\n".join(parts)


def _small_to_big(results: RunResults) -> str:
    rows = small_to_big_vs_large(results.retrieval)
    if not rows:
        return "## Small-to-big vs flat large\n\n" + missing(
            "bm25:large or small-to-big were not run"
        )
    body = [
        [
            r["strategy"],
            str(r["k_large"]),
            f"{r['recall']:.3f}",
            f"{r['large']:.4f}",
            "-" if r["small_to_big"] is None else f"{r['small_to_big']:.4f}",
            {True: "yes", False: "no", None: "recall not reached"}[r["wins"]],
        ]
        for r in rows
    ]
    return (
        "## Small-to-big vs flat large\n\nSpan precision at the recall that flat `large` reaches "
        "at each k (small-to-big's precision interpolated on its own recall curve).\n\n"
        + table(
            ["strategy", "k (large)", "recall", "large spanP", "small-to-big spanP", "wins"], body
        )
    )


def _duplicates(results: RunResults) -> str:
    dup = results.duplicates
    redundancy = redundancy_by_row(results.retrieval)
    rows = [
        [t, str(dup["exact"][t]), str(dup["rows"][t]), str(dup["near"][t])] for t in dup["exact"]
    ]
    red = [
        [n, f"{v * 100:.2f}%", "yes" if results.retrieval[n].deduplicates else "no (control)"]
        for n, v in redundancy.items()
    ]
    versions = dup["other_versions"] or {"none": 0}
    return "\n".join(
        [
            "## Duplicates",
            "",
            "![duplicates](duplicates.png)",
            "",
            "Identical text: chunks of a tier (per user) whose content repeats another's. "
            "Duplicate rows: same id or same conversation span. Near-duplicates: "
            f"{dup['shingle_size']}-word shingles, Jaccard >= {dup['near_threshold']} "
            "(MinHash LSH candidates, exact Jaccard confirmed), texts differ.",
            "",
            table(["tier", "identical text", "duplicate rows", "near-duplicate pairs"], rows),
            "",
            f"### Cross-tier redundancy in returned context ({HEADLINE_BUDGET}-token budget)",
            "",
            table(["strategy", "repeated characters", "deduplicates"], red),
            "",
            "Chunks of other chunking versions: "
            + ", ".join(f"{k}: {v}" for k, v in versions.items()),
        ]
    )


def _reimport(results: RunResults) -> str:
    data = results.reimport
    if not data:
        return "## Re-import\n\n" + missing("the dataset has no second export")
    rows = [
        [
            label,
            *(
                str(data[label].get(f, "-"))
                for f in (
                    "added",
                    "unchanged",
                    "stale",
                    "added_unchanged_conversations",
                    "changed_conversation_chunks",
                )
            ),
        ]
        for label in ("unchanged_export", "overlapping_export")
    ]
    return (
        "## Re-import\n\n"
        + str(data["method"])
        + ".\n\n"
        + table(
            [
                "import",
                "rows added",
                "unchanged",
                "stale",
                "added in unchanged conv.",
                "chunks of changed conv.",
            ],
            rows,
        )
    )


def _cost(results: RunResults) -> str:
    cost = results.cost
    if not cost.get("available"):
        return "## Cost\n\n" + missing(cost.get("reason", "no cost data"))
    rows = [
        [
            name,
            str(figures["ledger"]["calls"]),
            str(figures["ledger"]["tokens"]["input"]),
            str(figures["ledger"]["tokens"]["output"]),
            f"{figures['ledger']['cost_usd']:.4f}",
            f"{100 * figures['ratio_to_naive']:.1f}%",
            f"{figures['usd_per_million_conversation_tokens']:.3f}",
        ]
        for name, figures in cost["scenarios"].items()
    ]
    first = cost["reimport"]["first_import"]
    again = cost["reimport"]["reimport"]
    return (
        "## Cost\n\n"
        f"Backend: {cost['llm_backend']}. Figures are "
        f"{'cl100k estimates' if cost.get('estimated') else 'from the API usage'}, priced at "
        "Claude Haiku 4.5 rates.\n\n"
        + table(
            ["scenario", "calls", "input", "output", "USD", "of naive", "USD per M conv. tokens"],
            rows,
        )
        + f"\n\nFirst import (default levers): {first['calls']} calls, "
        f"{first['tokens']['total']} tokens, ${first['cost_usd']:.4f}. Re-import of the same "
        f"export: {again['calls']} calls, {again['tokens']['total']} tokens, "
        f"${again['cost_usd']:.4f}.\n"
    )


def _environment(results: RunResults) -> str:
    env = results.environment
    rows = [[k, str(v)] for k, v in env.items() if not isinstance(v, dict)]
    rows += [[name, version] for name, version in env.get("libraries", {}).items()]
    rows += [[k, f"{v:.1f} s"] for k, v in results.timings.items()]
    return "## Environment\n\n" + table(["", "value"], [[str(a), str(b)] for a, b in rows])


SECTIONS: dict[str, Section] = {
    "summary": summary_section,
    "all_rows": _all_rows,
    "dataset": _dataset,
    "evidence": evidence_section,
    "retrieval": _retrieval,
    "small_to_big": _small_to_big,
    "duplicates": _duplicates,
    "reimport": _reimport,
    "cost": _cost,
    "environment": _environment,
}
