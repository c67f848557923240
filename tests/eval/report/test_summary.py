"""The report's summary: best rows with intervals, a difference called real only when p < 0.05."""

from eval.report.sections import SECTIONS
from eval.report.summary import summary_section
from eval.results import RunResults


def row(source, recall, *, redundancy=0.0, deduplicates=True):
    band = {"mean": recall, "low": recall - 0.05, "high": recall + 0.05}
    figures = {"span_recall": recall, "evidence_strict_recall": recall, "context_tokens": 300.0,
               "redundancy": redundancy}  # fmt: skip
    return {
        "source": source,
        "deduplicates": deduplicates,
        "at_budget": {str(b): dict(figures) for b in (512, 1024, 2048)},
        "intervals": {"at_budget": {str(b): {"span_recall": band} for b in (512, 1024, 2048)}},
    }


def check(budget, p_value, difference):
    return {
        "budget": budget, "metric": "span recall", "ours": "ours:a", "peer": "peer:x",
        "difference": {"mean": difference, "low": difference - 0.01, "high": difference + 0.01},
        "p_value": p_value, "significant": p_value < 0.05,
        "verdict": "ours higher" if p_value < 0.05 else "not significant",
    }  # fmt: skip


def results(checks):
    return {
        "dataset": {
            "name": "d",
            "queries": 10,
            "conversations": 3,
            "users": 2,
            "gold_spans": "a test span",
        },
        "retrieval": {
            "ours:a": row("ours", 0.8),
            "ours:b": row("ours", 0.6),
            "ours:c": row("ours", 0.4, redundancy=0.1, deduplicates=False),
            "peer:x": row("peer", 0.7),
            "peer:y": row("peer", 0.5),
            "peer:z": row("peer", 0.3),
        },
        "comparisons": {"ours_vs_best_peer": {"best": "ours:a", "checks": checks}},
        "cost": {"available": False, "reason": "no ledger"},
        "duplicates": {"exact": {"small": 2}, "rows": {"small": 0}, "near": {"small": 5}},
    }


def test_the_summary_comes_first_and_shows_the_best_rows_with_intervals():
    assert next(iter(SECTIONS)) == "summary"
    text = summary_section(
        RunResults.from_dict(results([check(512, 0.3, 0.1), check(1024, 0.001, 0.1)]))
    )
    assert text.startswith("## Summary")
    assert "a gold span is a test span" in text
    shown = [line.split(" | ")[0].removeprefix("| ") for line in text.splitlines()
             if line.startswith("| `")]  # fmt: skip
    assert shown == ["`ours:a`", "`ours:b`", "`peer:x`", "`peer:y`"]
    assert "| `ours:a` | 0.800 [0.750, 0.850] |" in text
    assert "+0.100 [+0.090, +0.110], p = 0.300: not significant (p >= 0.05)." in text
    assert "p = 0.001: **ours higher**." in text
    assert "1 of 2 comparisons" in text
    assert "_Not available: no ledger._" in text
    assert "small 2" in text
    assert "`ours:c` 10.0% (does not deduplicate)" in text


def test_no_peer_rows_is_said_not_hidden():
    given = results([])
    given["comparisons"]["ours_vs_best_peer"] = {}
    assert "nothing to compare" in summary_section(RunResults.from_dict(given))
    del given["comparisons"]
    assert "run `python -m eval run` again" in summary_section(RunResults.from_dict(given))
