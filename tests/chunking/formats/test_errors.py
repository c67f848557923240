"""Bad input: skipped and reported by default, fatal with strict=True, always located."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chunking.errors import ChunkingError, MalformedExportError
from chunking.formats import ExportReport, load_export

MALFORMED = {
    "no-mapping": "missing mapping",
    "cycle": "cycle",
    "unknown-current": "unknown node",
    "dangling-parent": "unknown node",
    "mapping-list": "missing mapping",
    "wrong-message": "wrong type",
    "bad-role": "invalid role",
}


def test_malformed_conversations_are_skipped_and_reported(
    data: Path, caplog: pytest.LogCaptureFixture
) -> None:
    report = ExportReport()
    ids = [c.id for c in load_export(data / "chatgpt_malformed.json", report=report)]
    assert ids == ["good-1", "good-2"]
    assert report.skipped == {
        "missing mapping": 2,
        "unknown node": 2,
        "cycle": 1,
        "wrong type": 1,
        "invalid role": 1,
    }
    assert {e.conversation_id: e.kind for e in report.errors} == MALFORMED
    assert len([r for r in caplog.records if r.levelname == "WARNING"]) == len(MALFORMED)
    summary = report.summary()
    assert summary.startswith(
        "2 conversations read, 7 skipped (missing mapping: 2, unknown node: 2"
    )
    assert "4 messages kept" in summary


@pytest.mark.parametrize(
    ("conversation", "node"),
    [
        ("cycle", "y"),
        ("dangling-parent", "x"),
        ("unknown-current", "nowhere"),
        ("wrong-message", "x"),
    ],
)
def test_errors_name_file_conversation_and_node(data: Path, conversation: str, node: str) -> None:
    report = ExportReport()
    list(load_export(data / "chatgpt_malformed.json", report=report))
    [error] = [e for e in report.errors if e.conversation_id == conversation]
    assert error.node_id == node
    assert error.path is not None
    assert error.path.endswith("chatgpt_malformed.json")
    assert f"conversation {conversation!r}" in str(error)
    assert f"node {node!r}" in str(error)


def test_strict_stops_at_the_first_malformed_conversation(data: Path) -> None:
    conversations = load_export(data / "chatgpt_malformed.json", strict=True)
    assert next(conversations).id == "good-1"
    with pytest.raises(MalformedExportError) as caught:
        next(conversations)
    assert caught.value.conversation_id == "no-mapping"
    assert isinstance(caught.value, ValueError)


def test_truncated_file_yields_what_came_before_then_raises(data: Path) -> None:
    conversations = load_export(data / "truncated.json")
    assert next(conversations).id == "t1"
    with pytest.raises(
        MalformedExportError, match=r"truncated\.json.*after 1 conversation"
    ) as caught:
        next(conversations)
    assert caught.value.kind == "not json"


def test_not_an_export(data: Path) -> None:
    with pytest.raises(MalformedExportError, match="no conversation of a known format") as caught:
        list(load_export(data / "not_an_export.json"))
    assert "'hello'" in str(caught.value)


@pytest.mark.parametrize("content", [b"", b"   \n", b"\x89PNG\r\n\x1a\nbinary", b"hello world"])
def test_not_json(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "export.json"
    path.write_bytes(content)
    with pytest.raises(MalformedExportError, match=r"export\.json"):
        list(load_export(path))


def test_missing_path_and_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(MalformedExportError, match="no such file"):
        load_export(tmp_path / "nope.json")
    with pytest.raises(MalformedExportError, match="valid formats: chatgpt, claude, plain"):
        load_export(tmp_path, format="bard")


def test_a_forced_format_that_reads_nothing_is_an_error(data: Path) -> None:
    """A format given by hand that no conversation reads as: an error, never a silent 0."""
    report = ExportReport()
    with pytest.raises(MalformedExportError, match="as the 'claude' format") as raised:
        list(load_export(data / "chatgpt_wrapped.json", format="claude", report=report))
    assert raised.value.kind == "wrong format"
    assert "chatgpt (2)" in str(raised.value)
    assert report.skipped == {"missing messages": 2}


def test_a_forced_format_that_reads_some_skips_the_others(tmp_path: Path) -> None:
    mixed = [
        {"uuid": "c1", "name": "", "chat_messages": [{"sender": "human", "text": "hi"}]},
        {"id": "p1", "messages": [{"role": "user", "content": "hello"}]},
    ]
    export = tmp_path / "mixed.json"
    export.write_text(json.dumps(mixed), encoding="utf-8")
    report = ExportReport()
    assert [c.id for c in load_export(export, format="claude", report=report)] == ["c1"]
    assert report.skipped.total() == 1


def test_errors_are_the_projects(data: Path) -> None:
    assert issubclass(MalformedExportError, ChunkingError)
