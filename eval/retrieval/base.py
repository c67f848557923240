"""The retrieval interface and what every strategy does before returning.

A strategy ranks units (:class:`eval.spans.SpanUnit`: our chunks or a peer's)
for a query; :func:`finish` then removes units whose span overlaps a
better-ranked one (so no character is returned twice) and caps the list by
``k`` and by a context-token budget.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol, TypeVar

from eval.metrics.coverage import take_within_budget
from eval.spans import MessageUnit, SpanUnit

__all__ = ["Retriever", "cap", "dedup_spans", "finish"]

U = TypeVar("U", bound=SpanUnit)


class Retriever(Protocol):
    """A retrieval strategy over one user's chunks (ours or a peer chunker's).

    Results carry ``message_ids`` so that every metric applies; a peer's units
    get them by :func:`eval.spans.label_messages`, the rule our chunker uses.
    """

    @property
    def name(self) -> str:
        """The strategy's name in reports (a key of ``STRATEGIES``)."""
        ...

    @property
    def deduplicates(self) -> bool:
        """Whether overlapping spans are removed before returning."""
        ...

    def search(
        self, query: str, *, k: int, token_budget: int | None = None
    ) -> Sequence[MessageUnit]:
        """The best units for ``query``, best first.

        Invariants: at most ``k`` chunks; their ``token_count`` sum is at most
        ``token_budget`` (when given); when ``deduplicates``, no two returned
        chunks of one conversation overlap.
        """
        ...


def dedup_spans(chunks: Iterable[U]) -> list[U]:
    """Keep chunks in order, dropping any that overlaps an earlier kept one.

    Two chunks overlap when they belong to the same conversation and their
    spans ``[start, end)`` intersect. A later chunk that would add new text
    but also repeat some is dropped whole: returned context never repeats.

    >>> from chunking import Conversation, Message, chunk_conversations
    >>> hi = Message(id="m", role="user", content="Hi")
    >>> conv = Conversation(id="c", title="", messages=(hi,))
    >>> large, medium, small = chunk_conversations([conv])
    >>> [c.chunk_tier.value for c in dedup_spans([small, large, medium])]
    ['small']
    """
    return list(iter_dedup(chunks))


def iter_dedup(chunks: Iterable[U]) -> Iterator[U]:
    """:func:`dedup_spans`, lazily: a capped search reads only the ranking's head."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for chunk in chunks:
        taken = spans.setdefault(chunk.conversation_id, [])
        if any(chunk.start < end and start < chunk.end for start, end in taken):
            continue
        taken.append((chunk.start, chunk.end))
        yield chunk


def cap(chunks: Iterable[U], *, k: int, token_budget: int | None = None) -> list[U]:
    """The first chunks in order, at most ``k``, stopping before the budget is exceeded.

    Chunks are taken in rank order until the next one would make the sum of
    ``token_count`` exceed ``token_budget``; that chunk and all after it are
    left out (no skipping ahead to a smaller one, which would reorder ranks).
    """
    return take_within_budget(chunks, budget=token_budget, k=k)


def finish(ranked: Sequence[U], *, k: int, token_budget: int | None, dedup: bool = True) -> list[U]:
    """What every strategy returns: ``ranked`` deduplicated, then capped."""
    return cap(iter_dedup(ranked) if dedup else ranked, k=k, token_budget=token_budget)
