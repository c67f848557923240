"""BM25 over span units, with ``bm25s``; one index per tier of one user's chunks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Generic, TypeVar

from chunking import Chunk
from eval.retrieval.base import finish
from eval.units import SpanUnit

__all__ = ["BM25Index", "TierBM25", "TierIndexes"]

U = TypeVar("U", bound=SpanUnit)

_INSTALL = "the eval harness needs its extra: pip install 'chat-memory-chunks[eval]'"


def _bm25s() -> Any:
    try:
        import bm25s
    except ImportError as error:
        raise ImportError(f"bm25s is missing; {_INSTALL}") from error
    return bm25s


class BM25Index(Generic[U]):
    """BM25 (bm25s defaults: Lucene variant, k1=1.5, b=0.75, English stopwords).

    Indexes the ``content`` of any span units (our chunks, a peer's chunks).
    :meth:`rank` scores every chunk and returns those with a positive score,
    best first; equal scores keep the chunks' order in ``chunks`` (their
    conversation order and position), so rankings are deterministic.
    """

    def __init__(self, chunks: Sequence[U]) -> None:
        self.chunks = tuple(chunks)
        bm25s = _bm25s()
        self._tokenize = bm25s.tokenize
        self._retriever = bm25s.BM25()
        corpus = self._tokens([chunk.content for chunk in self.chunks])
        if self.chunks:
            self._retriever.index(corpus, show_progress=False)
        self.rank = lru_cache(maxsize=4096)(self._rank)

    def _tokens(self, texts: list[str]) -> list[list[str]]:
        tokens: list[list[str]] = self._tokenize(
            texts, stopwords="en", return_ids=False, show_progress=False
        )
        return tokens

    def _rank(self, query: str) -> tuple[tuple[U, float], ...]:
        import numpy as np

        if not self.chunks:
            return ()
        vocabulary = self._retriever.vocab_dict
        words = [word for word in self._tokens([query])[0] if word in vocabulary]
        if not words:
            return ()
        scores = np.asarray(self._retriever.get_scores(words), dtype=np.float64)
        order = np.lexsort((np.arange(len(scores)), -scores))
        return tuple((self.chunks[int(i)], float(scores[i])) for i in order if scores[i] > 0.0)


@dataclass(frozen=True, slots=True)
class TierIndexes:
    """One BM25 index per tier over one user's chunks, and chunks by id."""

    by_tier: dict[str, BM25Index[Chunk]]
    by_id: dict[str, Chunk]

    @classmethod
    def build(cls, chunks: Sequence[Chunk]) -> TierIndexes:
        grouped: dict[str, list[Chunk]] = {}
        for chunk in chunks:
            grouped.setdefault(chunk.chunk_tier.value, []).append(chunk)
        return cls(
            by_tier={tier: BM25Index(group) for tier, group in grouped.items()},
            by_id={chunk.id: chunk for chunk in chunks},
        )

    def ranking(self, tier: str, query: str) -> list[Chunk]:
        """Chunks of ``tier`` with a positive BM25 score for ``query``, best first."""
        index = self.by_tier.get(tier)
        return [] if index is None else [chunk for chunk, _ in index.rank(query)]


@dataclass(frozen=True, slots=True)
class TierBM25:
    """Flat BM25 over the chunks of one tier."""

    indexes: TierIndexes
    tier: str
    deduplicates: bool = True

    @property
    def name(self) -> str:
        return f"bm25:{self.tier}"

    def search(self, query: str, *, k: int, token_budget: int | None = None) -> list[Chunk]:
        return finish(self.indexes.ranking(self.tier, query), k=k, token_budget=token_budget)
