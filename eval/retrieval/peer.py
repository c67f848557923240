"""Peer rows: the same BM25 and ``finish`` over a peer chunker's chunks.

A peer's chunks (:class:`eval.peers.PeerChunk`) are labelled with the messages
they overlap (:func:`eval.units.label_messages`, the rule our chunker uses),
so every metric of the report applies to them as to ours. BM25 indexes the
peer's leaves only (for a flat peer, every chunk), as LlamaIndex's
auto-merging retriever does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from chunking.model import Conversation
from chunking.render import render
from eval.peers.chunk import PeerChunk
from eval.peers.llamaindex import PEER_NAME as LLAMAINDEX
from eval.peers.merging import auto_merge
from eval.retrieval.base import Retriever, dedup_spans, finish
from eval.retrieval.bm25 import BM25Index
from eval.units import LabelledUnit, label_messages

__all__ = ["AUTO_MERGED", "PeerAutoMerge", "PeerBM25", "PeerIndex", "peer_retrievers", "peer_rows"]

AUTO_MERGED = frozenset({LLAMAINDEX})
"""Peers with a hierarchy, which also get an auto-merging row."""


@dataclass(frozen=True, slots=True)
class PeerIndex:
    """BM25 over one peer's leaf chunks of one user's conversations, and every chunk labelled."""

    peer: str
    leaves: BM25Index[PeerChunk]
    chunks: tuple[PeerChunk, ...]
    units: dict[str, LabelledUnit]

    @classmethod
    def build(
        cls, peer: str, chunks: Sequence[PeerChunk], conversations: Iterable[Conversation]
    ) -> PeerIndex:
        """Index ``chunks`` (made by ``peer`` of ``conversations``, which label them)."""
        rendered = {conversation.id: render(conversation) for conversation in conversations}
        return cls(
            peer=peer,
            leaves=BM25Index([chunk for chunk in chunks if chunk.leaf]),
            chunks=tuple(chunks),
            units={c.id: label_messages(c, rendered[c.conversation_id]) for c in chunks},
        )

    def ranking(self, query: str) -> list[PeerChunk]:
        """Leaves with a positive BM25 score for ``query``, best first."""
        return [chunk for chunk, _ in self.leaves.rank(query)]

    def labelled(self, chunks: Iterable[PeerChunk]) -> list[LabelledUnit]:
        return [self.units[chunk.id] for chunk in chunks]


@dataclass(frozen=True, slots=True)
class PeerBM25:
    """Flat BM25 over the peer's leaves, deduplicated and capped like every strategy."""

    index: PeerIndex
    deduplicates: bool = True

    @property
    def name(self) -> str:
        return f"peer:{self.index.peer}"

    def search(self, query: str, *, k: int, token_budget: int | None = None) -> list[LabelledUnit]:
        ranked = self.index.labelled(self.index.ranking(query))
        return finish(ranked, k=k, token_budget=token_budget)


@dataclass(frozen=True, slots=True)
class PeerAutoMerge:
    """Rank leaves, auto-merge them into their parents, then deduplicate and cap.

    Auto-merging replaces children by a parent larger than them, so merging the
    whole ranking would return little but roots. As LlamaIndex merges the top
    retrieved leaves, this merges the longest prefix of the leaf ranking that
    fits: the first ``n`` leaves for ``n = 1, 2, ...`` (at most ``k``) are merged
    (:func:`eval.peers.auto_merge`) and deduplicated, and the last result that
    holds at most ``k`` units and ``token_budget`` tokens is returned (growing
    stops at the first prefix whose result does not fit, as ``cap`` stops).
    """

    index: PeerIndex
    ratio: float = 0.5
    deduplicates: bool = True

    @property
    def name(self) -> str:
        return f"peer:{self.index.peer}+auto-merge"

    def search(self, query: str, *, k: int, token_budget: int | None = None) -> list[LabelledUnit]:
        leaves = self.index.ranking(query)
        best: list[LabelledUnit] = []
        for n in range(1, min(k, len(leaves)) + 1):
            merged = auto_merge(leaves[:n], self.index.chunks, ratio=self.ratio)
            result = dedup_spans(self.index.labelled(merged))
            too_many = len(result) > k
            if too_many or (token_budget is not None and _tokens(result) > token_budget):
                break
            best = result
        return best


def _tokens(units: Iterable[LabelledUnit]) -> int:
    return sum(unit.token_count for unit in units)


def peer_rows(peer: str) -> tuple[str, ...]:
    """The report rows of ``peer``: ``peer:<name>``, plus ``+auto-merge`` for a hierarchy."""
    rows = (f"peer:{peer}",)
    return (*rows, f"peer:{peer}+auto-merge") if peer in AUTO_MERGED else rows


def peer_retrievers(index: PeerIndex) -> list[Retriever]:
    """The retrievers of :func:`peer_rows`, in the same order."""
    retrievers: list[Retriever] = [PeerBM25(index)]
    if index.peer in AUTO_MERGED:
        retrievers.append(PeerAutoMerge(index))
    return retrievers
