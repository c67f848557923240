"""The plain format, as a JSON list and as JSON Lines."""

from __future__ import annotations

import json
from pathlib import Path

from chunking.formats import ExportReport, load_export

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures"


def test_json_lines(data: Path) -> None:
    report = ExportReport()
    first, second = load_export(data / "plain.jsonl", report=report)
    assert [(m.id, m.role.value, m.content) for m in first.messages] == [
        ("p1:0", "user", "I play the cello."),
        ("p1:1", "assistant", "Wonderful."),
    ]
    assert first.created_at is not None
    assert second.messages[0].label == "Ana"
    assert report.skipped == {"wrong type": 1}
    assert report.errors[0].conversation_id == "p3"


def test_json_list_matches_json_lines(data: Path, tmp_path: Path) -> None:
    lines = (data / "plain.jsonl").read_text(encoding="utf-8").splitlines()
    as_list = tmp_path / "plain.json"
    as_list.write_text(json.dumps([json.loads(line) for line in lines]), encoding="utf-8")
    assert list(load_export(as_list)) == list(load_export(data / "plain.jsonl"))


def test_project_sample_export() -> None:
    conversations = list(load_export(FIXTURES / "sample_export.json"))
    assert len(conversations) == 3
    assert all(c.messages for c in conversations)
