"""Fixed-token windows against a slow reference, and the turn-aligned packing's invariants."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from chunking.render import render
from chunking.tokens import get_tokenizer
from eval.peers.window import turn_windows, windows
from tests.chunking.strategies import conversations


def reference_windows(text, size):
    """Decode each prefix of whole windows' bytes, dropping a trailing partial character."""
    encoding = get_tokenizer().encoding
    tokens = encoding.encode_ordinary(text)
    data = text.encode("utf-8")
    cuts = []
    for first in range(0, len(tokens), size):
        prefix = sum(len(encoding.decode_single_token_bytes(t)) for t in tokens[:first])
        cuts.append(len(data[:prefix].decode("utf-8", errors="ignore")))
    cuts.append(len(text))
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]


def check_chunk(chunk, text):
    assert chunk.content == text[chunk.start : chunk.end]
    assert chunk.token_count == get_tokenizer().count(chunk.content)
    assert chunk.leaf
    assert chunk.parent_id is None


@settings(max_examples=60, deadline=None)
@given(conversations(), st.sampled_from([1, 3, 16, 128]))
def test_windows_equal_the_reference_and_partition_the_text(conversation, size):
    text = render(conversation).text
    chunks = windows(conversation, size=size)
    assert [(c.start, c.end) for c in chunks] == reference_windows(text, size)
    assert "".join(c.content for c in chunks) == text
    for chunk in chunks:
        check_chunk(chunk, text)
    assert len({c.id for c in chunks}) == len(chunks)


@settings(max_examples=60, deadline=None)
@given(conversations(), st.sampled_from([4, 16, 128]))
def test_turn_windows_pack_whole_turns_greedily(conversation, size):
    rendered = render(conversation)
    text = rendered.text
    chunks = turn_windows(conversation, size=size)
    count = get_tokenizer().count
    turns = list(zip(rendered.message_starts, rendered.message_ends, strict=True))
    covered = {i for c in chunks for i in range(c.start, c.end)}
    for start, end in turns:
        assert set(range(start, end)) <= covered
    starts = {s for s, _ in turns}
    ends = {e for _, e in turns}
    for chunk in chunks:
        check_chunk(chunk, text)
        whole = chunk.start in starts and chunk.end in ends
        if whole:
            assert chunk.token_count <= size
        else:  # a piece of a turn too long for a window on its own
            turn = next((s, e) for s, e in turns if s <= chunk.start and chunk.end <= e)
            assert count(text[turn[0] : turn[1]]) > size
    # Greedy: a window of whole turns could not have taken the next turn too.
    for chunk, following in itertools.pairwise(chunks):
        if chunk.end in ends and following.start in starts:
            next_turn_end = next(e for s, e in turns if s == following.start)
            assert count(text[chunk.start : next_turn_end]) > size or chunk.start not in starts


def test_turn_windows_on_a_small_conversation():
    from chunking import Conversation, Message

    conversation = Conversation(
        id="c",
        title="t",
        messages=tuple(
            Message(id=str(i), role="user", content=f"turn number {i}") for i in range(4)
        ),
    )
    chunks = turn_windows(conversation, size=13)  # one turn: 6 tokens, two: 13
    assert [c.content for c in chunks] == [
        "User: turn number 0\n\nUser: turn number 1",
        "User: turn number 2\n\nUser: turn number 3",
    ]
    assert [c.id for c in chunks] == ["turn-window-13:c:0", "turn-window-13:c:1"]
