"""Context scoring: rank fine chunks by their own match, their parent's and their neighbours'.

What is indexed need not be what is returned. A small chunk (96 tokens) is the right
size to return (many fit in a context budget), but often too short to match a
question by itself: the question's words are spread over the turns around the
answer. So each chunk of the fine tier is scored with its surroundings::

    score(c) = n(c) + parent_weight * n_parent(parent(c))
                    + neighbour_weight * (n(prev(c)) + n(next(c))) / 2

where ``n(x)`` is the BM25 score of ``x`` divided by the best score of its
index for this query (0 when nothing matches), ``parent(c)`` the enclosing
chunk of the next coarser level, and ``prev``/``next`` the adjacent chunks of
the same conversation. The chunks returned are the fine ones, best first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Any, Generic, TypeVar

from chunking import Chunk
from eval.retrieval.base import finish
from eval.retrieval.bm25 import BM25Index, TierIndexes
from eval.spans import SpanUnit

__all__ = ["DEFAULT_WEIGHTS", "ContextBM25", "ContextRanker", "ContextWeights"]

U = TypeVar("U", bound=SpanUnit)


@dataclass(frozen=True, slots=True, kw_only=True)
class ContextWeights:
    """The weights of the formula in the module docstring (chosen by ``make eval SWEEP=1``)."""

    parent: float = 0.5
    neighbours: float = 0.6

    def __post_init__(self) -> None:
        for name in ("parent", "neighbours"):
            value = getattr(self, name)
            if not value >= 0.0:
                raise ValueError(f"context weight {name!r} must be >= 0, got {value!r}")


DEFAULT_WEIGHTS = ContextWeights()
"""The weights of ``context:small`` and of the peers' ``+context`` rows."""


class ContextRanker(Generic[U]):
    """Ranks the units of ``fine`` by the context score.

    Neighbours are the units just before and after in text order (by
    conversation, then ``start``), whatever the order of ``fine``'s units.

    Args:
        fine: the index of the units to return.
        coarse: the index of their parents, or ``None`` (no parent term).
        parent_of: the id of a unit's parent (``None`` when it has none).
        weights: the formula's weights.
    """

    def __init__(
        self,
        fine: BM25Index[U],
        coarse: BM25Index[Any] | None,
        parent_of: Callable[[U], str | None],
        weights: ContextWeights,
    ) -> None:
        import numpy as np

        self.fine, self.coarse, self.weights = fine, coarse, weights
        units = fine.chunks
        where = {unit.id: i for i, unit in enumerate(coarse.chunks)} if coarse else {}
        self._parent = np.array([where.get(parent_of(u) or "", -1) for u in units], dtype=np.int64)
        order = sorted(range(len(units)), key=lambda i: (units[i].conversation_id, units[i].start))
        self._prev = np.full(len(units), -1, dtype=np.int64)
        self._next = np.full(len(units), -1, dtype=np.int64)
        for a, b in pairwise(order):
            if units[a].conversation_id == units[b].conversation_id:
                self._next[a], self._prev[b] = b, a
        self.rank = lru_cache(maxsize=4096)(self._rank)

    def scores(self, query: str) -> Any:
        """The context score of every unit of ``fine``, in unit order."""
        import numpy as np

        own = _normalised(self.fine.scores(query))
        total = own.copy()
        if self.weights.neighbours and len(own) > 1:
            around = np.where(self._prev >= 0, own[self._prev], 0.0)
            around += np.where(self._next >= 0, own[self._next], 0.0)
            total += self.weights.neighbours * around / 2.0
        if self.coarse is not None and self.weights.parent:
            parent = _normalised(self.coarse.scores(query))
            has = self._parent >= 0
            total[has] += self.weights.parent * parent[self._parent[has]]
        return total

    def _rank(self, query: str) -> tuple[U, ...]:
        import numpy as np

        scores = self.scores(query)
        order = np.lexsort((np.arange(len(scores)), -scores))
        return tuple(self.fine.chunks[int(i)] for i in order if scores[i] > 0.0)


def _normalised(scores: Any) -> Any:
    best = float(scores.max()) if len(scores) else 0.0
    return scores / best if best > 0.0 else scores.copy()


class ContextBM25:
    """Chunks of ``tier`` ranked by the context score; their parents are in ``parent_tier``."""

    deduplicates = True

    def __init__(
        self,
        indexes: TierIndexes,
        tier: str = "small",
        *,
        parent_tier: str = "medium",
        weights: ContextWeights = DEFAULT_WEIGHTS,
    ) -> None:
        self.tier = tier
        fine = indexes.by_tier.get(tier) or BM25Index[Chunk](())
        self.ranker = ContextRanker(fine, indexes.by_tier.get(parent_tier), _parent_id, weights)

    @property
    def name(self) -> str:
        return f"context:{self.tier}"

    def search(self, query: str, *, k: int, token_budget: int | None = None) -> list[Chunk]:
        return finish(list(self.ranker.rank(query)), k=k, token_budget=token_budget)


def _parent_id(chunk: Chunk) -> str | None:
    return chunk.parent_id
