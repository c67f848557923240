"""Auto-merging of retrieved hierarchical chunks, as LlamaIndex's auto-merging retriever does."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from eval.peers.chunk import PeerChunk

__all__ = ["auto_merge"]


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
        chunks: every chunk of the hierarchy (to know parents and their child counts).
        ratio: LlamaIndex's ``simple_ratio_thresh`` (default 0.5).
    """
    by_id: dict[str, PeerChunk] = {}
    children: Counter[str] = Counter()
    for chunk in chunks:
        by_id[chunk.id] = chunk
        if chunk.parent_id is not None:
            children[chunk.parent_id] += 1
    result = list(ranked)
    while True:
        present: defaultdict[str, list[int]] = defaultdict(list)
        for position, chunk in enumerate(result):
            if chunk.parent_id is not None:
                present[chunk.parent_id].append(position)
        merging = {
            parent: positions
            for parent, positions in present.items()
            if len(positions) / children[parent] > ratio and parent in by_id
        }
        if not merging:
            return result
        replace = {positions[0]: by_id[parent] for parent, positions in merging.items()}
        dropped = {p for positions in merging.values() for p in positions[1:]}
        result = [
            replace.get(position, chunk)
            for position, chunk in enumerate(result)
            if position not in dropped
        ]
