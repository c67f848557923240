"""Turns: messages ranked by the chunks that hold them (eval.retrieval.turns)."""

from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chunking import (
    ChunkingConfig,
    Conversation,
    Message,
    Role,
    chunk_conversations,
    conversation_text,
)
from chunking.tokens import get_tokenizer
from eval.errors import MissingConversationsError
from eval.retrieval import STRATEGIES, TierIndexes, TurnsBM25
from eval.retrieval.turns import OWN_WEIGHT, SPEAKER_WEIGHT, Messages
from tests.chunking.strategies import conversations

ENCODING = get_tokenizer().encoding


def said(number: int, name: str, text: str) -> Message:
    role = Role.USER if name == "Caroline" else Role.ASSISTANT
    return Message(id=f"t{number}", role=role, content=text, name=name)


def conversation() -> Conversation:
    """Two named speakers; a session header; pottery mentioned by both, Caroline first."""
    lines = [
        Message(id="session_1", role=Role.SYSTEM, content="8 May 2023 pottery", name="Session 1"),
        said(1, "Caroline", "I tried pottery last weekend and loved the wheel."),
        *(said(n, "Caroline" if n % 2 else "Melanie", f"filler line {n} about weather") for n in
          range(2, 30)),
        said(30, "Melanie", "I tried pottery last weekend and loved the wheel."),
    ]  # fmt: skip
    return Conversation(id="c", title="", messages=tuple(lines))


def indexes(conversations=None):
    conversations = conversations or [conversation()]
    chunks = list(chunk_conversations(conversations))
    return TierIndexes.build(chunks, messages=Messages.build(conversations))


def test_messages_partition_the_text_and_count_their_tokens():
    conv = conversation()
    messages = Messages.build([conv])
    spans = messages.spans
    assert "".join(s.content for s in spans) == conversation_text(conv)
    assert [s.start for s in spans[1:]] == [s.end for s in spans[:-1]]
    assert all(s.token_count == len(ENCODING.encode_ordinary(s.content)) for s in spans)
    assert messages.speaker[0] is None  # the system header
    assert set(messages.speaker[1:]) == {"Caroline", "Melanie"}


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("What does Melanie like?", "Melanie"),
        ("What did Melanie's class make?", "Melanie"),
        ("what did melanie's class make?", None),  # names are matched in their own case
        ("Did Caroline and Melanie meet?", None),
        ("Who are the Melanies?", None),
        ("What is pottery?", None),
    ],
)
def test_a_query_names_one_speaker_as_a_whole_word(query, named):
    assert Messages.build([conversation()]).named(query) == named


@pytest.mark.parametrize("name", ["@alice", "C++", "J.R.", "May", "\u674e\u96f7"])
def test_any_name_is_found_as_a_whole_word(name):
    conv = Conversation(id="c", title="", messages=(said(1, name, "hello"),))
    messages = Messages.build([conv])
    assert messages.named(f"What did {name} say?") == name
    assert messages.named(f"What did x{name}x say?") is None
    if name == "May":
        assert messages.named("What may they say?") is None


@given(batch=st.lists(conversations(max_messages=4), max_size=3, unique_by=lambda c: c.id))
@settings(max_examples=60, deadline=None)
def test_messages_partition_every_conversation(batch):
    """Conversations with no rendered message (none, or all blank) included."""
    messages = Messages.build(batch)
    for conv in batch:
        spans = [s for s in messages.spans if s.conversation_id == conv.id]
        assert "".join(s.content for s in spans) == conversation_text(conv)


@pytest.mark.parametrize("query", ["weather filler line 7", "Melanie weather", "zzz"])
def test_a_message_scores_as_the_module_docstring_says(query):
    """The best chunk holding it, plus its own normalised score, times the speaker factor."""
    ranker = TurnsBM25(indexes(), "small").turns
    best: dict[str, float] = {}
    for chunk, score in zip(ranker.ranker.fine.chunks, ranker.ranker.scores(query), strict=True):
        for message_id in chunk.message_ids:
            best[message_id] = max(best.get(message_id, 0.0), float(score))
    own = ranker.messages.index.scores(query)
    own = own / own.max() if own.max() > 0 else own
    named = "Melanie" if "Melanie" in query else None  # the only speaker these queries name
    expected = [
        0.0 if speaker is None else
        (best.get(s.message_ids[0], 0.0) + OWN_WEIGHT * own[i])
        * (SPEAKER_WEIGHT if named and speaker != named else 1.0)
        for i, (s, speaker) in enumerate(
            zip(ranker.messages.spans, ranker.messages.speaker, strict=True))
    ]  # fmt: skip
    assert np.allclose(ranker.scores(query), expected)


def test_the_named_speakers_turn_comes_first():
    retriever = TurnsBM25(indexes(), "small")

    def order(query: str) -> list[str]:
        ids = [u.message_ids[0] for u in retriever.search(query, k=100)]
        return [i for i in ids if i in ("t1", "t30")]

    assert order("What pottery was made on the wheel?") == ["t1", "t30"]
    assert order("What pottery did Melanie make on the wheel?") == ["t30", "t1"]
    assert order("What pottery did Caroline make on the wheel?") == ["t1", "t30"]


def test_system_messages_are_never_returned():
    retriever = TurnsBM25(indexes(), "small")
    found = retriever.search("8 May 2023 pottery", k=100)
    assert found
    assert "session_1" not in {u.message_ids[0] for u in found}


