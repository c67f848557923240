"""Examples: a golden file, break preferences, and extreme shapes of input."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from chunking import (
    ChunkingConfig,
    ChunkTier,
    Conversation,
    Message,
    Role,
    chunk_conversations,
    conversation_text,
)
from chunking.jsonl import chunk_to_dict
from chunking.render import render
from tests.chunking.invariants import check_chunks

GOLDEN = Path(__file__).parent / "golden" / "small_conversation.jsonl"
SMALL = ChunkingConfig(small=24, medium=60, large=120)


def _conversation(*contents: str, conversation_id: str = "golden") -> Conversation:
    roles = [Role.USER, Role.ASSISTANT]
    return Conversation(
        id=conversation_id,
        title="Golden",
        messages=tuple(
            Message(id=f"m{i}", role=roles[i % 2], content=content)
            for i, content in enumerate(contents)
        ),
    )


GOLDEN_CONVERSATION = _conversation(
    "My name is Ana and I live in Lisbon. I have a cat called Miso.",
    "Nice to meet you, Ana! Lisbon is a lovely city.\n\nHow old is Miso? Cats in "
    "apartments enjoy window perches, puzzle feeders and a daily play session.",
    "Miso is three. I work from home as a data engineer, so she keeps me company.",
    "Then a second perch near your desk might be welcome.\n\n```python\nprint('hi')\n```",
)


def test_golden_file():
    """Chunks of a small conversation, byte for byte (UPDATE_GOLDEN=1 rewrites the file)."""
    lines = [
        json.dumps(chunk_to_dict(chunk), ensure_ascii=False, sort_keys=True)
        for chunk in chunk_conversations([GOLDEN_CONVERSATION], config=SMALL)
    ]
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert GOLDEN.read_text(encoding="utf-8").splitlines() == lines


def test_rendering_labels_each_message_and_separates_them_by_a_blank_line():
    conversation = _conversation("Hi", "  ", "Hello!", "Bye")
    assert conversation_text(conversation) == "User: Hi\n\nUser: Hello!\n\nAssistant: Bye"


def test_named_speakers_are_used_as_labels():
    message = Message(id="d1:1", role=Role.USER, content="Hey Mel!", name="Caroline")
    conversation = Conversation(id="c", title="", messages=(message,))
    assert conversation_text(conversation) == "Caroline: Hey Mel!"


def test_nul_and_lone_surrogates_are_replaced_in_the_canonical_text():
    text = conversation_text(_conversation("a\x00b\ud800c"))
    assert text == "User: a\ufffdb\ufffdc"


def test_a_conversation_without_text_gives_no_chunks():
    assert list(chunk_conversations([_conversation(), _conversation(" ", "\n")])) == []


def test_small_messages_are_never_split_across_chunks():
    conversation = _conversation(*(f"Message number {i} says hello." for i in range(40)))
    rendered = render(conversation)
    chunks = list(chunk_conversations([conversation], config=SMALL))
    check_chunks(conversation, chunks, SMALL)
    starts = set(rendered.message_starts)
    assert all(chunk.start in starts for chunk in chunks)


@pytest.mark.parametrize(
    ("newline", "blank_line"), [("\n", "\n\n"), ("\r\n", "\r\n\r\n"), ("\n", "\n \n")]
)
def test_paragraphs_are_preferred_to_lines_and_sentences(newline, blank_line):
    paragraphs = [
        f"Paragraph {i} has one sentence. It has a second one too.{newline}And a second line."
        for i in range(8)
    ]
    conversation = _conversation(blank_line.join(paragraphs))
    text = conversation_text(conversation)
    config = ChunkingConfig(small=48, medium=96, large=200)
    chunks = list(chunk_conversations([conversation], config=config))
    check_chunks(conversation, chunks, config)
    for chunk in chunks:
        if chunk.start:
            assert text[: chunk.start].endswith(blank_line), repr(chunk.content)


def test_a_huge_single_message_is_split_inside_itself():
    words = " ".join(f"word{i}" for i in range(20_000))
    blob = "A" * 5_000  # one "word" far longer than the small budget
    conversation = _conversation(f"{words}. {blob} end.")
    chunks = list(chunk_conversations([conversation]))
    check_chunks(conversation, chunks, ChunkingConfig())
    small = [chunk for chunk in chunks if chunk.chunk_tier is ChunkTier.SMALL]
    assert len(small) > 100
    assert max(chunk.token_count for chunk in small) <= ChunkingConfig().small


def test_thousands_of_tiny_messages():
    conversation = _conversation(*(["ok", "k", "?", "yes"] * 1_000))
    chunks = list(chunk_conversations([conversation]))
    check_chunks(conversation, chunks, ChunkingConfig())
    assert sum(chunk.chunk_tier is ChunkTier.SMALL for chunk in chunks) > 20


def test_text_without_spaces_is_cut_at_clause_punctuation():
    sentence = "\u6211\u4f4f\u5728\u91cc\u65af\u672c\uff0c\u6211\u6709\u4e00\u53ea\u732b\u3002"
    conversation = _conversation(sentence * 40)
    text = conversation_text(conversation)
    config = ChunkingConfig(small=32, medium=64, large=256)
    chunks = list(chunk_conversations([conversation], config=config))
    check_chunks(conversation, chunks, config)
    label = len("User:")  # the only space: a word cut after the label
    cut_before = {text[chunk.start] for chunk in chunks if chunk.start not in {0, label}}
    assert cut_before == {"\uff0c", "\u3002"}


@pytest.mark.parametrize("size", [1, 2, 3, 7])
def test_tiny_budgets_still_hold(size):
    config = ChunkingConfig(small=size, medium=size, large=size)
    conversation = _conversation("Hello there, \u00e9t\u00e9 \U0001f44d\U0001f3fd!", "x" * 40)
    chunks = list(chunk_conversations([conversation], config=config))
    check_chunks(conversation, chunks, config)
