"""Evidence scoring against a slow character-set reference and hand-made cases."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chunking import Conversation, Message, conversation_text
from eval.errors import EmptyEvidenceError, UnknownEvidenceError
from eval.metrics.coverage import (
    char_precision,
    evidence_spans,
    score_evidence,
    span_recall,
    strict_recall,
    take_within_budget,
)
from eval.spans import Span


@dataclass(frozen=True)
class Returned:
    conversation_id: str
    start: int
    end: int
    token_count: int = 10


def chars(spans):
    """Slow reference: the set of (conversation, offset) characters of ``spans``."""
    return {(s.conversation_id, i) for s in spans for i in range(s.start, s.end)}


def reference_span_recall(returned, evidence):
    got = chars(returned)
    return sum(len(chars([e]) & got) / len(chars([e])) for e in evidence) / len(evidence)


def reference_strict_recall(returned, evidence):
    got = chars(returned)
    return sum(chars([e]) <= got for e in evidence) / len(evidence)


def reference_precision(returned, evidence):
    got = chars(returned)
    return len(got & chars(evidence)) / len(got) if got else 0.0


conversation_ids = st.sampled_from(["a", "b"])
returned_spans = st.builds(
    lambda c, s, n: Returned(c, s, s + n), conversation_ids, st.integers(0, 60), st.integers(0, 25)
)
evidence_turns = st.builds(
    lambda c, s, n: Span(c, s, s + n),
    conversation_ids,
    st.integers(0, 60),
    st.integers(1, 25),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(returned_spans, max_size=8), st.lists(evidence_turns, min_size=1, max_size=4))
def test_scores_equal_the_character_set_reference(returned, evidence):
    assert span_recall(returned, evidence) == pytest.approx(
        reference_span_recall(returned, evidence)
    )
    assert strict_recall(returned, evidence) == reference_strict_recall(returned, evidence)
    assert char_precision(returned, evidence) == pytest.approx(
        reference_precision(returned, evidence)
    )


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(0, 300), max_size=10),
    st.none() | st.integers(0, 1000),
    st.none() | st.integers(0, 12),
)
def test_budget_takes_the_longest_fitting_prefix(costs, budget, k):
    ranked = [Returned("a", i, i + 1, cost) for i, cost in enumerate(costs)]
    taken = take_within_budget(ranked, budget=budget, k=k)
    assert taken == ranked[: len(taken)]
    assert budget is None or sum(s.token_count for s in taken) <= budget
    assert k is None or len(taken) <= k
    if len(taken) < len(ranked) and (k is None or len(taken) < k):
        assert budget is not None
        assert sum(s.token_count for s in ranked[: len(taken) + 1]) > budget


def test_budget_stops_at_the_first_span_that_does_not_fit():
    ranked = [Returned("a", 0, 1, 300), Returned("a", 1, 2, 300), Returned("a", 2, 3, 10)]
    assert take_within_budget(ranked, budget=512) == ranked[:1]
    assert take_within_budget(ranked, budget=600) == ranked[:2]
    assert take_within_budget(ranked, k=1) == ranked[:1]
    assert take_within_budget(ranked) == ranked


def test_a_fragment_scores_its_share_but_not_strictly():
    evidence = [Span("a", 10, 30)]
    fragment = [Returned("a", 0, 20)]
    assert span_recall(fragment, evidence) == 0.5
    assert strict_recall(fragment, evidence) == 0.0
    assert char_precision(fragment, evidence) == 0.5


def test_pieces_that_together_hold_the_turn_count_strictly():
    evidence = [Span("a", 10, 30)]
    pieces = [Returned("a", 20, 35), Returned("a", 5, 20)]
    assert strict_recall(pieces, evidence) == 1.0
    assert span_recall(pieces, evidence) == 1.0


def test_overlapping_spans_are_not_counted_twice():
    evidence = [Span("a", 0, 10)]
    same_twice = [Returned("a", 0, 20), Returned("a", 0, 20), Returned("a", 5, 15)]
    assert char_precision(same_twice, evidence) == 0.5
    assert span_recall(same_twice, evidence) == 1.0


def test_other_conversations_do_not_count():
    evidence = [Span("a", 0, 10), Span("b", 0, 10)]
    returned = [Returned("b", 0, 10)]
    assert span_recall(returned, evidence) == 0.5
    assert strict_recall(returned, evidence) == 0.5
    assert char_precision(returned, evidence) == 1.0


def test_edge_cases():
    evidence = [Span("a", 0, 10)]
    assert char_precision([], evidence) == 0.0
    assert span_recall([], evidence) == 0.0
    with pytest.raises(EmptyEvidenceError, match="empty gold set"):
        span_recall([Returned("a", 0, 5)], [])
    with pytest.raises(ValueError, match="empty gold set"):
        strict_recall([Returned("a", 0, 5)], [])


def test_score_evidence_applies_the_budget_first():
    evidence = [Span("a", 0, 10), Span("a", 50, 60)]
    ranked = [Returned("a", 0, 10, 8), Returned("a", 40, 70, 30)]
    tight = score_evidence(ranked, evidence, budget=20)
    assert (tight.span_recall, tight.strict_recall, tight.char_precision) == (0.5, 0.5, 1.0)
    assert (tight.context_tokens, tight.results) == (8, 1)
    loose = score_evidence(ranked, evidence, budget=2048)
    assert (loose.span_recall, loose.strict_recall) == (1.0, 1.0)
    assert loose.char_precision == pytest.approx(20 / 40)
    assert (loose.context_tokens, loose.results) == (38, 2)


def test_evidence_spans_cover_the_rendered_message_with_its_label():
    conversation = Conversation(
        id="c",
        title="t",
        messages=(
            Message(id="1", role="user", content="I live in Lisbon."),
            Message(id="2", role="assistant", content="   "),
            Message(id="3", role="assistant", content="Nice!", name="Bot"),
        ),
    )
    spans = evidence_spans(conversation, ["3", "1"])
    assert spans == (Span("c", 25, 35), Span("c", 0, 23))
    text = conversation_text(conversation)
    assert [text[s.start : s.end] for s in spans] == ["Bot: Nice!", "User: I live in Lisbon."]
    with pytest.raises(UnknownEvidenceError, match="'2' is not a rendered message"):
        evidence_spans(conversation, ["2"])
