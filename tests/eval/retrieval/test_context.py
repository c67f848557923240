"""Context scoring and what the index sees (eval.retrieval.context, eval.retrieval.text)."""

from datetime import datetime

import numpy as np
import pytest

from chunking import Conversation, Message, chunk_conversations
from eval.retrieval import BM25Index, ContextBM25, ContextRanker, ContextWeights, TierIndexes
from eval.retrieval.text import Analyzer, indexed_text, message_dates
from tests.eval.helpers import chunk

TEXTS = {
    "s0": "we went camping by the lake",
    "s1": "the weather was fine",
    "s2": "my cat Saffron sleeps all day",
    "s3": "pottery class on tuesday",
    "t0": "camping again next summer",
}


def units():
    small = [
        chunk("s0", conversation="a", start=0, end=10, content=TEXTS["s0"], parent="m0"),
        chunk("s1", conversation="a", start=10, end=20, content=TEXTS["s1"], parent="m0"),
        chunk("s2", conversation="a", start=20, end=30, content=TEXTS["s2"], parent="m1"),
        chunk("s3", conversation="b", start=0, end=10, content=TEXTS["s3"], parent="m2"),
        chunk("t0", conversation="b", start=10, end=20, content=TEXTS["t0"], parent=None),
    ]
    medium = [
        chunk("m0", conversation="a", end=20, tier="medium", content=TEXTS["s0"] + TEXTS["s1"]),
        chunk("m1", conversation="a", start=20, end=30, tier="medium", content=TEXTS["s2"]),
        chunk("m2", conversation="b", end=10, tier="medium", content=TEXTS["s3"]),
    ]
    return small, medium


def reference(small, medium, weights, query):
    """The module docstring's formula, one unit at a time."""
    fine, coarse = BM25Index(small), BM25Index(medium)
    own, parent = fine.scores(query), coarse.scores(query)
    own = own / own.max() if own.max() > 0 else own
    parent = parent / parent.max() if parent.max() > 0 else parent
    where = {u.id: i for i, u in enumerate(medium)}
    expected = []
    for i, unit in enumerate(small):
        around = 0.0
        for j in (i - 1, i + 1):
            if 0 <= j < len(small) and small[j].conversation_id == unit.conversation_id:
                around += own[j]
        up = parent[where[unit.parent_id]] if unit.parent_id in where else 0.0
        expected.append(own[i] + weights.parent * up + weights.neighbours * around / 2)
    return np.array(expected)


@pytest.mark.parametrize("query", ["camping", "cat Saffron", "pottery weather", "nothing here"])
@pytest.mark.parametrize("weights", [ContextWeights(), ContextWeights(parent=0.5, neighbours=0)])
def test_scores_follow_the_formula(query, weights):
    small, medium = units()
    ranker = ContextRanker(BM25Index(small), BM25Index(medium), lambda u: u.parent_id, weights)
    np.testing.assert_allclose(ranker.scores(query), reference(small, medium, weights, query))


def test_a_neighbour_lifts_a_chunk_but_never_across_conversations():
    small, medium = units()
    weights = ContextWeights(parent=0.0, neighbours=0.6)
    ranker = ContextRanker(BM25Index(small), BM25Index(medium), lambda u: u.parent_id, weights)
    ranked = [u.id for u in ranker.rank("Saffron")]
    assert ranked[0] == "s2"
    assert "s1" in ranked  # no match of its own: lifted by s2 beside it
    assert "s3" not in ranked  # the next unit, but in another conversation


def test_weights_must_not_be_negative():
    with pytest.raises(ValueError, match="neighbours"):
        ContextWeights(neighbours=-0.1)


def test_context_strategy_returns_small_chunks_within_the_budget():
    filler = " ".join(f"Sentence {i} is about the garden." for i in range(40))
    turns = [Message(id=f"m{i}", role="user", content=f"{filler} Turn {i}.") for i in range(10)]
    messages = (*turns, Message(id="fact", role="user", content="My cat is called Saffron."))
    chunks = list(chunk_conversations([Conversation(id="c", title="", messages=messages)]))
    found = ContextBM25(TierIndexes.build(chunks)).search("cat Saffron", k=50, token_budget=300)
    assert found
    assert all(c.chunk_tier.value == "small" for c in found)
    assert sum(c.token_count for c in found) <= 300
    assert "Saffron" in found[0].content


def test_the_analyzer_stems_and_drops_question_words():
    analyzer = Analyzer()
    assert analyzer.terms(["What did Melanie do when she camped?"]) == [["melani", "camp"]]
    assert "what" in Analyzer(stopwords="en", stem=False).terms(["What did she do"])[0]


def test_the_index_sees_the_days_of_a_units_messages():
    day = datetime(2023, 6, 27, 13, 56)
    conv = Conversation(
        id="c", title="", messages=(Message(id="m", role="user", content="Hi", created_at=day),)
    )
    dates = message_dates([conv])
    assert indexed_text(chunk("x", conversation="c", messages=("m",), content="Hi"), dates) == (
        "Hi\n27 June 2023"
    )
    assert indexed_text(chunk("y", conversation="c", content="Hi"), dates) == "Hi"
    index = BM25Index([chunk("x", conversation="c", messages=("m",), content="Hi")], dates=dates)
    assert index.rank("anything in June?")


def test_neighbours_follow_text_order_not_list_order():
    small, _ = units()
    shuffled = [small[2], small[4], small[0], small[3], small[1]]
    weights = ContextWeights(parent=0.0, neighbours=0.6)
    ranker = ContextRanker(BM25Index(shuffled), None, lambda u: u.parent_id, weights)
    by_id = dict(zip((u.id for u in shuffled), ranker.scores("Saffron"), strict=True))
    in_order = ContextRanker(BM25Index(small), None, lambda u: u.parent_id, weights)
    expected = dict(zip((u.id for u in small), in_order.scores("Saffron"), strict=True))
    assert by_id == pytest.approx(expected)
    assert by_id["s1"] > 0  # s2's neighbour in the text, though not in the list
