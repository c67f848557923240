"""The size limits on one message and one conversation, through load_export and the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chunking import chunk_conversations
from chunking.errors import ConfigError
from chunking.formats import ExportReport, load_export
from chunking.formats.limits import OVER_CONVERSATION_LIMIT, cut_marker
from chunking.formats.reader import ReadOptions


def plain_export(path: Path, contents: list[str]) -> Path:
    messages = [
        {"role": "user" if i % 2 == 0 else "assistant", "content": text}
        for i, text in enumerate(contents)
    ]
    path.write_text(json.dumps([{"id": "c1", "title": "t", "messages": messages}]))
    return path


def read(path: Path, **limits: Any) -> tuple[list[Any], ExportReport]:
    report = ExportReport()
    conversations = list(load_export(path, report=report, options=ReadOptions(**limits)))
    return conversations, report


def test_a_message_over_the_limit_is_cut_with_a_marker_and_counted(tmp_path: Path) -> None:
    export = plain_export(tmp_path / "e.json", ["short", "x" * 250, "also short"])
    (conversation,), report = read(export, max_message_chars=100)
    contents = [m.content for m in conversation.messages]
    assert contents == ["short", "x" * 100 + cut_marker(150, 100), "also short"]
    assert "150 characters cut" in contents[1]
    assert report.truncated == 1
    assert "1 cut to the message size limit" in report.summary()


def test_a_conversation_over_the_limit_keeps_its_first_messages(tmp_path: Path) -> None:
    export = plain_export(tmp_path / "e.json", ["a" * 40, "b" * 40, "c" * 40, "d" * 40])
    (conversation,), report = read(export, max_conversation_chars=100)
    assert [m.content[0] for m in conversation.messages] == ["a", "b"]
    assert report.dropped[OVER_CONVERSATION_LIMIT] == 2
    assert report.messages == 2


def test_no_limit_keeps_everything(tmp_path: Path) -> None:
    export = plain_export(tmp_path / "e.json", ["y" * 5_000])
    (conversation,), report = read(export, max_message_chars=None, max_conversation_chars=None)
    assert conversation.messages[0].content == "y" * 5_000
    assert report.truncated == 0


def test_the_defaults_keep_an_ordinary_export_whole(tmp_path: Path) -> None:
    export = plain_export(tmp_path / "e.json", ["hello " * 1_000, "world " * 1_000])
    (conversation,), report = read(export)
    assert [len(m.content) for m in conversation.messages] == [6_000, 6_000]
    assert (report.truncated, report.dropped.total()) == (0, 0)


def test_a_cut_message_chunks_like_any_other(tmp_path: Path) -> None:
    export = plain_export(tmp_path / "e.json", ["data:image/png;base64," + "QUJD" * 50_000])
    conversations, _ = read(export, max_message_chars=20_000)
    chunks = list(chunk_conversations(conversations))
    large = "".join(c.content for c in chunks if c.chunk_tier.value == "large")
    assert large.startswith("User: data:image/png;base64,QUJD")
    assert large.endswith("-character limit]")
    assert len(large) < 20_200


@pytest.mark.parametrize("value", [0, -5, True, 1.5, "10"])
def test_a_limit_must_be_a_positive_whole_number(value: object) -> None:
    with pytest.raises(ConfigError, match="max_message_chars"):
        ReadOptions(max_message_chars=value)  # type: ignore[arg-type]
