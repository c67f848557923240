from hypothesis import given, settings
from hypothesis import strategies as st

from chunking import Conversation, Message, chunk_conversations
from eval.retrieval import STRATEGIES, TierIndexes, cap, dedup_spans
from eval.retrieval.turns import Messages
from tests.eval.helpers import chunk

spans = st.lists(
    st.tuples(st.sampled_from("ab"), st.integers(0, 100), st.integers(1, 30), st.integers(1, 50)),
    max_size=15,
)


def as_chunks(items):
    return [
        chunk(f"k{i}", conversation=c, start=s, end=s + n, tokens=t)
        for i, (c, s, n, t) in enumerate(items)
    ]


@settings(max_examples=100, deadline=None)
@given(spans)
def test_dedup_keeps_rank_order_and_no_overlap(items):
    chunks = as_chunks(items)
    kept = dedup_spans(chunks)
    assert [c.id for c in kept] == [c.id for c in chunks if c in kept]
    for i, a in enumerate(kept):
        for b in kept[i + 1 :]:
            assert a.conversation_id != b.conversation_id or a.end <= b.start or b.end <= a.start
    for dropped in (c for c in chunks if c not in kept):  # dropped only for an overlap
        assert any(
            k.conversation_id == dropped.conversation_id
            and k.start < dropped.end
            and dropped.start < k.end
            for k in kept
        )


@settings(max_examples=100, deadline=None)
@given(spans, st.integers(1, 20), st.one_of(st.none(), st.integers(0, 200)))
def test_cap_takes_a_prefix_within_k_and_budget(items, k, budget):
    chunks = as_chunks(items)
    taken = cap(chunks, k=k, token_budget=budget)
    assert taken == chunks[: len(taken)]
    assert len(taken) <= k
    if budget is not None:
        assert sum(c.token_count for c in taken) <= budget
    if len(taken) < min(k, len(chunks)):  # stopped early: the next one would exceed
        assert budget is not None
        assert sum(c.token_count for c in taken) + chunks[len(taken)].token_count > budget


def conversation():
    filler = " ".join(f"Paragraph {i} talks about gardening and tomatoes." for i in range(60))
    messages = []
    for i in range(12):
        messages.append(Message(id=f"u{i}", role="user", content=f"Question {i}. {filler}"))
        messages.append(Message(id=f"a{i}", role="assistant", content=f"Answer {i}. {filler}"))
    messages.append(Message(id="fact", role="user", content="My cat is called Saffron."))
    return Conversation(id="c", title="t", messages=tuple(messages))


def corpus():
    return list(chunk_conversations([conversation()]))


def indexes_of_corpus():
    return TierIndexes.build(corpus(), messages=Messages.build([conversation()]))


def test_every_strategy_honours_k_budget_and_dedup():
    indexes = indexes_of_corpus()
    for name, factory in STRATEGIES.items():
        retriever = factory(indexes)
        assert retriever.name == name
        for k, budget in ((1, None), (5, None), (50, 700)):
            found = retriever.search("gardening tomatoes cat", k=k, token_budget=budget)
            assert found or budget is not None, name
            assert len(found) <= k
            if budget is not None:
                assert sum(c.token_count for c in found) <= budget
            if retriever.deduplicates:
                assert dedup_spans(found) == found, name


def test_strategies_find_the_planted_fact():
    indexes = indexes_of_corpus()
    for name, factory in STRATEGIES.items():
        top = factory(indexes).search("What is my cat called?", k=1)
        assert "fact" in top[0].message_ids, name
        if name.startswith("small-to-big:"):
            assert top[0].chunk_tier.value == name.split(":")[1]


def test_no_match_returns_nothing():
    indexes = indexes_of_corpus()
    for factory in STRATEGIES.values():
        assert factory(indexes).search("zzzz qqqq", k=5) == []
    empty = TierIndexes.build([], messages=Messages.build([]))
    for factory in STRATEGIES.values():
        assert factory(empty).search("cat", k=5) == []
