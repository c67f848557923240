"""Evidence scoring: how much of the answering turns a ranked list of returned spans covers.

A returned span is any object with ``conversation_id``, ``start``, ``end``
(character offsets into ``chunking.conversation_text`` of its conversation) and
``token_count`` — a :class:`chunking.Chunk`, a peer chunk, a retrieval result.
An evidence turn is the rendered span of a gold message, label included
(``render(conv).message_starts[i]:message_ends[i]``).

Returned spans are first cut to a context budget (:func:`take_within_budget`);
coverage is then measured on the *union* of their characters, so overlapping
spans are never counted twice. Notation used in the formulas: ``R`` is the set
of characters (conversation, offset) of the union of the returned spans, ``E_i``
those of evidence turn ``i`` and ``E`` the union of the ``E_i``, ``n`` the number
of evidence turns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from chunking.model import Conversation
from chunking.render import render
from chunking.tokens import Tokenizer
from eval.errors import EmptyEvidenceError, UnknownEvidenceError
from eval.units import SpanUnit

__all__ = [
    "EvidenceScores",
    "EvidenceSpan",
    "char_precision",
    "evidence_spans",
    "score_evidence",
    "span_recall",
    "strict_recall",
    "take_within_budget",
    "token_precision",
]


S = TypeVar("S", bound=SpanUnit)


@dataclass(frozen=True, slots=True)
class EvidenceSpan:
    """The rendered span ``[start, end)`` of one gold message."""

    conversation_id: str
    message_id: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class EvidenceScores:
    """The scores of one query's returned spans (see the functions of the same names)."""

    span_recall: float
    strict_recall: float
    char_precision: float
    context_tokens: int
    results: int


def evidence_spans(
    conversation: Conversation, message_ids: Iterable[str]
) -> tuple[EvidenceSpan, ...]:
    """The rendered spans of ``message_ids`` in ``conversation``, in the order given.

    Raises:
        UnknownEvidenceError: an id that is not a rendered (non-blank) message.
    """
    rendered = render(conversation)
    where = {m.id: i for i, m in enumerate(rendered.messages)}
    spans = []
    for message_id in message_ids:
        if message_id not in where:
            raise UnknownEvidenceError(
                f"conversation {conversation.id!r}: evidence id {message_id!r} is not a rendered "
                "message; check the dataset's evidence ids (blank messages are not rendered)"
            )
        i = where[message_id]
        spans.append(
            EvidenceSpan(conversation.id, message_id, rendered.message_starts[i],
                         rendered.message_ends[i])
        )  # fmt: skip
    return tuple(spans)


def take_within_budget(
    ranked: Iterable[S], *, budget: int | None = None, k: int | None = None
) -> list[S]:
    """The longest prefix of ``ranked`` with at most ``k`` spans and ``budget`` tokens.

    Spans are taken in rank order and taking stops at the first span that would
    push the sum of ``token_count`` over ``budget`` (later, smaller spans are not
    taken instead). ``None`` means no limit. Overlapping spans each cost their
    tokens: that is what a prompt built from them would hold.

    >>> take_within_budget([], budget=512)
    []
    """
    taken: list[S] = []
    used = 0
    for span in ranked:
        if k is not None and len(taken) >= k:
            break
        if budget is not None and used + span.token_count > budget:
            break
        taken.append(span)
        used += span.token_count
    return taken


def span_recall(returned: Iterable[SpanUnit], evidence: Sequence[EvidenceSpan]) -> float:
    """Mean share of each evidence turn's characters that the returned text covers.

    ``span_recall = (1/n) * sum_i |R ∩ E_i| / |E_i|``. A turn cut into pieces
    scores the share of its characters that was returned.

    Raises:
        EmptyEvidenceError: ``evidence`` is empty (recall is undefined).
    """
    union = _union(returned)
    return _mean(_covered(union, e) / (e.end - e.start) for e in _checked(evidence))


def strict_recall(returned: Iterable[SpanUnit], evidence: Sequence[EvidenceSpan]) -> float:
    """Share of evidence turns returned whole.

    ``strict_recall = (1/n) * #{i : E_i ⊆ R}``: a turn counts only if every one
    of its characters is in the union of the returned spans (several returned
    pieces that together hold the whole turn count; one fragment does not).

    Raises:
        EmptyEvidenceError: ``evidence`` is empty (recall is undefined).
    """
    union = _union(returned)
    return _mean(float(_covered(union, e) == e.end - e.start) for e in _checked(evidence))


