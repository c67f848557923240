"""The evidence metrics of the registry against a slow character-set reference."""

from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eval.datasets.model import Gold
from eval.metrics import METRICS, get_metric
from eval.spans import Span


@dataclass(frozen=True)
class Unit:
    conversation_id: str
    start: int
    end: int
    id: str = "u"
    content: str = ""
    token_count: int = 10
    message_ids: tuple[str, ...] = ()


def chars(spans):
    return {(s.conversation_id, i) for s in spans for i in range(s.start, s.end)}


def reference(ranked, gold, k):
    """(span recall, strict recall, precision) by sets of characters."""
    got = chars(ranked if k is None else ranked[:k])
    units = [chars([s]) for s in gold.spans]
    if not units:
        return 0.0, 0.0, 0.0  # nothing inside gold: precision 0 too
    span = sum(len(u & got) / len(u) for u in units) / len(units)
    strict = sum(u <= got for u in units) / len(units)
    precision = len(got & chars(gold.spans)) / len(got) if got else 0.0
    return span, strict, precision


conversation = st.sampled_from("ab")
units = st.lists(
    st.builds(
        lambda c, s, n: Unit(c, s, s + n), conversation, st.integers(0, 50), st.integers(0, 20)
    ),
    max_size=6,
)
golds = st.lists(
    st.builds(
        lambda c, s, n: Span(c, s, s + n), conversation, st.integers(0, 50), st.integers(1, 20)
    ),
    max_size=4,
)


@settings(max_examples=150, deadline=None)
@given(units, golds, st.one_of(st.none(), st.integers(1, 6)))
def test_evidence_metrics_match_the_reference(ranked, spans, k):
    gold = Gold(messages=frozenset(), spans=tuple(spans))
    got = tuple(
        METRICS[name](ranked, gold, k)
        for name in ("span_recall", "evidence_strict_recall", "evidence_precision")
    )
    assert got == pytest.approx(reference(ranked, gold, k))


def test_a_fragment_scores_its_share_but_not_strict_recall():
    gold = Gold(messages=frozenset(), spans=(Span("a", 0, 100), Span("a", 200, 300)))
    halves = [Unit("a", 0, 50), Unit("a", 50, 100), Unit("a", 200, 250)]
    assert get_metric("span_recall")(halves, gold) == pytest.approx((1.0 + 0.5) / 2)
    assert get_metric("evidence_strict_recall")(halves, gold) == 0.5  # two pieces make a whole
    assert get_metric("evidence_strict_recall@1")(halves, gold) == 0.0
    assert get_metric("evidence_precision")(halves, gold) == 1.0
    padded = [Unit("a", 150, 350)]
    assert get_metric("evidence_precision")(padded, gold) == pytest.approx(100 / 200)


def test_no_gold_spans_or_nothing_returned_scores_zero():
    empty = Gold(messages=frozenset({("a", "m")}), spans=())
    for name in ("span_recall", "evidence_strict_recall", "evidence_precision"):
        assert METRICS[name]([Unit("a", 0, 10)], empty, None) == 0.0
        assert METRICS[name]([], Gold(frozenset(), (Span("a", 0, 5),)), 3) == 0.0


def test_token_precision_counts_returned_evidence_tokens_once_against_tokens_paid():
    from chunking.tokens import get_tokenizer
    from eval.metrics.coverage import token_precision

    tokenizer = get_tokenizer()
    text = "Alice: I adopted a cat named Saffron.\n\nBob: Lovely! What colour is she?"
    turn = text.index("\n\n")

    def unit(ident, start, end):
        return SimpleNamespace(
            conversation_id="c", id=ident, start=start, end=end, content=text[start:end],
            token_count=tokenizer.count(text[start:end]),
        )  # fmt: skip

    evidence = [Span("c", 0, turn)]
    whole = unit("w", 0, len(text))
    assert token_precision([whole], evidence, tokenizer) == pytest.approx(
        tokenizer.count(text[:turn]) / whole.token_count
    )
    halves = [unit("h2", 20, len(text)), unit("h1", 0, 20)]  # the turn in two pieces
    paid = sum(u.token_count for u in halves)
    assert token_precision(halves, evidence, tokenizer) == pytest.approx(
        tokenizer.count(text[:turn]) / paid
    )
    twice = [whole, whole]  # returned twice: paid twice, counted once
    assert token_precision(twice, evidence, tokenizer) == pytest.approx(
        tokenizer.count(text[:turn]) / (2 * whole.token_count)
    )
    assert token_precision([], evidence, tokenizer) == 0.0
    assert token_precision([unit("b", turn, len(text))], evidence, tokenizer) == 0.0
