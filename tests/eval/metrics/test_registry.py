import math

import pytest
import pytrec_eval
from hypothesis import given, settings
from hypothesis import strategies as st

from eval.datasets.model import Gold
from eval.errors import UnknownNameError
from eval.metrics import METRICS, get_metric
from eval.metrics.relevance import relevance
from eval.spans import Span
from tests.eval.helpers import chunk

# --- slow, obviously-correct references -------------------------------------------------


def ref_covered(ranked, gold, k):
    return {("c", m) for c in ranked[:k] for m in c.message_ids} & gold.messages


def ref_relevance(ranked, gold):
    rels = []
    for i, c in enumerate(ranked):
        earlier = {("c", m) for e in ranked[:i] for m in e.message_ids}
        mine = {("c", m) for m in c.message_ids} & gold.messages
        rels.append(1 if mine - earlier else 0)
    return rels


def ref_precision(ranked, gold, k):
    return sum(ref_relevance(ranked, gold)[:k]) / k if gold.messages else 0.0


def ref_recall(ranked, gold, k):
    return len(ref_covered(ranked, gold, k)) / len(gold.messages) if gold.messages else 0.0


def ref_mrr(ranked, gold, k):
    rels = ref_relevance(ranked, gold)[:k]
    return 1 / (rels.index(1) + 1) if gold.messages and 1 in rels else 0.0


def ref_ndcg(ranked, gold, k):
    if not gold.messages:
        return 0.0
    rels = ref_relevance(ranked, gold)[:k]
    dcg = sum(r / math.log2(i + 2) for i, r in enumerate(rels))
    idcg = sum(1 / math.log2(i + 2) for i in range(min(k, len(gold.messages))))
    return dcg / idcg


def ref_chars(spans):
    return {(s.conversation_id, i) for s in spans for i in range(s.start, s.end)}


def ref_span(ranked, gold, k):
    top = ranked[:k]
    returned = [Span(c.conversation_id, c.start, c.end) for c in top]
    hit = len(ref_chars(returned) & ref_chars(gold.spans))
    total_returned = sum(s.length for s in returned)
    gold_chars = len(ref_chars(gold.spans))
    recall = hit / gold_chars if gold_chars else 0.0
    precision = hit / total_returned if total_returned else 0.0
    denominator = total_returned + gold_chars - hit
    iou = hit / denominator if denominator else 0.0
    redundancy = (
        (total_returned - len(ref_chars(returned))) / total_returned if total_returned else 0.0
    )
    return recall, precision, iou, redundancy


# --- generated runs ---------------------------------------------------------------------

message_ids = st.sampled_from([f"m{i}" for i in range(8)])
ranked_lists = st.lists(
    st.tuples(
        st.lists(message_ids, max_size=3, unique=True),
        st.integers(0, 200),
        st.integers(1, 60),
    ),
    max_size=12,
).map(
    lambda items: [
        chunk(f"d{i:02d}", messages=tuple(ms), start=s, end=s + n)
        for i, (ms, s, n) in enumerate(items)
    ]
)
golds = st.tuples(
    st.frozensets(message_ids, max_size=4),
    st.lists(st.tuples(st.integers(0, 220), st.integers(1, 40)), max_size=3),
).map(
    lambda g: Gold(
        messages=frozenset(("c", m) for m in g[0]),
        spans=tuple(Span("c", s, s + n) for s, n in g[1]),
    )
)
ks = st.integers(1, 15)


@settings(max_examples=150, deadline=None)
@given(ranked_lists, golds, ks)
def test_rank_metrics_match_the_references(ranked, gold, k):
    assert METRICS["precision"](ranked, gold, k) == pytest.approx(ref_precision(ranked, gold, k))
    assert METRICS["recall"](ranked, gold, k) == pytest.approx(ref_recall(ranked, gold, k))
    assert METRICS["mrr"](ranked, gold, k) == pytest.approx(ref_mrr(ranked, gold, k))
    assert METRICS["ndcg"](ranked, gold, k) == pytest.approx(ref_ndcg(ranked, gold, k))
    assert 0.0 <= METRICS["ndcg"](ranked, gold, k) <= 1.0 + 1e-12


@settings(max_examples=150, deadline=None)
@given(ranked_lists, golds, ks)
def test_span_metrics_match_the_references(ranked, gold, k):
    recall, precision, iou, redundancy = ref_span(ranked, gold, k)
    assert METRICS["pooled_span_recall"](ranked, gold, k) == pytest.approx(recall)
    assert METRICS["span_precision"](ranked, gold, k) == pytest.approx(precision)
    assert METRICS["span_iou"](ranked, gold, k) == pytest.approx(iou)
    assert METRICS["redundancy"](ranked, gold, k) == pytest.approx(redundancy)


