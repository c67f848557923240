"""Auto-merging of retrieved hierarchical chunks, as LlamaIndex's auto-merging retriever does."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from eval.peers.chunk import PeerChunk

__all__ = ["Hierarchy", "auto_merge"]


@dataclass(frozen=True, slots=True)
class Hierarchy:
    """A chunk hierarchy's chunks by id and each parent's number of children.

    Built once per index (:meth:`of`): a search merges many prefixes of one
    ranking, and counting the children for each cost more than the merging.
    """

    by_id: Mapping[str, PeerChunk]
    children: Mapping[str, int]

    @classmethod
    def of(cls, chunks: Iterable[PeerChunk]) -> Hierarchy:
        """The hierarchy of ``chunks`` (every chunk of it, parents and children)."""
        by_id: dict[str, PeerChunk] = {}
        children: Counter[str] = Counter()
        for chunk in chunks:
            by_id[chunk.id] = chunk
            if chunk.parent_id is not None:
                children[chunk.parent_id] += 1
        return cls(by_id, children)

    def merge(self, ranked: Sequence[PeerChunk], *, ratio: float = 0.5) -> list[PeerChunk]:
        """:func:`auto_merge` of ``ranked`` in this hierarchy."""
        result = list(ranked)
        while True:
            present: defaultdict[str, list[int]] = defaultdict(list)
            for position, chunk in enumerate(result):
                if chunk.parent_id is not None:
                    present[chunk.parent_id].append(position)
            merging = {
                parent: positions
                for parent, positions in present.items()
                if len(positions) / self.children[parent] > ratio and parent in self.by_id
            }
            if not merging:
                return result
            replace = {positions[0]: self.by_id[parent] for parent, positions in merging.items()}
            dropped = {p for positions in merging.values() for p in positions[1:]}
            result = [
                replace.get(position, chunk)
                for position, chunk in enumerate(result)
                if position not in dropped
            ]


def auto_merge(
    ranked: Sequence[PeerChunk], chunks: Iterable[PeerChunk], *, ratio: float = 0.5
) -> list[PeerChunk]:
    """Replace retrieved children by their parent when more than ``ratio`` of them are retrieved.

    A parent with ``n`` children of which ``m`` are in the list, ``m / n > ratio``,
    takes the rank of its best-ranked child and those children leave the list;
    this repeats until nothing merges, so parents can merge into grandparents.
    (LlamaIndex re-sorts merged nodes by mean score; rank lists have no scores,
    so the best child's rank stands for the parent.)

    Args:
        ranked: retrieved chunks, best first.
        chunks: every chunk of the hierarchy (to know parents and their child counts;
            :class:`Hierarchy` holds them for many calls).
        ratio: LlamaIndex's ``simple_ratio_thresh`` (default 0.5).
    """
    return Hierarchy.of(chunks).merge(ranked, ratio=ratio)
