"""Retrieval metrics, named by strings such as ``"recall@5"`` or ``"span_iou"``.

``METRICS`` maps a metric family to a function ``(ranked, gold, k) -> float``
over retrieval units (:class:`eval.spans.MessageUnit`: our chunks, or a peer's
labelled with the messages they overlap); :func:`get_metric` parses
``"family@k"`` (no ``@k``: the whole list).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from eval.datasets.model import Gold
from eval.errors import UnknownNameError
from eval.metrics.context import context_tokens
from eval.metrics.evidence import (
    evidence_precision,
    evidence_strict_recall,
    evidence_token_precision,
    span_recall,
)
from eval.metrics.ranking import mrr, ndcg, precision, recall
from eval.metrics.relevance import relevance
from eval.metrics.spans import pooled_span_recall, redundancy, span_iou, span_precision
from eval.spans import MessageUnit

__all__ = ["METRICS", "Metric", "get_metric", "relevance"]

Metric = Callable[[Sequence[MessageUnit], Gold, int | None], float]

METRICS: dict[str, Metric] = {
    "context_tokens": context_tokens,
    "evidence_precision": evidence_precision,
    "evidence_strict_recall": evidence_strict_recall,
    "evidence_token_precision": evidence_token_precision,
    "mrr": mrr,
    "ndcg": ndcg,
    "pooled_span_recall": pooled_span_recall,
    "precision": precision,
    "recall": recall,
    "redundancy": redundancy,
    "span_iou": span_iou,
    "span_precision": span_precision,
    "span_recall": span_recall,
}


def get_metric(name: str) -> Callable[[Sequence[MessageUnit], Gold], float]:
    """The metric named ``name`` (``"ndcg@10"``), as a function of (ranked, gold).

    Raises:
        UnknownNameError: an unknown family; lists the valid ones.
        ValueError: a cut-off that is not a positive integer.
    """
    family, _, cutoff = name.partition("@")
    try:
        function = METRICS[family]
    except KeyError:
        raise UnknownNameError("metric", family, METRICS) from None
    k: int | None = None
    if cutoff:
        if not cutoff.isdigit() or int(cutoff) < 1:
            raise ValueError(f"metric {name!r}: the cut-off after '@' must be a positive integer")
        k = int(cutoff)

    def metric(ranked: Sequence[MessageUnit], gold: Gold) -> float:
        return function(ranked, gold, k)

    metric.__doc__ = function.__doc__
    return metric
