"""``python -m extraction``: run with --json, costs, health."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import extraction.store
from extraction.cli import main
from tests.extraction.conftest import SAMPLE_EXPORT
from tests.extraction.fakes import FakeChunkStore


def test_run_json_reports_status_ledger_and_memory_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = FakeChunkStore()
    monkeypatch.setattr(extraction.store, "open_chunk_store", lambda url, create=True: store)
    cache = tmp_path / "cache.sqlite3"
    argv = [
        "run",
        str(SAMPLE_EXPORT),
        "--user",
        "u1",
        "--store",
        "postgresql://example/db",
        "--migrate",
        "--cache",
        str(cache),
        "--out",
        str(tmp_path / "memory.md"),
        "--provider",
        "offline",
        "--json",
    ]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "complete"
    assert set(report["ledger"]) >= {"calls", "tokens", "cost_usd", "estimated"}
    assert report["ledger"]["estimated"] is True
    assert report["ledger"]["calls"] == 1
    assert Path(report["memory_path"]).read_text(encoding="utf-8").startswith("# Memory profile")
    assert store.migrated
    assert store.closed
    assert main(argv) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["ledger"]["calls"] == 0
    assert again["ledger"]["tokens"]["total"] == 0


def test_run_without_a_key_fails_naming_the_variable(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = [
        "run",
        str(SAMPLE_EXPORT),
        "--user",
        "u",
        "--store",
        "sqlite:///x",
        "--cache",
        str(tmp_path / "c"),
        "--out",
        str(tmp_path / "memory.md"),
    ]
    assert main(argv) == 2
    assert "ANTHROPIC_API_KEY" in capsys.readouterr().err


def test_a_store_that_cannot_be_opened_is_an_error_message_not_a_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = ["run", str(SAMPLE_EXPORT), "--user", "u", "--provider", "offline", "--migrate"]
    argv += ["--out", str(tmp_path / "memory.md")]
    assert main([*argv, "--store", "mysql://nowhere/db", "--cache", str(tmp_path / "c")]) == 2
    assert "mysql" in capsys.readouterr().err


def test_costs_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["costs", str(SAMPLE_EXPORT), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    names = [row["name"] for row in report["levers"]]
    assert names[0] == "naive"
    assert "default_levers" in names
    assert "stand-in" in report["llm"]


@pytest.mark.parametrize(
    "content", [b'[{"id": "c", "mapping": ', b"\x00\x01 not json", b"[" * 1_000 + b"]" * 1_000]
)
def test_an_unreadable_export_is_status_2_and_one_warning_never_a_traceback(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    content: bytes,
) -> None:
    export = tmp_path / "export.json"
    export.write_bytes(content)
    argv = ["run", str(export), "--user", "u", "--provider", "offline", "--json", "--migrate"]
    store = f"sqlite:///{tmp_path / 'chunks.db'}"
    assert main([*argv, "--store", store, "--out", str(tmp_path / "memory.md")]) == 2
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "failed"
    assert report["input_error"] is True
    assert str(export) in report["reason"]
    assert not [record for record in caplog.records if record.exc_info]


def _run_argv(tmp_path: Path, *extra: str) -> list[str]:
    store = f"sqlite:///{tmp_path / 'chunks.db'}"
    return ["run", str(SAMPLE_EXPORT), "--user", "u", "--provider", "offline", "--store", store,
            *extra]  # fmt: skip


def test_run_without_migrate_on_a_missing_store_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_run_argv(tmp_path, "--out", str(tmp_path / "memory.md"))) == 2
    error = capsys.readouterr().err
    assert "not found" in error
    assert "--migrate" in error
    assert list(tmp_path.iterdir()) == []  # no store, no cache, no memory


def test_run_out_dash_prints_the_memory_and_reports_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_run_argv(tmp_path, "--migrate", "--out", "-")) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("# Memory profile")
    assert "status: complete" in captured.err
    assert "memory: standard output" in captured.err
    assert main(_run_argv(tmp_path, "--out", "-", "--json")) == 2
    assert "--json prints the result on standard output" in capsys.readouterr().err


def test_run_takes_the_chunking_flags(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "memory.md"
    assert main(_run_argv(tmp_path, "--migrate", "--out", str(out), "--json")) == 0
    default = json.loads(capsys.readouterr().out)["chunks_stored"]
    argv = _run_argv(tmp_path, "--out", str(out), "--json", "--small", "16", "--medium", "48")
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["chunks_stored"] > default


def test_run_logs_progress_in_few_lines(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level("INFO")
    assert main(_run_argv(tmp_path, "--migrate", "--out", str(tmp_path / "m.md"))) == 0
    lines = [r.getMessage() for r in caplog.records if r.name == "chunking.progress"]
    assert len(lines) == 2  # a short run: the last line of each stage
    assert lines[0].startswith(f"reading {SAMPLE_EXPORT.name}: ")
    assert "(100%)" in lines[0]
    assert lines[1].startswith("extracting facts: ")
    assert "(100%)" in lines[1]
