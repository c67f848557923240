"""Peer rows in a run: measured like our strategies, and a missing extra reported, not omitted."""

import json

import pytest

from eval.cli import main
from eval.config import EvalConfig
from eval.datasets.loading import load_dataset
from eval.errors import UnknownNameError
from eval.peers import PEERS
from eval.report.write import write_report
from eval.runner import evaluate

FAST = {"strategies": ("bm25:small",), "ks": (1, 5), "budgets": (512, 1024, 2048)}
MISSING = "the peer chunkers need 'llama_index.core'; install the extra: pip install -e .[peers]"


def test_default_config_runs_every_peer_and_rejects_unknown_ones():
    assert EvalConfig().peers == tuple(PEERS)
    with pytest.raises(UnknownNameError, match="window-128"):
        EvalConfig(peers=("nope",))


def test_peer_rows_are_measured_through_the_same_path(tiny_locomo_path):
    dataset = load_dataset(tiny_locomo_path)
    config = EvalConfig(peers=("window-128", "turn-window-128"), **FAST)
    results = evaluate(dataset, config=config)
    retrieval = results.retrieval
    rows = [
        "peer:window-128",
        "peer:window-128+context",
        "peer:window-128+turns",
        "peer:turn-window-128",
        "peer:turn-window-128+context",
        "peer:turn-window-128+turns",
    ]
    assert list(retrieval) == ["bm25:small", *rows]
    assert results.peers["rows"] == rows
    assert results.peers["skipped"] == {}
    assert results.peers["chunks"]["window-128"] > 0
    ours = retrieval["bm25:small"]
    for name in rows:
        row = retrieval[name]
        assert row.source == "peer"
        assert row.queries == ours.queries == len(dataset.queries)
        assert row.at_k.keys() == ours.at_k.keys()
        assert row.at_budget["1024"].keys() == ours.at_budget["1024"].keys()
        assert row.by_kind.keys() == ours.by_kind.keys()
        budgeted = row.at_budget["2048"]
        assert 0.0 < budgeted["span_recall"] <= 1.0
        assert budgeted["evidence_strict_recall"] <= budgeted["span_recall"]
        assert budgeted["context_tokens"] <= 2048
    assert ours.source == "ours"


def test_a_peer_without_its_extra_is_skipped_and_reported(tiny_locomo_path, monkeypatch, tmp_path):
    def missing(conversation):
        raise ImportError(MISSING)

    monkeypatch.setitem(PEERS, "llamaindex-hierarchical", missing)
    messages = []
    config = EvalConfig(peers=("llamaindex-hierarchical", "window-128"), **FAST)
    results = evaluate(load_dataset(tiny_locomo_path), config=config, notify=messages.append)
    assert results.peers["skipped"] == {"llamaindex-hierarchical": MISSING}
    assert results.peers["rows"] == [
        "peer:window-128",
        "peer:window-128+context",
        "peer:window-128+turns",
    ]
    assert not any(name.startswith("peer:llamaindex") for name in results.retrieval)
    assert "peer:window-128" in results.retrieval
    assert any("llamaindex-hierarchical skipped" in m for m in messages)

    report = write_report(results, tmp_path).read_text()
    section = report.split("## Evidence recall at context budgets")[1].split("\n## ")[0]
    assert f"- `llamaindex-hierarchical`: {MISSING}" in section
    assert "| peer:window-128 |" in section
    assert "### By query kind at 1,024 tokens" in section
    assert (tmp_path / "evidence_vs_budget.png").read_bytes()[:4] == b"\x89PNG"


def test_command_line_chooses_the_peers(tiny_locomo_path, tmp_path):
    args = ["run", "--dataset", str(tiny_locomo_path), "--out", str(tmp_path), "--quiet"]
    assert main([*args, "--peers", "window-128"]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["peers"]["rows"] == [
        "peer:window-128",
        "peer:window-128+context",
        "peer:window-128+turns",
    ]
    assert metrics["config"]["peers"] == ["window-128"]
    assert main([*args, "--peers", ""]) == 0
    assert json.loads((tmp_path / "metrics.json").read_text())["peers"]["rows"] == []
    assert main([*args, "--peers", "nope"]) == 2
