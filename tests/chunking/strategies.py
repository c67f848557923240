"""Hypothesis strategies for conversations."""

from __future__ import annotations

from hypothesis import strategies as st

from chunking import Conversation, Message, Role

# Text that exercises every kind of break: words, sentences, lines, paragraphs,
# non-Latin scripts, emoji with modifiers and joiners, combining marks, and
# arbitrary Unicode (surrogates and NUL included: rendering replaces them).
_FRAGMENTS = st.sampled_from(
    [
        " ", "  ", "\n", "\n\n", "\r\n", "\t", ". ", "! ", "? ", "\u3002", "\uff0c",
        "hello", "world", "Lisbon", "I", "'s", "don't", "1234", "3.14", "```", "    code",
        "\u4e2d\u6587\u6587\u672c", "\u0627\u0644\u0639\u0631\u0628\u064a\u0629",
        "\u0928\u092e\u0938\u094d\u0924\u0947", "e\u0301", "\U0001f44d\U0001f3fd",
        "\U0001f468\u200d\U0001f469\u200d\U0001f467", "\U0001f1f5\U0001f1f9", "\u0600", "\x00",
        "\ud800", "\u00a0", "\u3000", "\u200b", "x" * 50, "ab" * 40,
    ]
)  # fmt: skip
texts = st.one_of(
    st.lists(_FRAGMENTS, max_size=60).map("".join),
    st.text(max_size=300),
    st.lists(st.one_of(_FRAGMENTS, st.text(max_size=8)), max_size=80).map("".join),
)


@st.composite
def conversations(draw: st.DrawFn, *, max_messages: int = 12) -> Conversation:
    """A conversation of arbitrary messages (some empty)."""
    count = draw(st.integers(min_value=0, max_value=max_messages))
    messages = tuple(
        Message(
            id=f"m{index}",
            role=draw(st.sampled_from(list(Role))),
            content=draw(texts),
        )
        for index in range(count)
    )
    return Conversation(id=draw(st.sampled_from(["c1", "conv-2", "\u00e9"])), title="t",
                        messages=messages)  # fmt: skip
