"""The CLI streams an export through the readers and prints the readers' report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import chunking.formats
from chunking.cli import main


def test_summary_line_counts_skips_and_drops(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "chunks.jsonl"
    assert main(["chunk", str(data / "chatgpt_malformed.json"), "--out", str(out)]) == 0
    line = capsys.readouterr().out
    assert line.startswith("2 conversations read, 7 skipped (missing mapping: 2, unknown node: 2")
    assert "4 messages kept, 0 dropped" in line
    chunks = [json.loads(row) for row in out.read_text(encoding="utf-8").splitlines()]
    assert {chunk["conversation_id"] for chunk in chunks} == {"good-1", "good-2"}


def test_strict_flag_fails_with_the_location(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "chunks.jsonl"
    status = main(["chunk", str(data / "chatgpt_malformed.json"), "--out", str(out), "--strict"])
    assert status == 2
    assert "conversation 'no-mapping'" in capsys.readouterr().err


def test_public_names() -> None:
    names = chunking.formats.__all__
    assert set(names) == {
        "FORMATS",
        "ExportReport",
        "ReadOptions",
        "detect_format",
        "export_size",
        "load_export",
    }
    assert all(hasattr(chunking.formats, name) for name in names)
