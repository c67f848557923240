"""Two runs compared row by row (eval.metrics.between_runs, the `compare` command)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.cli import main
from eval.errors import EvalError, RunsMismatchError, UnknownNameError
from eval.metrics.between_runs import between_runs
from eval.report.write import read_per_query, write_per_query


def records(values: dict[str, list[float]], budgets=(512, 1024)) -> dict:
    """Row -> query -> budget -> {"span_recall": value}; query ``q<i>`` gets ``values[row][i]``."""
    return {
        row: {
            f"q{i}": {str(b): {"span_recall": value, "recall": 1.0} for b in budgets}
            for i, value in enumerate(listed)
        }
        for row, listed in values.items()
    }


def test_the_difference_is_after_minus_before_paired_by_query():
    before = records({"a": [0.0] * 20 + [1.0] * 20, "b": [0.5] * 40})
    after = records({"a": [1.0] * 40, "b": [0.5] * 40})
    changes = {(c.row, c.budget): c for c in between_runs(before, after, budgets=(512, 1024))}
    a = changes["a", 512]
    assert (a.before, a.after) == (0.5, 1.0)
    assert a.comparison.difference.mean == pytest.approx(0.5)
    assert a.comparison.p_value < 0.001
    assert a.comparison.queries == 40
    b = changes["b", 1024]
    assert b.comparison.difference.mean == 0.0
    assert b.comparison.p_value == 1.0


def test_queries_are_paired_by_id_not_by_order():
    before = records({"a": [0.0, 1.0]})
    after = {"a": dict(reversed(list(before["a"].items())))}  # same values, other order
    (change, _) = between_runs(before, after, budgets=(512, 1024))
    assert change.comparison.difference.mean == 0.0


def test_runs_of_other_queries_are_refused():
    before = records({"a": [0.0, 1.0]})
    after = records({"a": [0.0, 1.0, 1.0]})
    with pytest.raises(RunsMismatchError, match=r"\(1 only after \(e.g. 'q2'\)\)"):
        between_runs(before, after)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"rows": ["c"]}, "unknown row"),
        ({"budgets": (4096,)}, "unknown budget"),
        ({"metric": "nope"}, "unknown metric"),
    ],
)
def test_what_either_run_lacks_is_named(options, message):
    runs = records({"a": [0.0, 1.0]})
    with pytest.raises(UnknownNameError, match=message):
        between_runs(runs, runs, **{"budgets": (512,), **options})


def write(directory: Path, values: dict[str, list[float]]) -> Path:
    directory.mkdir()
    with (directory / "per_query.jsonl").open("w") as lines:
        for row, queries in records(values).items():
            for query, at_budget in queries.items():
                record = {"row": row, "query": query, "kind": "", "at_budget": at_budget}
                lines.write(json.dumps(record) + "\n")
    return directory


def test_the_command_prints_each_row_before_and_after(tmp_path, capsys):
    before = write(tmp_path / "before", {"turns:small": [0.0] * 30, "bm25:small": [1.0] * 30})
    after = write(tmp_path / "after", {"turns:small": [1.0] * 30, "bm25:small": [1.0] * 30})
    status = main(
        ["compare", "--before", str(before), "--after", str(after), "--budgets", "512,1024"]
    )
    out = capsys.readouterr().out
    assert status == 0
    assert "| `turns:small` | 0.000 → 1.000, +1.000 [+1.000, +1.000] p < 0.001 |" in out
    assert "| `bm25:small` | 1.000 → 1.000, +0.000 [+0.000, +0.000] p = 1.000 |" in out
    assert "paired over 30 queries" in out


def test_a_run_without_per_query_figures_is_not_found(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    status = main(["compare", "--before", str(tmp_path / "empty"), "--after", str(tmp_path)])
    assert status == 2
    assert "per_query.jsonl" in capsys.readouterr().err


def test_a_line_that_is_not_a_record_names_its_place(tmp_path):
    path = tmp_path / "per_query.jsonl"
    path.write_text('{"row": "a", "query": "q0", "at_budget": {}}\n{"row": "a"}\n')
    with pytest.raises(EvalError, match=r"per_query.jsonl:2: not a per-query record"):
        read_per_query(tmp_path)


def test_bad_budgets_are_an_error(tmp_path, capsys):
    runs = write(tmp_path / "run", {"a": [1.0]})
    assert main(["compare", "--before", str(runs), "--after", str(runs), "--budgets", "x"]) == 2
    assert "--budgets" in capsys.readouterr().err


def test_what_a_run_writes_is_read_back(tmp_path):
    per_query = {
        "run_budget": 1024,
        "queries": [{"id": "q0", "gold": [["c", "m1"]]}],
        "rows": {
            "turns:small": [
                {
                    "query": "q0",
                    "kind": "temporal",
                    "run": [["c", "m1"]],
                    "at_budget": {512: {"span_recall": 0.25}, 1024: {"span_recall": 1.0}},
                }
            ]
        },
    }
    write_per_query(per_query, tmp_path)
    assert read_per_query(tmp_path) == {
        "turns:small": {"q0": {"512": {"span_recall": 0.25}, "1024": {"span_recall": 1.0}}}
    }


def test_runs_of_two_datasets_are_refused_even_with_the_same_query_ids(tmp_path, capsys):
    """fixtures/hard and another seed's users share ids such as h01-q01: the digests tell."""
    before = write(tmp_path / "before", {"a": [0.0, 1.0]})
    after = write(tmp_path / "after", {"a": [0.0, 1.0]})
    for run, digest in ((before, "1" * 64), (after, "2" * 64)):
        (run / "metrics.json").write_text(json.dumps({"dataset": {"digest": digest}}))
    command = ["compare", "--before", str(before), "--after", str(after), "--budgets", "512"]
    assert main(command) == 2
    assert "different datasets" in capsys.readouterr().err
    (after / "metrics.json").write_text(json.dumps({"dataset": {"digest": "1" * 64}}))
    assert main(command) == 0


def test_a_query_without_the_figure_is_named():
    before = records({"a": [0.0, 1.0]})
    after = records({"a": [0.0, 1.0]})
    del after["a"]["q1"]["512"]
    with pytest.raises(RunsMismatchError, match=r"query 'q1' of the after run has no number"):
        between_runs(before, after, budgets=(512,))


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "holds no record"), (b"\xff\xfe not text", "per_query.jsonl:1: not a per-query")],
)
def test_an_empty_or_undecodable_file_is_an_error(tmp_path, capsys, content, message):
    good = write(tmp_path / "good", {"a": [1.0]})
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "per_query.jsonl").write_bytes(content)
    assert main(["compare", "--before", str(good), "--after", str(bad)]) == 2
    assert message in capsys.readouterr().err


def test_rows_of_one_run_only_are_listed_and_unchecked_datasets_said(tmp_path, capsys):
    before = write(tmp_path / "before", {"a": [1.0], "b": [1.0]})
    after = write(tmp_path / "after", {"a": [1.0], "c": [1.0]})
    (before / "metrics.json").write_text("[]")  # not a run's metrics: no digest, no crash
    command = ["compare", "--before", str(before), "--after", str(after), "--budgets", "512"]
    assert main(command) == 0
    out, err = capsys.readouterr()
    assert "Rows only in the before run, not compared: b." in out
    assert "Rows only in the after run, not compared: c." in out
    assert "were not checked" in err


def test_an_empty_row_list_is_an_error(tmp_path, capsys):
    runs = write(tmp_path / "run", {"a": [1.0]})
    assert main(["compare", "--before", str(runs), "--after", str(runs), "--rows", ","]) == 2
    assert "--rows names no row" in capsys.readouterr().err
