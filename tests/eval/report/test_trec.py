"""The TREC files of a run: their format, and trec_eval's recall on them equals the harness's."""

import json
from statistics import fmean

import pytest
import pytrec_eval

from eval.config import EvalConfig
from eval.datasets.loading import load_dataset
from eval.report.trec import docid, qrels_lines, run_lines
from eval.report.write import write_report
from eval.runner import evaluate
from tests.eval.conftest import DATA

# A 64-token run budget: the tiny file's questions are not all answered at that budget.
CONFIG = {
    "strategies": ("bm25:small", "context:small"),
    "ks": (1, 5),
    "budgets": (64, 1024),
    "run_budget": 64,
}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    dataset = load_dataset(DATA / "locomo_tiny.json")
    results = evaluate(dataset, config=EvalConfig(peers=("window-128",), **CONFIG))
    out = tmp_path_factory.mktemp("report")
    write_report(results, out)
    return out


def test_lines_have_six_and_four_columns_and_keep_the_order():
    messages = [("c", "m2"), ("c", "m1"), ("d", "m1")]
    lines = run_lines("row", [("q", messages), ("empty", [])])
    assert [line.split() for line in lines] == [
        ["q", "Q0", "c/m2", "1", "3", "row"],
        ["q", "Q0", "c/m1", "2", "2", "row"],
        ["q", "Q0", "d/m1", "3", "1", "row"],
    ]
    assert qrels_lines([("q", [("d", "m1"), ("c", "m2")])]) == ["q 0 c/m2 1", "q 0 d/m1 1"]
    assert docid("a b/c", "m\t1") == "a%20b%2Fc/m%091"  # one '/', no whitespace


def test_whitespace_in_a_name_is_refused_with_the_fix():
    with pytest.raises(ValueError, match="no whitespace; rename"):
        run_lines("my row", [("q", [("c", "m")])])
    with pytest.raises(ValueError, match="query id 'a q'"):
        qrels_lines([("a q", [("c", "m")])])


def test_trec_eval_recall_on_the_files_equals_the_harness_recall(written):
    metrics = json.loads((written / "metrics.json").read_text())
    run_budget = str(metrics["config"]["run_budget"])
    with (written / "qrels.txt").open() as handle:
        qrels = pytrec_eval.parse_qrel(handle)
    per_query = [
        json.loads(line) for line in (written / "per_query.jsonl").read_text().splitlines()
    ]
    assert set(metrics["retrieval"]) == {r["row"] for r in per_query}
    means = []
    for row, figures in metrics["retrieval"].items():
        with (written / "runs" / f"{row.replace(':', '_')}.txt").open() as handle:
            run = pytrec_eval.parse_run(handle)
        scored = pytrec_eval.RelevanceEvaluator(qrels, {"set_recall"}).evaluate(run)
        harness = {r["query"]: r["at_budget"][run_budget]["recall"] for r in per_query
                   if r["row"] == row}  # fmt: skip
        assert len(harness) == figures["queries"]
        for query, value in harness.items():  # not in trec's answer: nothing relevant returned
            assert scored.get(query, {}).get("set_recall", 0.0) == pytest.approx(value, abs=1e-6)
        mean = sum(v["set_recall"] for v in scored.values()) / len(harness)
        assert mean == pytest.approx(figures["at_budget"][run_budget]["recall"], abs=1e-6)
        means.append(mean)
    assert any(0 < mean < 1 for mean in means), means  # the case is not trivial


def test_per_query_lines_average_to_the_figures_of_metrics_json(written):
    metrics = json.loads((written / "metrics.json").read_text())
    per_query = [
        json.loads(line) for line in (written / "per_query.jsonl").read_text().splitlines()
    ]
    for row, figures in metrics["retrieval"].items():
        mine = [r for r in per_query if r["row"] == row]
        for budget, values in figures["at_budget"].items():
            for metric, value in values.items():
                found = fmean(r["at_budget"][budget][metric] for r in mine)
                assert found == pytest.approx(value, abs=1e-5), (row, budget, metric)
        interval = figures["intervals"]["at_budget"]["1024"]["span_recall"]
        assert interval["low"] <= figures["at_budget"]["1024"]["span_recall"] <= interval["high"]
    assert "per_query" not in metrics
