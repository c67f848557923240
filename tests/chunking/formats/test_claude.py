"""The Claude reader: content blocks, not the flat text field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chunking.errors import MalformedExportError
from chunking.formats import ExportReport, ReadOptions, load_export
from chunking.model import Role


def test_blocks_attachments_and_roles(data: Path) -> None:
    report = ExportReport()
    blocks, legacy = load_export(data / "claude_blocks.json", report=report)
    assert blocks.id == "claude-1"
    assert blocks.title == "Blocks"
    text = {m.id: m.content for m in blocks.messages}
    assert text["h1"] == (
        "My dog is called Rex.\n\n[attachment: notes.txt]\nRex is a beagle.\n\n[file: photo.jpg]"
    )
    # The thinking is its own marked paragraph, not glued onto the answer.
    assert text["a1"] == (
        "[thinking] The user has a dog.\n\nRex is a great name!\n\n"
        '[tool call: search] {"q": "beagle"}'
    )
    assert text["r1"] == "[tool result]\nBeagles are hounds."
    assert text["a2"] == "Beagles are hounds.\n\n[unknown content: voice_note]"
    roles = {m.id: m.role for m in blocks.messages}
    assert roles == {
        "h1": Role.USER,
        "a1": Role.ASSISTANT,
        "r1": Role.TOOL,
        "a2": Role.ASSISTANT,
    }
    assert [m.content for m in legacy.messages] == ["Old export without blocks.", "Understood."]
    assert report.skipped == {"invalid role": 1}
    assert report.dropped == {"empty": 1}
    assert report.placeholders == {"file": 1, "voice_note": 1}


def test_thinking_dropped_on_request(data: Path) -> None:
    blocks, _ = load_export(data / "claude_blocks.json", options=ReadOptions(thinking=False))
    assert blocks.messages[1].content.startswith("Rex is a great name!")


def test_strict_raises_naming_the_message(data: Path) -> None:
    with pytest.raises(MalformedExportError) as caught:
        list(load_export(data / "claude_blocks.json", strict=True))
    assert caught.value.conversation_id == "claude-bad"
    assert caught.value.node_id == "b1"
    assert "claude_blocks.json" in str(caught.value)


def test_the_flat_text_stands_in_when_no_block_has_text(tmp_path: Path) -> None:
    export = tmp_path / "conversations.json"
    message = {
        "uuid": "m1",
        "sender": "human",
        "text": "My cat is called Saffron.",
        "content": [{"type": "text", "text": ""}],
        "created_at": "2025-01-01T10:00:00Z",
    }
    conversation = {"uuid": "c1", "name": "Cat", "chat_messages": [message]}
    export.write_text(json.dumps([conversation]))
    report = ExportReport()
    (read,) = load_export(export, report=report)
    assert [m.content for m in read.messages] == ["My cat is called Saffron."]
    assert not report.dropped
