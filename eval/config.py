"""What one evaluation run measures: strategies, peers, cut-offs and budgets."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from eval.budgets import HEADLINE_BUDGET
from eval.errors import UnknownNameError
from eval.metrics import METRICS
from eval.peers import PEERS
from eval.retrieval import STRATEGIES
from eval.retrieval.text import DEFAULT_ANALYZER, Analyzer

__all__ = ["EvalConfig"]

_EVIDENCE = (
    "span_recall",
    "evidence_strict_recall",
    "evidence_precision",
    "evidence_token_precision",
)
_AT_K = (
    "precision",
    "recall",
    "mrr",
    "ndcg",
    "pooled_span_recall",
    "span_precision",
    "span_iou",
    "redundancy",
    "context_tokens",
    *_EVIDENCE,
)
_AT_BUDGET = (
    "precision",
    "recall",
    "pooled_span_recall",
    "span_precision",
    "span_iou",
    "redundancy",
    "context_tokens",
    *_EVIDENCE,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class EvalConfig:
    """Options of a run, validated once.

    Attributes:
        strategies: keys of ``eval.retrieval.STRATEGIES``.
        peers: keys of ``eval.peers.PEERS``, measured as extra rows ``peer:<name>``
            (a peer whose extra is not installed is skipped and reported).
        ks: cut-offs of the rank metrics (searches with ``k``, no budget).
        budgets: context-token budgets (searches with ``max_results`` and the budget).
        at_k / at_budget: metric families (keys of ``eval.metrics.METRICS``).
        max_results: ``k`` of the budgeted searches (large: the budget binds).
        run_budget: the budget whose returned context is kept per query and
            written as the TREC run files (one of ``budgets``).
        analyzer: how every index (ours and the peers') cuts text into BM25 terms.
        index_dates: whether indexes also see the days of each unit's messages.
        dense: whether the rows that return turns (``turns:small``, the peers'
            ``+turns``) add each message's dense similarity to the question
            (:mod:`eval.retrieval.dense`; needs the model package).

    Raises:
        UnknownNameError: a name not in its registry.
        ValueError: a cut-off or budget that is not a positive integer, or a
            ``run_budget`` that is not one of ``budgets``.
    """

    strategies: tuple[str, ...] = tuple(STRATEGIES)
    peers: tuple[str, ...] = tuple(PEERS)
    ks: tuple[int, ...] = (1, 3, 5, 10, 20)
    budgets: tuple[int, ...] = (256, 512, 1024, 2048, 4096)
    at_k: tuple[str, ...] = _AT_K
    at_budget: tuple[str, ...] = _AT_BUDGET
    max_results: int = 1000
    run_budget: int = HEADLINE_BUDGET
    analyzer: Analyzer = DEFAULT_ANALYZER
    index_dates: bool = True
    dense: bool = False

    def __post_init__(self) -> None:
        for name in self.strategies:
            if name not in STRATEGIES:
                raise UnknownNameError("strategy", name, STRATEGIES)
        for name in self.peers:
            if name not in PEERS:
                raise UnknownNameError("peer chunker", name, PEERS)
        for name in (*self.at_k, *self.at_budget):
            if name not in METRICS:
                raise UnknownNameError("metric", name, METRICS)
        for value in (*self.ks, *self.budgets, self.max_results):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"cut-offs and budgets must be positive integers, got {value!r}")
        if self.run_budget not in self.budgets:
            raise ValueError(
                f"run_budget {self.run_budget!r} is not one of the budgets {self.budgets}; "
                "pass a run_budget from budgets (the TREC runs are written at a measured budget)"
            )

    def to_dict(self) -> dict[str, Any]:
        """The options as ``metrics.json`` holds them (tuples as lists)."""
        return {name: _json_ready(value) for name, value in asdict(self).items()}


def _json_ready(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_json_ready(item) for item in value]
    if isinstance(value, dict):
        return {key: _json_ready(item) for key, item in value.items()}
    return value
