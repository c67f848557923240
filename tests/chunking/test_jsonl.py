"""JSON Lines of chunks: the reader inverts the writer, and bad lines say where they are."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings

from chunking import Conversation, chunk_conversations, read_chunks, write_chunks
from chunking.errors import ChunkFileError
from chunking.formats import load_export
from chunking.jsonl import chunk_to_dict
from tests.chunking.strategies import conversations

SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "sample_export.json"


def _chunks() -> list:
    return list(chunk_conversations(load_export(SAMPLE)))


def test_round_trip_through_a_file(tmp_path: Path) -> None:
    chunks = _chunks()
    path = tmp_path / "chunks.jsonl"
    with path.open("w", encoding="utf-8") as out:
        assert write_chunks(chunks, out) == len(chunks)
    assert list(read_chunks(path)) == chunks
    assert any(chunk.created_at is not None for chunk in chunks)
    assert any(chunk.parent_id is not None for chunk in chunks)


def test_round_trip_through_a_stream_with_blank_lines() -> None:
    chunks = _chunks()
    buffer = io.StringIO()
    write_chunks(chunks, buffer)
    padded = io.StringIO(buffer.getvalue().replace("\n", "\n\n"))
    assert list(read_chunks(padded)) == chunks


def _line(**changes: object) -> str:
    row = chunk_to_dict(_chunks()[0])
    row.update(changes)
    return json.dumps({k: v for k, v in row.items() if v is not ...})


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "line 2: not JSON"),
        ("[1, 2]", "line 2: expected a JSON object"),
        (_line(chunk_tier="huge"), "line 2: chunk"),
        (_line(token_count="12"), "'token_count' must be int, got str"),
        (_line(token_count=True), "'token_count' must be int, got bool"),
        (_line(content=...), "field 'content' is missing"),
        (_line(message_ids=[1]), "'message_ids' must be a list of strings"),
        (_line(created_at="yesterday"), "'created_at' must be an ISO 8601 time"),
        (_line(start=9, end=3), "is not a valid span"),
    ],
)
def test_a_bad_line_names_its_number_and_field(line: str, message: str) -> None:
    text = _line() + "\n" + line + "\n"
    with pytest.raises(ChunkFileError, match=message.replace("(", r"\(")) as raised:
        list(read_chunks(io.StringIO(text)))
    assert "line 2" in str(raised.value)


@settings(max_examples=60, deadline=None)
@given(conversations())
def test_any_chunks_round_trip(conversation: Conversation) -> None:
    chunks = list(chunk_conversations([conversation]))
    buffer = io.StringIO()
    write_chunks(chunks, buffer)
    buffer.seek(0)
    assert list(read_chunks(buffer)) == chunks