def test_results_fit_the_budget_and_never_overlap():
    retriever = TurnsBM25(indexes(), "small")
    found = retriever.search("filler weather line", k=100, token_budget=60)
    assert 0 < sum(u.token_count for u in found) <= 60
    spans = sorted((u.start, u.end) for u in found)
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in pairwise(spans))


def test_the_strategy_needs_the_conversations_of_its_chunks():
    chunks = list(chunk_conversations([conversation()]))
    with pytest.raises(MissingConversationsError, match="conversations"):
        STRATEGIES["turns:small"](TierIndexes.build(chunks))
    other = Conversation(id="other", title="", messages=(said(1, "Melanie", "hi"),))
    with pytest.raises(MissingConversationsError, match="'c'"):
        STRATEGIES["turns:small"](TierIndexes.build(chunks, messages=Messages.build([other])))


def test_the_speaker_rule_spans_the_users_conversations():
    first = conversation()
    second = Conversation(
        id="d", title="", messages=(said(1, "Caroline", "I tried pottery on the wheel too."),)
    )
    retriever = TurnsBM25(indexes([first, second]), "small")
    found = retriever.search("What pottery did Melanie make on the wheel?", k=100)
    pottery_turns = {("c", "t1"), ("c", "t30"), ("d", "t1")}  # Caroline, Melanie, Caroline
    ranked = [(u.conversation_id, u.message_ids[0]) for u in found]
    assert next(turn for turn in ranked if turn in pottery_turns) == ("c", "t30")


def asked(question: str, reply: str) -> Conversation:
    """Conversation ``c``: the user asks ``question`` (message ``q``), ``reply`` answers (``a``)."""
    return Conversation(
        id="c",
        title="",
        messages=(
            Message(id="q", role=Role.USER, content=question),
            Message(id="a", role=Role.ASSISTANT, content=reply),
        ),
    )


def test_a_message_longer_than_every_chunk_is_returned_as_its_chunks():
    filler = " ".join(f"Step {i} of the recipe adds flour." for i in range(300))
    long_reply = f"{filler} The secret ingredient is cardamom. {filler}"
    retriever = TurnsBM25(indexes([asked("How do you make the cake?", long_reply)]), "small")
    for budget in (128, 512, 1024):
        found = retriever.search("secret ingredient cardamom", k=100, token_budget=budget)
        assert found, budget
        assert "cardamom" in found[0].content
        assert all(u.token_count <= ChunkingConfig().small for u in found)


def test_a_long_messages_weak_chunks_rank_below_a_better_message():
    """Each chunk of a long reply takes its own place, not all of them the reply's best."""
    filler = " ".join(f"Step {i} of the recipe adds flour and water." for i in range(200))
    long_reply = f"Keep the sourdough starter warm and feed the sourdough starter daily. {filler}"
    chat = asked("How do I bake bread?", long_reply)
    note = Conversation(
        id="d",
        title="",
        messages=(Message(id="n", role=Role.USER, content="I named the starter Bubbles."),),
    )
    retriever = TurnsBM25(indexes([chat, note]), "small")
    found = retriever.search("What is my sourdough starter called?", k=100)
    ranked = [(u.conversation_id, u.message_ids) for u in found]
    assert ranked[0] == ("c", ("a",))  # the reply's best chunk
    assert "sourdough" in found[0].content
    note_at = ranked.index(("d", ("n",)))
    reply = [i for i, at in enumerate(ranked) if at == ("c", ("a",))]
    weak = [i for i in reply if "sourdough" not in found[i].content]
    assert weak, "the reply's chunks without the question's words are still returned"
    assert note_at < min(weak)


def test_a_long_messages_chunks_score_its_score_times_their_share_of_its_best():
    """Checked against the rule written out: the speaker weight and system messages included."""
    filler = " ".join(f"Step {i} of the day was quiet." for i in range(150))
    conv = Conversation(
        id="c",
        title="",
        messages=(
            Message(id="s", role=Role.SYSTEM, content=f"pottery glaze {filler}", name="Session 1"),
            said(1, "Caroline", f"I tried pottery glaze on the wheel. {filler} The kiln was hot."),
            said(2, "Melanie", f"My pottery glaze cracked. {filler} The wheel spins."),
            said(3, "Caroline", "Pottery glaze is tricky."),
        ),
    )
    query = "What pottery glaze did Melanie use on the wheel?"
    turns = TurnsBM25(indexes([conv]), "small").turns
    units, messages = turns.ranker.fine.chunks, turns.messages
    unit_scores, message_scores = turns.ranker.scores(query), turns.scores(query)
    longest = max(unit.token_count for unit in units)
    expected = {}
    for number, span in enumerate(messages.spans):
        if span.token_count <= longest:
            expected[span.id] = message_scores[number]
            continue
        held = [i for i, unit in enumerate(units) if span.message_ids[0] in unit.message_ids]
        best = max(unit_scores[i] for i in held)
        for i in held:
            expected[units[i].id] = message_scores[number] * unit_scores[i] / best
    ranked = turns.rank(query)
    pieces = [unit for unit in ranked if unit.id not in {span.id for span in messages.spans}]
    assert {unit.message_ids[0] for unit in pieces} >= {"t1", "t2"}  # both long turns, in pieces
    returned = [expected[unit.id] for unit in ranked]
    assert returned == sorted(returned, reverse=True)
    assert len(returned) == sum(score > 0 for score in expected.values())
    assert not any("s" in unit.message_ids for unit in ranked)  # the system message
