"""The regression gate (eval.baseline)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from eval.baseline import check, make_baseline
from eval.errors import BaselineMismatchError


def metrics(recall: float = 0.8, *, digest: str = "abc", skipped: Any = None) -> dict[str, Any]:
    row = {"at_k": {"5": {"recall": recall}}}
    return {
        "dataset": {"digest": digest},
        "peers": {"skipped": skipped or {}},
        "retrieval": {
            "bm25:small": copy.deepcopy(row),
            "peer:window-128": copy.deepcopy(row),
            "peer:window-128+context": copy.deepcopy(row),
        },
    }


def test_a_worse_or_missing_figure_fails_and_an_equal_one_passes() -> None:
    baseline = make_baseline(metrics())
    assert len(baseline["metrics"]) == 3
    assert check(metrics(), baseline) == []
    assert check(metrics(0.79), baseline) == []  # within 0.02
    assert {v.path for v in check(metrics(0.7), baseline)} == set(baseline["metrics"])
    gone = metrics()
    del gone["retrieval"]["bm25:small"]
    assert [str(v) for v in check(gone, baseline)] == [
        "retrieval.bm25:small.at_k.5.recall: missing from the run (baseline 0.8)"
    ]


def test_a_figure_that_is_not_a_number_fails() -> None:
    baseline = make_baseline(metrics())
    assert len(check(metrics(float("nan")), baseline)) == 3


def test_metrics_of_another_dataset_are_an_error() -> None:
    with pytest.raises(BaselineMismatchError, match=r"'other'.*'abc'"):
        check(metrics(digest="other"), make_baseline(metrics()))


def test_rows_of_a_skipped_peer_are_not_gated_but_every_other_row_is() -> None:
    baseline = make_baseline(metrics())
    run = metrics(0.5, skipped={"window-128": "No module named 'langchain'"})
    del run["retrieval"]["peer:window-128"], run["retrieval"]["peer:window-128+context"]
    assert [v.path for v in check(run, baseline)] == ["retrieval.bm25:small.at_k.5.recall"]
