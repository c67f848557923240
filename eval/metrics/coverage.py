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
from typing import TypeVar

from chunking.model import Conversation
from chunking.render import render
from chunking.tokens import Tokenizer
from eval.errors import EmptyEvidenceError, UnknownEvidenceError
from eval.spans import Span, SpanUnit, overlap, union

__all__ = [
    "EvidenceScores",
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
class EvidenceScores:
    """The scores of one query's returned spans (see the functions of the same names)."""

    span_recall: float
    strict_recall: float
    char_precision: float
    context_tokens: int
    results: int


def evidence_spans(conversation: Conversation, message_ids: Iterable[str]) -> tuple[Span, ...]:
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
        spans.append(Span(conversation.id, rendered.message_starts[i], rendered.message_ends[i]))
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


def span_recall(returned: Iterable[SpanUnit], evidence: Sequence[Span]) -> float:
    """Mean share of each evidence turn's characters that the returned text covers.

    ``span_recall = (1/n) * sum_i |R ∩ E_i| / |E_i|``. A turn cut into pieces
    scores the share of its characters that was returned.

    Raises:
        EmptyEvidenceError: ``evidence`` is empty (recall is undefined).
    """
    merged = union(returned)
    return _mean(overlap(merged, e) / e.length for e in _checked(evidence))


def strict_recall(returned: Iterable[SpanUnit], evidence: Sequence[Span]) -> float:
    """Share of evidence turns returned whole.

    ``strict_recall = (1/n) * #{i : E_i ⊆ R}``: a turn counts only if every one
    of its characters is in the union of the returned spans (several returned
    pieces that together hold the whole turn count; one fragment does not).

    Raises:
        EmptyEvidenceError: ``evidence`` is empty (recall is undefined).
    """
    merged = union(returned)
    return _mean(float(overlap(merged, e) == e.length) for e in _checked(evidence))


def char_precision(returned: Iterable[SpanUnit], evidence: Sequence[Span]) -> float:
    """Share of the returned characters that belong to evidence turns.

    ``char_precision = |R ∩ E| / |R|``, counted in characters (not tokens: spans
    carry no token offsets, and characters make the figure independent of the
    tokenizer). Each returned character counts once however many spans hold it.
    Nothing returned gives ``0.0``.
    """
    merged = union(returned)
    total = sum(span.length for span in merged)
    if not total:
        return 0.0
    return sum(overlap(merged, e) for e in union(evidence)) / total


def token_precision(
    returned: Sequence[SpanUnit], evidence: Sequence[Span], tokenizer: Tokenizer
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
    evidence_union = union(evidence)
    inside = 0
    for conversation, spans in by_conversation.items():
        spans.sort(key=lambda s: s.start)
        for run in union(spans):
            for e in evidence_union:
                a, b = max(run.start, e.start), min(run.end, e.end)
                if e.conversation_id == conversation and a < b:
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
    evidence: Sequence[Span],
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


def _checked(evidence: Sequence[Span]) -> Sequence[Span]:
    if not evidence:
        raise EmptyEvidenceError("no evidence spans: recall is undefined for an empty gold set")
    return evidence


def _mean(values: Iterable[float]) -> float:
    items = list(values)
    return sum(items) / len(items)
