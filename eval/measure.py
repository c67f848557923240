"""One query under one retriever: every figure at every cut-off and budget.

The one measuring loop of the harness: :func:`eval.runner.evaluate` and
:func:`eval.tuning.sweep.sweep` both call :func:`measure`, so a figure of the same
name means the same thing in ``metrics.json`` and ``sweep.json``. Each figure
is a metric of :data:`eval.metrics.METRICS` applied to what the retriever
returned: ``search(k=k)`` for each cut-off ``k`` (the metric sees the top
``k``), ``search(k=max_results, token_budget=b)`` for each budget ``b`` (the
metric sees the whole budgeted list).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eval.datasets.model import Query
from eval.metrics import METRICS
from eval.retrieval import Retriever
from eval.spans import MessageUnit

__all__ = ["Plan", "measure"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """What to measure per query.

    Attributes:
        ks / at_k: cut-offs and the metric names measured at each.
        budgets / at_budget: context-token budgets and the metric names at each.
        max_results: ``k`` of the budgeted searches (large: the budget binds).
        run_budget: the budget whose returned messages are kept (``None``: none).
    """

    ks: tuple[int, ...] = ()
    at_k: tuple[str, ...] = ()
    budgets: tuple[int, ...] = ()
    at_budget: tuple[str, ...] = ()
    max_results: int = 1000
    run_budget: int | None = None


def measure(retriever: Retriever, query: Query, plan: Plan) -> dict[str, Any]:
    """The figures of ``query`` under ``retriever``.

    Returns:
        ``{"query", "kind", "at_k": {k: {metric: value}}, "at_budget": {budget:
        {metric: value}}, "run"}``; ``run`` lists the messages returned at
        ``plan.run_budget``, each once, in the order first returned (empty when
        ``run_budget`` is ``None``).
    """
    at_k: dict[int, dict[str, float]] = {}
    for k in plan.ks:
        ranked = retriever.search(query.text, k=k)
        at_k[k] = {name: METRICS[name](ranked, query.gold, k) for name in plan.at_k}
    at_budget: dict[int, dict[str, float]] = {}
    run: list[tuple[str, str]] = []
    for budget in plan.budgets:
        ranked = retriever.search(query.text, k=plan.max_results, token_budget=budget)
        at_budget[budget] = {
            name: METRICS[name](ranked, query.gold, None) for name in plan.at_budget
        }
        if budget == plan.run_budget:
            run = _messages(ranked)
    return {"query": query.id, "kind": query.kind, "at_k": at_k, "at_budget": at_budget, "run": run}


def _messages(ranked: Sequence[MessageUnit]) -> list[tuple[str, str]]:
    """The messages ``ranked`` holds, each once, in the order they are first returned."""
    seen: dict[tuple[str, str], None] = {}
    for unit in ranked:
        for message in unit.message_ids:
            seen.setdefault((unit.conversation_id, message), None)
    return list(seen)
