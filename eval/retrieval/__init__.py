"""Retrieval strategies over chunks, all behind one interface (:class:`Retriever`).

``STRATEGIES`` maps a strategy name to a factory that builds the retriever
over one user's :class:`TierIndexes`; peer chunkers' rows (``peer:<name>``)
are built by :func:`peer_retrievers` over a :class:`PeerIndex`. Every strategy
deduplicates overlapping spans and caps its results by ``k`` and a
context-token budget, except the ``*-nodedup`` control, which shows what
deduplication removes.
"""

from collections.abc import Callable

from eval.retrieval.base import Retriever, cap, dedup_spans, finish
from eval.retrieval.bm25 import BM25Index, TierBM25, TierIndexes
from eval.retrieval.context import ContextBM25, ContextRanker, ContextWeights
from eval.retrieval.fusion import TierFusion
from eval.retrieval.peer import PeerAutoMerge, PeerBM25, PeerIndex, peer_retrievers, peer_rows
from eval.retrieval.small_to_big import SmallToBig
from eval.retrieval.turns import TurnRanker, TurnsBM25

__all__ = [
    "STRATEGIES",
    "BM25Index",
    "ContextBM25",
    "ContextRanker",
    "ContextWeights",
    "PeerAutoMerge",
    "PeerBM25",
    "PeerIndex",
    "Retriever",
    "SmallToBig",
    "TierBM25",
    "TierFusion",
    "TierIndexes",
    "TurnRanker",
    "TurnsBM25",
    "cap",
    "dedup_spans",
    "finish",
    "peer_retrievers",
    "peer_rows",
]

Factory = Callable[[TierIndexes], Retriever]

STRATEGIES: dict[str, Factory] = {
    "bm25:small": lambda indexes: TierBM25(indexes, "small"),
    "bm25:medium": lambda indexes: TierBM25(indexes, "medium"),
    "bm25:large": lambda indexes: TierBM25(indexes, "large"),
    "context:small": lambda indexes: ContextBM25(indexes, "small"),
    "turns:small": lambda indexes: TurnsBM25(indexes, "small"),
    "small-to-big:medium": lambda indexes: SmallToBig(indexes, "medium"),
    "small-to-big:large": lambda indexes: SmallToBig(indexes, "large"),
    "fusion:medium": lambda indexes: TierFusion(indexes, "medium"),
    "fusion:mixed": lambda indexes: TierFusion(indexes, "mixed"),
    "fusion:mixed-nodedup": lambda indexes: TierFusion(indexes, "mixed", dedup=False),
}
