"""Turns of a chunk: exact from the rendering, parsed from stored text as a fallback."""

from __future__ import annotations

from pathlib import Path

from chunking import ChunkingConfig, Conversation, Message, Role, chunk_conversations
from chunking.formats import load_export
from chunking.render import render
from extraction.items import item_from_chunk
from tests.extraction.conftest import SAMPLE_EXPORT
from tests.extraction.synthetic import write_export


def test_parsed_turns_match_the_exact_ones(tmp_path: Path) -> None:
    export = write_export(tmp_path / "e.json", 4)
    checked = mid_message = 0
    for path in (SAMPLE_EXPORT, export):
        for conversation in load_export(path):
            rendered = render(conversation)
            for chunk in chunk_conversations([conversation]):
                exact = item_from_chunk(chunk, rendered).turns
                parsed = item_from_chunk(chunk).turns
                assert [t.text for t in parsed] == [t.text for t in exact]
                assert [t.message_id for t in parsed] == [t.message_id for t in exact]
                if parsed and parsed[0].role == "unknown":  # the chunk starts inside a message
                    mid_message += 1
                    parsed, exact = parsed[1:], exact[1:]
                assert [t.role for t in parsed] == [t.role for t in exact]
                checked += 1
    assert checked >= 100
    assert mid_message > 0  # the fallback case was exercised


def test_exact_turns_cover_the_chunk_without_labels() -> None:
    conversation = next(iter(load_export(SAMPLE_EXPORT)))
    rendered = render(conversation)
    chunk = next(iter(chunk_conversations([conversation])))
    turns = item_from_chunk(chunk, rendered).turns
    assert [t.role for t in turns] == ["user", "assistant", "user", "assistant"]
    assert turns[0].text.startswith("Hi! My name is Ana Souza")
    assert all(t.text in chunk.content for t in turns)


def test_a_chunk_cut_at_a_blank_line_inside_a_message_parses_as_it_renders() -> None:
    paragraphs = "\n\n".join(f"Paragraph {i} says one thing about the trip." for i in range(12))
    conversation = Conversation(
        id="c",
        title="",
        messages=(
            Message(id="q", role=Role.USER, content="Tell me about the trip."),
            Message(id="a", role=Role.ASSISTANT, content=paragraphs),
        ),
    )
    rendered = render(conversation)
    config = ChunkingConfig(small=24, medium=48, large=96)
    inside = 0
    for chunk in chunk_conversations([conversation], config=config):
        exact = item_from_chunk(chunk, rendered).turns
        parsed = item_from_chunk(chunk).turns
        assert [t.text for t in parsed] == [t.text for t in exact]
        ends_inside = (
            chunk.end < rendered.message_ends[-1] and chunk.end > rendered.message_starts[1]
        )
        inside += ends_inside and chunk.content.endswith("\n\n")
        assert not exact[-1].text.endswith("\n\n")
    assert inside > 0  # the case was exercised
