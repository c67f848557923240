"""The whole `make eval` path on a tiny generated fixture, through the Python entry point."""

import json

import pytest

from chunking import conversation_text
from eval.cli import main
from eval.datasets.loading import load_dataset
from fixtures.generate import generate


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny")
    generate(root, seed=3, users=2, conversations=4)
    return root


def test_generator_is_deterministic(tiny, tmp_path):
    generate(tmp_path, seed=3, users=2, conversations=4)
    for path in tiny.rglob("*.json"):
        assert (tmp_path / path.relative_to(tiny)).read_bytes() == path.read_bytes()


def test_exports_have_the_structure_of_real_ones(tiny):
    manifest = json.loads((tiny / "manifest.json").read_text())
    conversations = json.loads((tiny / manifest["users"][0]["second"]).read_text())
    nodes = [n for c in conversations for n in c["mapping"].values()]
    roles = {n["message"]["author"]["role"] for n in nodes if n["message"]}
    assert {"system", "user", "assistant"} <= roles
    assert any(len(n["children"]) > 1 for n in nodes)  # regenerated or edited: abandoned siblings
    for conversation in conversations:
        assert conversation["current_node"] in conversation["mapping"]
        assert conversation["id"] == conversation["conversation_id"]


def test_gold_spans_point_at_the_answer(tiny):
    dataset = load_dataset(tiny)
    texts = {c.id: conversation_text(c) for corpus in dataset.corpora for c in corpus.conversations}
    raw = {q["id"]: q for q in json.loads((tiny / "queries.json").read_text())}
    assert dataset.queries
    for query in dataset.queries:
        wanted = sorted(g["text"] for g in raw[query.id]["gold"])
        found = sorted(texts[s.conversation_id][s.start : s.end] for s in query.gold.spans)
        assert found == wanted


def test_reimport_of_unchanged_export_adds_nothing(tiny, tmp_path):
    assert main(["run", "--dataset", str(tiny), "--out", str(tmp_path), "--quiet"]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["reimport"]["unchanged_export"]["added"] == 0
    assert metrics["reimport"]["overlapping_export"]["added_unchanged_conversations"] == 0
    assert metrics["reimport"]["overlapping_export"]["added"] > 0


def test_run_writes_report_and_gate_catches_a_regression(tiny, tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["run", "--dataset", str(tiny), "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "bm25:small" in printed
    assert "report:" in printed
    report = (out / "report.md").read_text()
    for heading in ("## Summary", "## Retrieval", "## Duplicates", "## Re-import", "## Cost"):
        assert heading in report
    assert "Backend: offline rule-based stand-in" in report
    assert "Re-import of the same export: 0 calls, 0 tokens" in report
    for png in ("retrieval_vs_k.png", "retrieval_vs_budget.png", "duplicates.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG"
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["environment"]["llm_backend"].startswith("offline rule-based stand-in")
    scenarios = metrics["cost"]["scenarios"]
    assert scenarios["naive"]["ratio_to_naive"] == 1.0
    assert scenarios["default_levers"]["ledger"]["calls"] < scenarios["naive"]["ledger"]["calls"]
    assert metrics["dataset"]["digest"] == load_dataset(tiny).digest
    strategy = metrics["retrieval"]["bm25:small"]
    assert 0.0 <= strategy["at_k"]["5"]["recall"] <= 1.0

    baseline = tmp_path / "baseline.json"
    assert main(["baseline", "--metrics", str(out / "metrics.json"), "--out", str(baseline)]) == 0
    assert main(["check", "--metrics", str(out / "metrics.json"), "--baseline", str(baseline)]) == 0

    strategy["at_k"]["5"]["recall"] -= 0.05
    metrics["duplicates"]["exact"]["small"] += 1
    worse = tmp_path / "worse.json"
    worse.write_text(json.dumps(metrics))
    capsys.readouterr()
    assert main(["check", "--metrics", str(worse), "--baseline", str(baseline)]) == 1
    lines = capsys.readouterr().out
    assert "retrieval.bm25:small.at_k.5.recall" in lines
    assert "duplicates.exact.small" in lines
    assert "2 regressions" in lines
