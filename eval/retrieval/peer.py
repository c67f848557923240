"""Peer rows: the same BM25 and ``finish`` over a peer chunker's chunks.

A peer's chunks (:class:`eval.peers.PeerChunk`) are labelled with the messages
they overlap (:func:`eval.spans.label_messages`, the rule our chunker uses),
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
from eval.peers.merging import Hierarchy
from eval.retrieval.base import Retriever, dedup_spans, finish
from eval.retrieval.bm25 import BM25Index
from eval.retrieval.context import DEFAULT_WEIGHTS, ContextRanker, ContextWeights
from eval.retrieval.text import DEFAULT_ANALYZER, Analyzer, MessageDates, indexed_text
from eval.retrieval.turns import Messages, TurnRanker
from eval.spans import LabelledUnit, MessageUnit, label_messages

__all__ = [
    "AUTO_MERGED",
    "PeerAutoMerge",
    "PeerBM25",
    "PeerContext",
    "PeerIndex",
    "PeerTurns",
    "peer_retrievers",
    "peer_rows",
]

AUTO_MERGED = frozenset({LLAMAINDEX})
"""Peers with a hierarchy, which also get an auto-merging row."""


@dataclass(frozen=True, slots=True)
class PeerIndex:
    """BM25 over one peer's leaf chunks of one user's conversations, and every chunk labelled.

    The leaves are indexed exactly as our chunks are (same analyzer, same
    message dates, through the messages each leaf overlaps); ``parents`` indexes
    the chunks that are a leaf's parent (empty for a flat peer), for the
    context row.
    """

    peer: str
    leaves: BM25Index[PeerChunk]
    parents: BM25Index[PeerChunk]
    chunks: tuple[PeerChunk, ...]
    units: dict[str, LabelledUnit]
    messages: Messages
    hierarchy: Hierarchy

    @classmethod
    def build(
        cls,
        peer: str,
        chunks: Sequence[PeerChunk],
        conversations: Iterable[Conversation],
        *,
        analyzer: Analyzer = DEFAULT_ANALYZER,
        dates: MessageDates | None = None,
        messages: Messages | None = None,
    ) -> PeerIndex:
        """Index ``chunks`` (made by ``peer`` of ``conversations``, which label them).

        ``messages`` are those of ``conversations`` when the caller has built
        them already (:meth:`Messages.build`, same analyzer and dates).
        """
        conversations = tuple(conversations)
        if messages is None:
            messages = Messages.build(conversations, analyzer=analyzer, dates=dates)
        rendered = {conversation.id: render(conversation) for conversation in conversations}
        units = {c.id: label_messages(c, rendered[c.conversation_id]) for c in chunks}
        leaves = [chunk for chunk in chunks if chunk.leaf]
        parent_ids = {chunk.parent_id for chunk in leaves}
        parents = [chunk for chunk in chunks if chunk.id in parent_ids]

        def text(chunk: PeerChunk) -> str:
            return indexed_text(units[chunk.id], dates)

        return cls(
            peer=peer,
            leaves=BM25Index(leaves, analyzer=analyzer, text=text),
            parents=BM25Index(parents, analyzer=analyzer, text=text),
            chunks=tuple(chunks),
            units=units,
            messages=messages,
            hierarchy=Hierarchy.of(chunks),
        )

    def ranking(self, query: str) -> list[PeerChunk]:
        """Leaves with a positive BM25 score for ``query``, best first."""
        return [chunk for chunk, _ in self.leaves.rank(query)]

    def labelled(self, chunks: Iterable[PeerChunk]) -> list[LabelledUnit]:
        return [self.units[chunk.id] for chunk in chunks]


@dataclass(frozen=True, slots=True)
class PeerBM25:
    """Flat BM25 over the peer's leaves, capped like every strategy.

    Leaves are returned as ranked, overlaps included: a peer whose leaves
    overlap (LlamaIndex's share 20 tokens) would lose a mostly new leaf to
    :func:`~eval.retrieval.base.dedup_spans`, which drops a unit overlapping a
    better-ranked one whole. Its overlap costs budget instead, as it would in a
    prompt, and shows in the ``redundancy`` figure.
    """

    index: PeerIndex
    deduplicates: bool = False

    @property
    def name(self) -> str:
        return f"peer:{self.index.peer}"

    def search(self, query: str, *, k: int, token_budget: int | None = None) -> list[LabelledUnit]:
        ranked = self.index.labelled(self.index.ranking(query))
        return finish(ranked, k=k, token_budget=token_budget, dedup=False)


class PeerContext:
    """The peer's leaves ranked by the context score (:mod:`eval.retrieval.context`).

    The same formula and weights as ``context:small``: a leaf with its parent
    (hierarchical peers) and its neighbours, so that the comparison with our
    best row is of chunkers, not of ranking formulas. Returned like
    :class:`PeerBM25` (overlaps kept).
    """

    deduplicates = False

    def __init__(self, index: PeerIndex, weights: ContextWeights = DEFAULT_WEIGHTS) -> None:
        self.index = index
        coarse = index.parents if index.parents.chunks else None
        self.ranker = ContextRanker(index.leaves, coarse, _parent_id, weights)

    @property
    def name(self) -> str:
        return f"peer:{self.index.peer}+context"

    def search(self, query: str, *, k: int, token_budget: int | None = None) -> list[LabelledUnit]:
        ranked = self.index.labelled(self.ranker.rank(query))
        return finish(ranked, k=k, token_budget=token_budget, dedup=False)


def _parent_id(chunk: PeerChunk) -> str | None:
    return chunk.parent_id


class PeerTurns:
    """The messages of the peer's leaves, ranked as ``turns:small`` ranks ours.

    The leaves are scored by :class:`PeerContext`'s ranker (same formula and
    weights; ``context``'s own when given, rather than a second one), and each
    message by the best leaf that holds it (:mod:`eval.retrieval.turns`), so the
    row differs from ours only in the chunks.
    """

    deduplicates = True

    def __init__(self, index: PeerIndex, context: PeerContext | None = None) -> None:
        self.index = index
        ranker = (context or PeerContext(index)).ranker
        units = index.units
        self.turns = TurnRanker(ranker, index.messages, lambda c: units[c.id])

    @property
    def name(self) -> str:
        return f"peer:{self.index.peer}+turns"

    def search(self, query: str, *, k: int, token_budget: int | None = None) -> list[MessageUnit]:
        return self.turns.search(query, k=k, token_budget=token_budget)


@dataclass(frozen=True, slots=True)
class PeerAutoMerge:
    """Rank leaves, auto-merge them into their parents, then deduplicate and cap.

    Auto-merging replaces children by a parent larger than them, so merging the
    whole ranking would return little but roots. As LlamaIndex merges the top
    retrieved leaves, this merges the longest prefix of the leaf ranking that
    fits: the first ``n`` leaves for ``n = 1, 2, ...`` (at most ``k``) are merged
    (:func:`eval.peers.auto_merge`, in the index's :class:`~eval.peers.merging.Hierarchy`)
    and deduplicated, and the last result that
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
            merged = self.index.hierarchy.merge(leaves[:n], ratio=self.ratio)
            result = dedup_spans(self.index.labelled(merged))
            too_many = len(result) > k
            if too_many or (token_budget is not None and _tokens(result) > token_budget):
                break
            best = result
        return best


def _tokens(units: Iterable[LabelledUnit]) -> int:
    return sum(unit.token_count for unit in units)


def peer_rows(peer: str) -> tuple[str, ...]:
    """The rows of ``peer``: plain, ``+context``, ``+turns``, ``+auto-merge`` for a hierarchy."""
    rows = (f"peer:{peer}", f"peer:{peer}+context", f"peer:{peer}+turns")
    return (*rows, f"peer:{peer}+auto-merge") if peer in AUTO_MERGED else rows


def peer_retrievers(index: PeerIndex) -> list[Retriever]:
    """The retrievers of :func:`peer_rows`, in the same order."""
    context = PeerContext(index)
    retrievers: list[Retriever] = [PeerBM25(index), context, PeerTurns(index, context)]
    if index.peer in AUTO_MERGED:
        retrievers.append(PeerAutoMerge(index))
    return retrievers
