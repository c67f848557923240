"""Tier fusion: reciprocal rank fusion of the per-tier BM25 rankings.

The tiers rank different units, so a chunk's evidence from another tier is the
best rank in that tier of any chunk overlapping it (its ancestor, or its best
descendant). A candidate's fused score is::

    rrf(c) = sum over tiers t of 1 / (K + rank_t(c))     (rank from 1; K = 60)

where ``rank_t(c)`` is that best overlapping rank within the first ``depth``
results of tier ``t`` (a tier with no overlapping hit adds nothing). Spans are
compared by offsets, not parent links, so chunkers without a hierarchy fuse too.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

from chunking import Chunk, ChunkTier
from eval.retrieval.base import finish
from eval.retrieval.bm25 import TierIndexes

__all__ = ["RRF_K", "TierFusion", "rrf_scores"]

RRF_K = 60
_TIER_ORDER = {tier.value: order for order, tier in enumerate(ChunkTier)}


class _Spans:
    """Ranked chunks of one tier, findable by overlap."""

    def __init__(self, ranked: Sequence[Chunk]) -> None:
        self.by_conversation: dict[str, list[tuple[int, int, int]]] = {}
        for rank, chunk in enumerate(ranked, start=1):
            spans = self.by_conversation.setdefault(chunk.conversation_id, [])
            spans.append((chunk.start, chunk.end, rank))
        self.longest = max((c.end - c.start for c in ranked), default=0)
        for spans in self.by_conversation.values():
            spans.sort()

    def best_rank(self, chunk: Chunk) -> int | None:
        spans = self.by_conversation.get(chunk.conversation_id, [])
        lo = bisect_left(spans, (chunk.start - self.longest, -1, -1))
        hi = bisect_left(spans, (chunk.end, -1, -1))
        ranks = [rank for _, end, rank in spans[lo:hi] if end > chunk.start]
        return min(ranks, default=None)


def rrf_scores(candidates: Sequence[Chunk], rankings: Sequence[Sequence[Chunk]]) -> list[float]:
    """The fused score of each candidate (see the module docstring)."""
    lookups = [_Spans(ranking) for ranking in rankings]
    scores = []
    for chunk in candidates:
        ranks = [lookup.best_rank(chunk) for lookup in lookups]
        scores.append(sum(1.0 / (RRF_K + rank) for rank in ranks if rank is not None))
    return scores


@dataclass(frozen=True, slots=True)
class TierFusion:
    """Fuse the tiers' rankings; return chunks of ``target`` (or of any tier: ``"mixed"``).

    Candidates are the top ``depth`` hits of each tier (of ``target`` only, plus
    the ``target`` chunks overlapping them, unless mixed). Equal scores prefer
    the finer tier, then the earlier position. With ``dedup=False`` overlapping
    spans are returned as ranked: a control for the redundancy measure.
    """

    indexes: TierIndexes
    target: str = "mixed"
    depth: int = 50
    dedup: bool = True

    @property
    def name(self) -> str:
        return f"fusion:{self.target}" + ("" if self.dedup else "-nodedup")

    @property
    def deduplicates(self) -> bool:
        return self.dedup

    def search(self, query: str, *, k: int, token_budget: int | None = None) -> list[Chunk]:
        rankings = [
            self.indexes.ranking(tier, query)[: self.depth] for tier in sorted(self.indexes.by_tier)
        ]
        candidates = self._candidates(rankings)
        scores = rrf_scores(candidates, rankings)
        order = sorted(
            range(len(candidates)),
            key=lambda i: (-scores[i], _TIER_ORDER.get(candidates[i].chunk_tier.value, 99), i),
        )
        ranked = [candidates[i] for i in order if scores[i] > 0.0]
        return finish(ranked, k=k, token_budget=token_budget, dedup=self.dedup)

    def _candidates(self, rankings: list[list[Chunk]]) -> list[Chunk]:
        seen: dict[str, Chunk] = {}
        if self.target == "mixed":
            for ranking in rankings:
                seen.update((chunk.id, chunk) for chunk in ranking)
            return list(seen.values())
        index = self.indexes.by_tier.get(self.target)
        if index is None:
            return []
        hits = _Spans([chunk for ranking in rankings for chunk in ranking])
        return [chunk for chunk in index.chunks if hits.best_rank(chunk) is not None]
