"""Our best row against the best peer row: which rows meet, and when a difference is called real."""

import random

from eval.metrics.compare import against_best_peer
from eval.metrics.significance import interval
from eval.results import RowFigures


def row(source, recalls, stricts):
    """A row measured on these per-query values: means and intervals at every budget."""
    bands = {"span_recall": interval(recalls), "evidence_strict_recall": interval(stricts)}
    figures = {metric: band.mean for metric, band in bands.items()}
    return RowFigures(
        source,
        at_budget={str(b): dict(figures) for b in (512, 1024, 2048)},
        intervals={"at_budget": {str(b): dict(bands) for b in (512, 1024, 2048)}},
    )


def values(per_query_recall, per_query_strict):
    return {
        str(b): {"span_recall": per_query_recall, "evidence_strict_recall": per_query_strict}
        for b in (512, 1024, 2048)
    }


def test_the_best_rows_meet_and_only_a_clear_difference_is_called_real():
    rng = random.Random(5)
    base = [rng.random() * 0.8 for _ in range(120)]
    strong = [x + 0.2 for x in base]  # higher on every query
    signs = [0.02] * 61 + [-0.02] * 59
    rng.shuffle(signs)
    noisy = [x + s for x, s in zip(base, signs, strict=True)]  # differs, but as a coin would
    weak = [x * 0.5 for x in base]
    per_query = {
        "ours:weak": values(weak, weak),
        "ours:strong": values(strong, noisy),
        "peer:a": values(base, base),
        "peer:b": values(weak, weak),
    }
    retrieval = {
        name: row(
            "peer" if name.startswith("peer:") else "ours",
            v["1024"]["span_recall"],
            v["1024"]["evidence_strict_recall"],
        )
        for name, v in per_query.items()
    }
    versus = against_best_peer(retrieval, per_query)
    assert versus["best"] == "ours:strong"
    assert len(versus["checks"]) == 6
    for check in versus["checks"]:
        assert check["peer"] == "peer:a"
        assert check["queries"] == 120
        assert check["ours_figure"]["low"] <= check["ours_figure"]["mean"]
    spans = [c for c in versus["checks"] if c["metric"] == "span recall"]
    assert all(c["verdict"] == "ours higher" and c["p_value"] < 0.05 for c in spans)
    assert all(c["difference"]["low"] > 0 for c in spans)
    stricts = [c for c in versus["checks"] if c["metric"] == "strict recall"]
    assert all(c["verdict"] == "not significant" and c["p_value"] >= 0.05 for c in stricts)
    assert all(c["difference"]["low"] < 0 < c["difference"]["high"] for c in stricts)


def test_nothing_to_compare_without_peer_rows_or_per_query_values():
    per_query = {"ours": values([1.0, 0.0], [1.0, 0.0])}
    assert against_best_peer({"ours": row("ours", [1.0, 0.0], [1.0, 0.0])}, per_query) == {}
    retrieval = {
        "ours": row("ours", [1.0, 0.0], [1.0, 0.0]),
        "peer:x": row("peer", [0.8, 0.0], [0.8, 0.0]),
    }
    assert against_best_peer(retrieval, per_query) == {}  # the peer's per-query values are missing
