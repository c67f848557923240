"""The tier-budget sweep (eval.tuning.sweep, eval.report.sweep)."""

import json
from dataclasses import asdict

import pytest

from eval.datasets.loading import load_dataset
from eval.report.write import write_sweep
from eval.tuning import sweep as sweep_module
from eval.tuning.sweep import BUDGETS, Setting, objective, split_queries, sweep


@pytest.fixture
def small_grid(monkeypatch):
    monkeypatch.setattr(sweep_module, "TIER_GRID", ((64, 256, 2048), (128, 512, 2048)))


def test_the_split_holds_out_whole_users_deterministically(tiny_locomo_path):
    dataset = load_dataset(tiny_locomo_path)
    split = split_queries(dataset)
    assert set(split) == {q.id for q in dataset.queries}
    sides = {}
    for query in dataset.queries:
        sides.setdefault(query.user_id, set()).add(split[query.id])
    assert all(len(s) == 1 for s in sides.values())  # no user on both sides
    users = len(sides)
    if users >= 2:
        assert sum(s == {"train"} for s in sides.values()) == (users + 1) // 2


def test_sweep_chooses_the_best_training_objective(tiny_locomo_path, small_grid, tmp_path):
    dataset = load_dataset(tiny_locomo_path)
    results = sweep([dataset])
    rows = results["grid"][dataset.name]
    assert len(rows) == 2 * (1 + len(sweep_module.WEIGHT_GRID))
    context_rows = [r for r in rows if r["setting"]["parent"] is not None]
    best = max(context_rows, key=lambda r: objective(r["train"]))
    tied = results["tied"]
    assert tied[0] == best["setting"]
    assert results["chosen"] in tied
    assert results["chosen"]["small"] == max(s["small"] for s in tied)
    for row in context_rows:  # tied or not, each was tested against the best
        if row["setting"] not in tied:
            assert objective(row["train"]) < objective(best["train"])
    train = best["train"]["objective_interval"]
    assert train["low"] <= train["mean"] <= train["high"]
    assert train["mean"] == pytest.approx(objective(best["train"]), abs=1e-5)
    for row in rows:
        for side in ("train", "test"):
            if row[side]["queries"]:
                for budget in BUDGETS:
                    at = row[side][str(budget)]
                    assert 0.0 <= at["strict_recall"] <= at["span_recall"] <= 1.0
                    assert at["context_tokens"] <= budget
    steps = results["ablation"][dataset.name]
    assert [s["setting"]["stopwords"] for s in steps[:2]] == ["en", "en_plus"]
    assert "vs_previous" not in steps[0]
    for step in steps[1:]:  # each change is tested against the row before it, on each side
        for side, compared in step["vs_previous"].items():
            assert step[side]["queries"] == compared["queries"]
            assert 0 < compared["p_value"] <= 1
            assert compared["significant"] == (compared["p_value"] < 0.05)
    assert Setting(**steps[-1]["setting"]) == Setting(**results["chosen"])

    report = write_sweep(results, tmp_path)
    assert "Chosen on the training side" in report.read_text()
    assert json.loads((tmp_path / "sweep.json").read_text())["chosen"] == results["chosen"]
    assert (tmp_path / "sweep.png").read_bytes()[:4] == b"\x89PNG"


def grid_row(small, parent, per_query, *, queries=None, medium=512):
    """A grid row whose training objective is the mean of ``per_query``."""
    mean = sum(per_query) / len(per_query)
    figures = {str(b): {"span_recall": mean, "strict_recall": mean} for b in BUDGETS}
    setting = {**asdict(Setting(small, medium, 2048)), "parent": parent, "neighbours": 0.6}
    return {
        "setting": setting,
        "train": {"queries": queries or len(per_query), **figures},
        "_per_query": per_query,
    }


def choose(grid, default=None):
    """The sweep's choice among the settings tied on ``grid``."""
    return sweep_module._choose(sweep_module._tied(grid), default)


def test_choose_prefers_the_largest_small_budget_among_paired_ties():
    noisy = [0.2, 0.8] * 10
    best = [v + 0.02 for v in noisy]
    # 0.01 lower on average, but per query +0.10 or -0.12: not significantly lower
    tied = [v + (0.12 if i % 2 else -0.10) for i, v in enumerate(noisy)]
    clearly_worse = [v - 0.3 for v in best]
    grid = {
        "one": [
            grid_row(64, 0.5, best),
            grid_row(128, 0.5, tied),
            grid_row(192, 0.5, clearly_worse),
        ],
        "two": [
            grid_row(64, 0.5, best),
            grid_row(128, 0.5, tied),
            grid_row(192, 0.5, clearly_worse),
        ],
    }
    assert choose(grid).small == 128
    exact = {name: [grid_row(64, 0.5, best), grid_row(128, 0.5, [v - 0.02 for v in best])]
             for name in ("one", "two")}  # fmt: skip
    assert choose(exact).small == 64  # a constant gap is no tie: zero spread


def test_choose_keeps_tied_defaults_else_the_largest_medium():
    noisy = [0.2, 0.8] * 10
    best = [v + 0.02 for v in noisy]
    tied = [v + (0.12 if i % 2 else -0.10) for i, v in enumerate(noisy)]
    clearly_worse = [v - 0.3 for v in best]
    rows = [
        grid_row(64, 0.5, best),
        grid_row(96, 0.5, tied),
        grid_row(128, 0.5, tied, medium=384),
        grid_row(128, 0.5, tied),
        grid_row(192, 0.5, clearly_worse),
    ]
    grid = {"one": rows, "two": rows}
    default = Setting(96, 512, 2048, parent=0.5, neighbours=0.6)
    assert choose(grid, default) == default  # tied: the defaults stay
    chosen = choose(grid, Setting(192, 512, 2048, parent=0.5, neighbours=0.6))
    assert (chosen.small, chosen.medium) == (128, 512)  # defaults not tied: cheapest tied tiers


def test_the_split_of_the_tiny_file_is_pinned(tiny_locomo_path):
    dataset = load_dataset(tiny_locomo_path)
    split = split_queries(dataset)
    assert sorted(split.items()) == [
        ("sample-1#q0", "train"),
        *((f"tiny-1#q{i}", "test") for i in range(4)),
    ]
