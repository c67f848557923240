"""A run's results are typed, and metrics.json is exactly their dict form, read back whole."""

import json
from dataclasses import FrozenInstanceError, replace
from pathlib import Path

import pytest

from eval import EvalConfig, evaluate, load_dataset, write_report
from eval.metrics.significance import Interval
from eval.results import RowFigures, RunResults

FAST = {"strategies": ("bm25:small", "turns:small"), "peers": ("window-128",), "ks": (1, 5)}


TINY = Path(__file__).parent / "data" / "locomo_tiny.json"


@pytest.fixture(scope="module")
def results():
    return evaluate(load_dataset(TINY), config=EvalConfig(**FAST))


def test_a_run_is_typed_rows_with_intervals(results):
    assert isinstance(results, RunResults)
    ours = [name for name, row in results.retrieval.items() if not row.is_peer]
    assert ours == ["bm25:small", "turns:small"]
    theirs = [name for name, row in results.retrieval.items() if row.is_peer]
    assert theirs
    assert all(name.startswith("peer:window-128") for name in theirs)
    row = results.retrieval["turns:small"]
    assert isinstance(row, RowFigures)
    band = row.interval_at(1024, "span_recall")
    assert isinstance(band, Interval)
    assert band.low <= row.at(1024, "span_recall") == band.mean <= band.high
    assert row.curve("at_k") is row.at_k
    with pytest.raises(ValueError, match="unknown group"):
        row.curve("at_nothing")
    with pytest.raises(FrozenInstanceError):
        row.source = "peer"  # type: ignore[misc]


def test_metrics_json_is_the_dict_form_and_reads_back_equal(results, tmp_path):
    write_report(results, tmp_path)
    written = json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))
    again = RunResults.from_dict(written)
    assert again == replace(results, per_query=None, environment=written["environment"])
    assert again.to_dict() == written


def test_an_older_row_without_source_is_a_peer_by_its_name():
    assert RowFigures.from_dict({}, name="peer:x").is_peer
    assert not RowFigures.from_dict({}, name="bm25:small").is_peer
