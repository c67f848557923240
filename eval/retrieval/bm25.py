"""BM25 over span units, with ``bm25s``; one index per tier of one user's chunks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from chunking import Chunk
from eval.errors import import_extra
from eval.retrieval.base import finish
from eval.retrieval.text import (
    DEFAULT_ANALYZER,
    Analyzer,
    MessageDates,
    indexed_text,
)
from eval.spans import SpanUnit

if TYPE_CHECKING:  # turns builds on this module; the annotation alone points back
    from eval.retrieval.turns import Messages

__all__ = ["BM25Index", "TierBM25", "TierIndexes"]

U = TypeVar("U", bound=SpanUnit)


class BM25Index(Generic[U]):
    """BM25 (bm25s defaults: Lucene variant, k1=1.5, b=0.75) over span units.

    Indexes :func:`~eval.retrieval.text.indexed_text` of any span units (our
    chunks, a peer's chunks), cut into terms by ``analyzer``. :meth:`rank`
    returns the units with a positive score, best first; equal scores keep the
    units' order (their conversation order and position), so rankings are
    deterministic. :meth:`scores` gives every unit's score, in unit order.
    """

    def __init__(
        self,
        chunks: Sequence[U],
        *,
        analyzer: Analyzer = DEFAULT_ANALYZER,
        dates: MessageDates | None = None,
        text: Callable[[U], str] | None = None,
    ) -> None:
        self.chunks = tuple(chunks)
        self.analyzer = analyzer
        self._retriever = import_extra("bm25s").BM25()
        indexed = text or (lambda unit: indexed_text(unit, dates))
        if self.chunks:
            self._retriever.index(
                analyzer.terms([indexed(chunk) for chunk in self.chunks]), show_progress=False
            )
        self.scores = lru_cache(maxsize=4096)(self._scores)
        self.rank = lru_cache(maxsize=4096)(self._rank)

    def _scores(self, query: str) -> Any:
        """Every unit's score for ``query``: a read-only numpy array (zeros: no match)."""
        import numpy as np

        scores = np.zeros(len(self.chunks), dtype=np.float64)
        if self.chunks:
            vocabulary = self._retriever.vocab_dict
            words = [word for word in self.analyzer.terms([query])[0] if word in vocabulary]
            if words:
                scores = np.asarray(self._retriever.get_scores(words), dtype=np.float64)
        scores.flags.writeable = False
        return scores

    def _rank(self, query: str) -> tuple[tuple[U, float], ...]:
        import numpy as np

        scores = self.scores(query)
        order = np.lexsort((np.arange(len(scores)), -scores))
        return tuple((self.chunks[int(i)], float(scores[i])) for i in order if scores[i] > 0.0)


@dataclass(frozen=True, slots=True)
class TierIndexes:
    """One BM25 index per tier over one user's chunks, chunks by id, and their messages.

    ``messages`` are the messages of the conversations the chunks were made of
    (:class:`eval.retrieval.turns.Messages`, built once per user and shared with
    the peers' rows), for strategies that return messages (``turns:small``);
    ``None`` when the caller has none.
    """

    by_tier: dict[str, BM25Index[Chunk]]
    by_id: dict[str, Chunk]
    messages: Messages | None = None

    @classmethod
    def build(
        cls,
        chunks: Sequence[Chunk],
        *,
        analyzer: Analyzer = DEFAULT_ANALYZER,
        dates: MessageDates | None = None,
        messages: Messages | None = None,
    ) -> TierIndexes:
        """Index ``chunks`` by tier; ``dates`` (see ``indexed_text``) adds their messages' days."""
        grouped: dict[str, list[Chunk]] = {}
        for chunk in chunks:
            grouped.setdefault(chunk.chunk_tier.value, []).append(chunk)
        return cls(
            by_tier={
                tier: BM25Index(group, analyzer=analyzer, dates=dates)
                for tier, group in grouped.items()
            },
            by_id={chunk.id: chunk for chunk in chunks},
            messages=messages,
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
