"""The evidence section's tables: every row, the best value per column in bold."""

import pytest

from eval.report.evidence import evidence_section
from eval.report.plots import PLOTS, write_plots
from eval.results import RunResults


def row(source, recall, strict, precision, *, budgets=(512, 1024, 2048), kinds=("a", "b")):
    figures = {
        "span_recall": recall,
        "evidence_strict_recall": strict,
        "evidence_token_precision": precision,
    }
    return {
        "source": source,
        "at_budget": {str(b): dict(figures) for b in budgets},
        "by_kind": {kind: {f"{m}@1024tok": v for m, v in figures.items()} for kind in kinds},
    }


def test_best_per_column_is_bold_ties_included_and_missing_is_a_dash():
    results = {
        "dataset": {"queries_without_gold_spans": 0},
        "peers": {"skipped": {}},
        "retrieval": {
            "ours": row("ours", 0.9, 0.8, 0.1),
            "peer:x": row("peer", 0.7, 0.8, 0.2, budgets=(512, 1024), kinds=("a",)),
        },
    }
    section = evidence_section(RunResults.from_dict(results))
    budgets, by_kind = section.split("### By query kind")
    lines = {
        line.split(" | ")[0]: line.removesuffix(" |")
        for line in budgets.splitlines()
        if line.startswith("| ")
    }
    first = lines["| ours"].split(" | ")
    assert first[1:4] == ["**0.900**", "**0.900**", "**0.900**"]
    assert first[4:7] == ["**0.800**", "**0.800**", "**0.800**"]  # tie: both bold
    assert first[7:10] == ["0.100", "0.100", "**0.100**"]  # the peer has no 2048 figure
    peer = lines["| peer:x"].split(" | ")
    assert peer[1:4] == ["0.700", "0.700", "-"]
    assert peer[4:6] == ["**0.800**", "**0.800**"]
    assert peer[7:9] == ["**0.200**", "**0.200**"]
    assert "| peer:x | 0.700 | **0.800** | - | - |" in by_kind
    assert "![evidence recall vs budget](evidence_vs_budget.png)" in section


def test_sections_write_nothing_and_the_plots_are_one_separate_step(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    curve = {
        "source": "ours",
        "at_k": {"5": {"recall": 0.5, "precision": 0.2, "span_precision": 0.1, "ndcg": 0.4}},
        "at_budget": {
            b: {"recall": 0.5, "span_precision": 0.1, "span_iou": 0.1, "context_tokens": 900.0,
                "span_recall": 0.6, "evidence_strict_recall": 0.5,
                "evidence_token_precision": 0.1, "redundancy": 0.0}
            for b in ("512", "1024", "2048")
        },
        "by_kind": {},
    }  # fmt: skip
    results = {
        "retrieval": {"ours": curve, "peer:x": {**curve, "source": "peer"}},
        "duplicates": {"exact": {"small": 1}, "rows": {"small": 0}, "near": {"small": 2}},
    }
    evidence_section(RunResults.from_dict(results))
    assert list(tmp_path.iterdir()) == []
    written = write_plots(RunResults.from_dict(results), tmp_path)
    assert [path.name for path in written] == list(PLOTS)
    assert all(path.stat().st_size > 1000 for path in written)
