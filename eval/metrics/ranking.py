"""Rank metrics at message level: precision, recall, MRR and nDCG at a cut-off k.

Each takes the ranked chunks a strategy returned, the query's gold and ``k``
(``None``: the whole list). ``rel_i`` is the binary relevance of
:mod:`eval.metrics.relevance`; ``G`` the set of gold messages. Every metric is
0.0 when ``G`` is empty (a query with nothing to find cannot be answered).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from eval.datasets.model import Gold
from eval.metrics.relevance import newly_covered, relevance
from eval.spans import MessageUnit

__all__ = ["mrr", "ndcg", "precision", "recall"]


def _top(ranked: Sequence[MessageUnit], k: int | None) -> Sequence[MessageUnit]:
    return ranked if k is None else ranked[:k]


def precision(ranked: Sequence[MessageUnit], gold: Gold, k: int | None) -> float:
    """precision@k = (sum_{i<=k} rel_i) / k.

    The denominator is ``k`` even when fewer than ``k`` chunks were returned
    (trec_eval's ``P_k``), so returning less is not rewarded; with ``k=None``
    it is the number returned (0.0 for an empty list).
    """
    top = _top(ranked, k)
    denominator = k if k is not None else len(top)
    if not gold.messages or denominator == 0:
        return 0.0
    return sum(relevance(top, gold)) / denominator


def recall(ranked: Sequence[MessageUnit], gold: Gold, k: int | None) -> float:
    """recall@k = |gold messages contained in the top k chunks| / |G|.

    A gold message counts once however many chunks contain it; ``k`` larger
    than the list is the whole list.
    """
    if not gold.messages:
        return 0.0
    return sum(newly_covered(_top(ranked, k), gold)) / len(gold.messages)


def mrr(ranked: Sequence[MessageUnit], gold: Gold, k: int | None) -> float:
    """MRR@k = 1 / (rank of the first relevant chunk), 0.0 if none in the top k."""
    if not gold.messages:
        return 0.0
    for rank, rel in enumerate(relevance(_top(ranked, k), gold), start=1):
        if rel:
            return 1.0 / rank
    return 0.0


def ndcg(ranked: Sequence[MessageUnit], gold: Gold, k: int | None) -> float:
    """nDCG@k with binary gains.

    DCG@k = sum_{i<=k} rel_i / log2(i + 1); the ideal ranks one relevant chunk
    per gold message first: IDCG@k = sum_{i=1}^{min(k, |G|)} 1 / log2(i + 1).
    Since relevant chunks never outnumber gold messages, the result is in [0, 1].
    It is 1 only when each gold message comes in its own chunk: one chunk that
    holds two gold messages at rank 1 scores 1 / (1 + 1/log2 3) = .613. So
    nDCG favours fine units; compare unit sizes by the evidence figures at a
    token budget (:mod:`eval.metrics.coverage`), which do not have this bias.
    """
    if not gold.messages:
        return 0.0
    top = _top(ranked, k)
    dcg = sum(rel / math.log2(i + 1) for i, rel in enumerate(relevance(top, gold), start=1))
    ideal_n = len(gold.messages) if k is None else min(k, len(gold.messages))
    idcg = sum(1.0 / math.log2(i + 1) for i in range(1, ideal_n + 1))
    return dcg / idcg
