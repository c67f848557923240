"""Message labels of span units: one overlap rule for our chunks and for peers'."""

from hypothesis import given, settings
from hypothesis import strategies as st

from chunking import Conversation, Message, chunk_conversations
from chunking.render import render
from eval.spans import label_messages, messages_overlapping

words = st.text(alphabet="ab \n", min_size=0, max_size=30)


def conversation(contents):
    messages = tuple(
        Message(id=f"m{i}", role="user" if i % 2 else "assistant", content=content)
        for i, content in enumerate(contents)
    )
    return Conversation(id="c", title="t", messages=messages)


def reference(rendered, start, end):
    """Slow: every message sharing at least one character with [start, end)."""
    chars = set(range(start, end))
    return tuple(
        m.id
        for m, s, e in zip(
            rendered.messages, rendered.message_starts, rendered.message_ends, strict=True
        )
        if chars & set(range(s, e))
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(words, min_size=1, max_size=8), st.data())
def test_messages_overlapping_matches_the_reference(contents, data):
    rendered = render(conversation(contents))
    start = data.draw(st.integers(0, len(rendered.text)))
    end = data.draw(st.integers(start, len(rendered.text)))
    assert messages_overlapping(rendered, start, end) == reference(rendered, start, end)


def test_label_messages_reproduces_our_chunkers_message_ids():
    long = " ".join(f"word{i} about tomatoes." for i in range(400))
    conv = conversation(["Hi there", long, "Short answer.", long, "", "Bye"])
    rendered = render(conv)
    chunks = chunk_conversations([conv])
    assert any(len(c.message_ids) > 1 for c in chunks)  # spans crossing turns are exercised
    assert any(c.start > rendered.message_starts[1] for c in chunks if "m1" in c.message_ids)
    for chunk in chunks:
        unit = label_messages(chunk, rendered)
        assert unit.message_ids == chunk.message_ids
        assert (unit.start, unit.end, unit.content) == (chunk.start, chunk.end, chunk.content)
