"""Spans of conversation text: the one span type, its algebra, and retrieval units.

:class:`Span` is characters ``[start, end)`` of one conversation's canonical
text (``chunking.conversation_text``): a gold answer, an evidence turn, or
where a returned unit lies. :func:`union` and :func:`overlap` are the only
interval algebra of the harness; every span and evidence metric is built on
them, so overlapping text is never counted twice anywhere.

Retrieval units are what a retriever indexes and returns, whoever chunked it.

A unit is a span ``[start, end)`` of one conversation's canonical text
(``chunking.conversation_text``) with its content and cl100k token count:
a :class:`chunking.Chunk`, a peer chunk, or a peer chunk labelled with the
messages it overlaps (:class:`LabelledUnit`). Retrievers, ``finish`` and the
span and evidence metrics need only :class:`SpanUnit`; the message-level
metrics (precision, recall, MRR, nDCG) need :class:`MessageUnit`.

Message labels use one rule for every chunker, ours included
(``chunking.chunker``): a unit holds message ``m`` when its span overlaps the
rendered span of ``m`` (label and content, ``render(conv).message_starts[i]``
to ``message_ends[i]``) by at least one character. :func:`label_messages` is
that rule for chunkers that do not record message ids themselves.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from chunking.render import RenderedConversation

__all__ = [
    "LabelledUnit",
    "Located",
    "MessageUnit",
    "Span",
    "SpanUnit",
    "intersection",
    "label_messages",
    "messages_overlapping",
    "overlap",
    "union",
]


class Located(Protocol):
    """Anything that lies at ``[start, end)`` of one conversation's text."""

    @property
    def conversation_id(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """Characters ``[start, end)`` of one conversation's canonical text."""

    conversation_id: str
    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start


def union(spans: Iterable[Located]) -> list[Span]:
    """Merged, sorted, disjoint spans covering exactly the characters of ``spans``.

    >>> union([Span("c", 5, 9), Span("c", 0, 6), Span("d", 0, 1), Span("c", 9, 9)])
    [Span(conversation_id='c', start=0, end=9), Span(conversation_id='d', start=0, end=1)]
    """
    # Plain tuples: they sort by C comparisons, not by Span's generated __lt__
    # (the metrics call this about a million times a run).
    located = sorted((s.conversation_id, s.start, s.end) for s in spans if s.end > s.start)
    merged: list[Span] = []
    for conversation_id, start, end in located:
        last = merged[-1] if merged else None
        if last and last.conversation_id == conversation_id and start <= last.end:
            if end > last.end:
                merged[-1] = Span(conversation_id, last.start, end)
        else:
            merged.append(Span(conversation_id, start, end))
    return merged


def overlap(merged: Sequence[Span], span: Located) -> int:
    """Characters of ``span`` inside ``merged`` (a :func:`union`: disjoint, so none twice)."""
    return sum(
        max(0, min(span.end, m.end) - max(span.start, m.start))
        for m in merged
        if m.conversation_id == span.conversation_id
    )


def intersection(a: Iterable[Located], b: Iterable[Located]) -> int:
    """Characters in both the union of ``a`` and the union of ``b``."""
    merged = union(b)
    return sum(overlap(merged, span) for span in union(a))


class SpanUnit(Located, Protocol):
    """A span of a conversation's canonical text, with its text and token count."""

    @property
    def id(self) -> str: ...
    @property
    def content(self) -> str: ...
    @property
    def token_count(self) -> int: ...


class MessageUnit(SpanUnit, Protocol):
    """A span unit that also names the messages it holds (by overlap, see the module)."""

    @property
    def message_ids(self) -> tuple[str, ...]: ...


@dataclass(frozen=True, slots=True)
class LabelledUnit:
    """Another chunker's span, with the ids of the messages it overlaps.

    Invariant: ``message_ids == messages_overlapping(render(conv), start, end)``
    when built by :func:`label_messages`.
    """

    conversation_id: str
    id: str
    start: int
    end: int
    content: str
    token_count: int
    message_ids: tuple[str, ...]


def messages_overlapping(rendered: RenderedConversation, start: int, end: int) -> tuple[str, ...]:
    """Ids of the rendered messages whose span overlaps ``[start, end)``, in text order.

    >>> from chunking import Conversation, Message
    >>> from chunking.render import render
    >>> conv = Conversation(id="c", title="", messages=(
    ...     Message(id="a", role="user", content="Hi"),
    ...     Message(id="b", role="assistant", content="Hello")))
    >>> rendered = render(conv)
    >>> messages_overlapping(rendered, 0, len(rendered.text))
    ('a', 'b')
    """
    if end <= start:
        return ()
    first = bisect_right(rendered.message_ends, start)
    last = bisect_left(rendered.message_starts, end)
    return tuple(message.id for message in rendered.messages[first:last])


def label_messages(unit: SpanUnit, rendered: RenderedConversation) -> LabelledUnit:
    """``unit`` with the messages of ``rendered`` (its conversation) that it overlaps."""
    return LabelledUnit(
        conversation_id=unit.conversation_id,
        id=unit.id,
        start=unit.start,
        end=unit.end,
        content=unit.content,
        token_count=unit.token_count,
        message_ids=messages_overlapping(rendered, unit.start, unit.end),
    )