def char_precision(returned: Iterable[SpanUnit], evidence: Sequence[EvidenceSpan]) -> float:
    """Share of the returned characters that belong to evidence turns.

    ``char_precision = |R ∩ E| / |R|``, counted in characters (not tokens: spans
    carry no token offsets, and characters make the figure independent of the
    tokenizer). Each returned character counts once however many spans hold it.
    Nothing returned gives ``0.0``.
    """
    union = _union(returned)
    total = sum(end - start for intervals in union.values() for start, end in intervals)
    if not total:
        return 0.0
    evidence_union = _union(evidence)
    inside = sum(
        _overlap(union.get(conversation, []), start, end)
        for conversation, intervals in evidence_union.items()
        for start, end in intervals
    )
    return inside / total


def token_precision(
    returned: Sequence[SpanUnit], evidence: Sequence[EvidenceSpan], tokenizer: Tokenizer
) -> float:
    """Share of the returned tokens that belong to evidence turns.

    ``token_precision = tokens(R ∩ E) / sum_r token_count(r)``: the numerator
    counts, once, the cl100k tokens of each maximal run of returned evidence
    text (a turn returned in two pieces is counted as its joined text); the
    denominator is what a prompt built from the returned spans pays (text
    returned twice is paid twice). Nothing returned gives ``0.0``.
    """
    paid = sum(span.token_count for span in returned)
    if not paid:
        return 0.0
    by_conversation: defaultdict[str, list[SpanUnit]] = defaultdict(list)
    for span in returned:
        by_conversation[span.conversation_id].append(span)
    evidence_union = _union(evidence)
    inside = 0
    for conversation, spans in by_conversation.items():
        spans.sort(key=lambda s: s.start)
        for lo, hi in _union(spans).get(conversation, []):
            for start, end in evidence_union.get(conversation, []):
                a, b = max(lo, start), min(hi, end)
                if a < b:
                    inside += tokenizer.count(_returned_text(spans, a, b))
    return inside / paid


def _returned_text(spans: Sequence[SpanUnit], start: int, end: int) -> str:
    """The text ``[start, end)``, covered without gaps by ``spans`` (sorted by start)."""
    parts, at = [], start
    for span in spans:
        if span.end <= at or span.start > at:
            continue
        upto = min(end, span.end)
        parts.append(span.content[at - span.start : upto - span.start])
        at = upto
        if at >= end:
            break
    return "".join(parts)


def score_evidence(
    ranked: Sequence[SpanUnit],
    evidence: Sequence[EvidenceSpan],
    *,
    budget: int | None = None,
    k: int | None = None,
) -> EvidenceScores:
    """All the scores of ``ranked`` after :func:`take_within_budget` with ``budget`` and ``k``."""
    taken = take_within_budget(ranked, budget=budget, k=k)
    return EvidenceScores(
        span_recall=span_recall(taken, evidence),
        strict_recall=strict_recall(taken, evidence),
        char_precision=char_precision(taken, evidence),
        context_tokens=sum(span.token_count for span in taken),
        results=len(taken),
    )


class _Span(Protocol):
    @property
    def conversation_id(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


def _union(spans: Iterable[_Span]) -> dict[str, list[tuple[int, int]]]:
    """Per conversation, the sorted disjoint intervals covering ``spans``."""
    grouped: defaultdict[str, list[tuple[int, int]]] = defaultdict(list)
    for span in spans:
        if span.end > span.start:
            grouped[span.conversation_id].append((span.start, span.end))
    merged: dict[str, list[tuple[int, int]]] = {}
    for conversation, intervals in grouped.items():
        out: list[tuple[int, int]] = []
        for start, end in sorted(intervals):
            if out and start <= out[-1][1]:
                out[-1] = (out[-1][0], max(out[-1][1], end))
            else:
                out.append((start, end))
        merged[conversation] = out
    return merged


def _covered(union: dict[str, list[tuple[int, int]]], span: EvidenceSpan) -> int:
    return _overlap(union.get(span.conversation_id, []), span.start, span.end)


def _overlap(intervals: list[tuple[int, int]], start: int, end: int) -> int:
    return sum(max(0, min(end, hi) - max(start, lo)) for lo, hi in intervals)


def _checked(evidence: Sequence[EvidenceSpan]) -> Sequence[EvidenceSpan]:
    if not evidence:
        raise EmptyEvidenceError("no evidence spans: recall is undefined for an empty gold set")
    return evidence


def _mean(values: Iterable[float]) -> float:
    items = list(values)
    return sum(items) / len(items)
