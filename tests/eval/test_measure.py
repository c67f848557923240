"""The one measuring loop: registry metrics on what a retriever returned, for run and sweep."""

import pytest

from chunking import chunk_conversations
from eval.config import EvalConfig
from eval.datasets.loading import load_dataset
from eval.measure import Plan, measure
from eval.metrics import METRICS
from eval.retrieval import TierBM25, TierIndexes
from eval.tuning import sweep as sweep_module


@pytest.fixture
def tiny(tiny_locomo_path):
    dataset = load_dataset(tiny_locomo_path)
    corpus = dataset.corpora[0]
    indexes = TierIndexes.build(list(chunk_conversations(corpus.conversations)))
    queries = [q for q in dataset.queries if q.user_id == corpus.user_id and q.gold.spans]
    assert queries
    return TierBM25(indexes, "small"), queries


def test_figures_are_the_registry_s_metrics_of_the_returned_list(tiny):
    retriever, queries = tiny
    plan = Plan(ks=(1, 3), at_k=("recall", "ndcg"), budgets=(64, 512),
                at_budget=("span_recall", "context_tokens"), run_budget=512)  # fmt: skip
    for query in queries:
        found = measure(retriever, query, plan)
        for k in plan.ks:
            ranked = retriever.search(query.text, k=k)
            for name in plan.at_k:
                assert found["at_k"][k][name] == METRICS[name](ranked, query.gold, k)
        for budget in plan.budgets:
            ranked = retriever.search(query.text, k=plan.max_results, token_budget=budget)
            for name in plan.at_budget:
                assert found["at_budget"][budget][name] == METRICS[name](ranked, query.gold, None)
        returned = retriever.search(query.text, k=plan.max_results, token_budget=512)
        held = {(u.conversation_id, m) for u in returned for m in u.message_ids}
        assert found["run"]
        assert set(found["run"]) == held
        assert len(found["run"]) == len(held)  # each message once


def test_the_sweep_and_the_run_give_a_figure_of_one_name_one_value(tiny):
    retriever, queries = tiny
    config = EvalConfig(budgets=sweep_module.BUDGETS, run_budget=1024)
    plan = Plan(budgets=config.budgets, at_budget=config.at_budget,
                max_results=config.max_results)  # fmt: skip
    for query in queries:
        run = measure(retriever, query, plan)["at_budget"]
        swept = sweep_module._scores(retriever, query)
        for budget, figures in swept.items():
            assert figures == {name: run[budget][name] for name in figures}