def trec(ranked, gold, k, *, scores=None):
    """pytrec_eval on the same run: relevant docs are the relevant chunks, padded so that
    the number of relevant documents is |G| (gold messages no chunk contains)."""
    rels = relevance(ranked, gold)
    qrels = {c.id: 1 for c, r in zip(ranked, rels, strict=True) if r}
    for i in range(len(gold.messages) - len(qrels)):
        qrels[f"missing{i}"] = 1
    scores = scores or [float(len(ranked) - i) for i in range(len(ranked))]
    run = {c.id: s for c, s in zip(ranked[:k], scores[:k], strict=True)}
    measures = {f"P_{k}", f"ndcg_cut_{k}", "recip_rank", f"recall_{k}"}
    evaluator = pytrec_eval.RelevanceEvaluator({"q": qrels}, measures)
    return evaluator.evaluate({"q": run or {"none": 0.0}})["q"]


@settings(max_examples=150, deadline=None)
@given(ranked_lists, golds.filter(lambda g: g.messages), ks)
def test_rank_metrics_match_trec_eval(ranked, gold, k):
    result = trec(ranked, gold, k)
    assert METRICS["precision"](ranked, gold, k) == pytest.approx(result[f"P_{k}"])
    assert METRICS["ndcg"](ranked, gold, k) == pytest.approx(result[f"ndcg_cut_{k}"])
    assert METRICS["mrr"](ranked, gold, k) == pytest.approx(result["recip_rank"])


@settings(max_examples=100, deadline=None)
@given(ranked_lists, golds.filter(lambda g: g.messages), ks)
def test_recall_matches_trec_eval_when_each_chunk_holds_one_message(ranked, gold, k):
    ranked = [chunk(c.id, messages=c.message_ids[:1], start=c.start, end=c.end) for c in ranked]
    assert METRICS["recall"](ranked, gold, k) == pytest.approx(trec(ranked, gold, k)[f"recall_{k}"])


def test_ties_are_broken_like_trec_eval():
    # Our rankings break equal scores by position; trec_eval by document id, descending.
    # Ids that descend with position make both orders the same run.
    gold = Gold(messages=frozenset({("c", "m1"), ("c", "m2")}))
    ranked = [
        chunk("d9", messages=("x",)),
        chunk("d8", messages=("m1",)),
        chunk("d7", messages=("m2",)),
        chunk("d6", messages=("m1",)),
    ]
    result = trec(ranked, gold, 3, scores=[1.0, 1.0, 1.0, 1.0])
    assert METRICS["ndcg"](ranked, gold, 3) == pytest.approx(result["ndcg_cut_3"])
    assert METRICS["mrr"](ranked, gold, 3) == pytest.approx(result["recip_rank"]) == 0.5
    assert METRICS["precision"](ranked, gold, 3) == pytest.approx(2 / 3)


def test_empty_gold_scores_zero():
    ranked = [chunk("a", messages=("m1",))]
    empty = Gold(messages=frozenset())
    for name in ("precision", "recall", "mrr", "ndcg", "pooled_span_recall", "span_iou"):
        assert METRICS[name](ranked, empty, 5) == 0.0


def test_k_larger_than_results():
    gold = Gold(messages=frozenset({("c", "m1")}), spans=(Span("c", 0, 10),))
    ranked = [chunk("a", messages=("m1",), start=0, end=20)]
    assert METRICS["precision"](ranked, gold, 10) == pytest.approx(0.1)  # divides by k
    assert METRICS["recall"](ranked, gold, 10) == 1.0
    assert METRICS["ndcg"](ranked, gold, 10) == 1.0
    assert METRICS["span_precision"](ranked, gold, 10) == 0.5
    assert METRICS["span_iou"](ranked, gold, 10) == 0.5


def test_repeated_gold_earns_nothing_and_repeated_text_costs_precision():
    gold = Gold(messages=frozenset({("c", "m1")}), spans=(Span("c", 0, 10),))
    twice = [chunk("a", messages=("m1",), end=10), chunk("b", messages=("m1",), end=10)]
    assert METRICS["precision"](twice, gold, 2) == 0.5
    assert METRICS["span_precision"](twice, gold, 2) == 0.5
    assert METRICS["redundancy"](twice, gold, 2) == 0.5


def test_context_tokens_and_names():
    ranked = [chunk("a", tokens=7), chunk("b", tokens=5)]
    assert get_metric("context_tokens@1")(ranked, Gold(frozenset())) == 7.0
    assert get_metric("context_tokens")(ranked, Gold(frozenset())) == 12.0
    with pytest.raises(UnknownNameError, match="valid: context_tokens"):
        get_metric("recal@5")
    with pytest.raises(ValueError, match="positive integer"):
        get_metric("recall@0")
