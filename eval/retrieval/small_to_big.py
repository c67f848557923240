"""Small-to-big: rank the ``small`` tier, return the enclosing coarser chunks."""

from __future__ import annotations

from dataclasses import dataclass

from chunking import Chunk
from eval.retrieval.base import finish
from eval.retrieval.bm25 import TierIndexes

__all__ = ["SmallToBig", "ancestor"]


def ancestor(chunk: Chunk, tier: str, by_id: dict[str, Chunk]) -> Chunk | None:
    """The chunk of ``tier`` that contains ``chunk`` (itself if it is of that tier)."""
    current: Chunk | None = chunk
    while current is not None and current.chunk_tier.value != tier:
        current = by_id.get(current.parent_id) if current.parent_id else None
    return current


@dataclass(frozen=True, slots=True)
class SmallToBig:
    """Search ``small`` chunks, return each hit's ``target`` ancestor.

    Parents are deduplicated in rank order: a parent is ranked where its
    best-ranked child is; later children of the same parent add nothing.
    """

    indexes: TierIndexes
    target: str
    search_tier: str = "small"
    deduplicates: bool = True

    @property
    def name(self) -> str:
        return f"small-to-big:{self.target}"

    def search(self, query: str, *, k: int, token_budget: int | None = None) -> list[Chunk]:
        parents: dict[str, Chunk] = {}
        for hit in self.indexes.ranking(self.search_tier, query):
            parent = ancestor(hit, self.target, self.indexes.by_id)
            if parent is not None and parent.id not in parents:
                parents[parent.id] = parent
                if len(parents) >= k:
                    break
        return finish(list(parents.values()), k=k, token_budget=token_budget)
