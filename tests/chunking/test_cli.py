import json
import subprocess
import sys
from pathlib import Path

from chunking import ChunkTier
from chunking.cli import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "fixtures" / "sample_export.json"


def test_chunk_writes_one_chunk_per_line_and_a_summary(tmp_path, capsys):
    out = tmp_path / "chunks.jsonl"
    assert main(["chunk", str(SAMPLE), "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {row["chunk_tier"] for row in rows} == {tier.value for tier in ChunkTier}
    assert len({row["conversation_id"] for row in rows}) == 3
    summary = capsys.readouterr().out
    assert summary.startswith("3 conversations read, 0 skipped; 11 messages kept")
    assert f"{sum(row['chunk_tier'] == 'small' for row in rows)} small" in summary
    assert not (tmp_path / "chunks.jsonl.partial").exists()


def test_budgets_from_the_command_line(tmp_path):
    out = tmp_path / "chunks.jsonl"
    argv = ["chunk", str(SAMPLE), "--out", str(out), "--small", "16", "--medium", "64"]
    assert main(argv) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert max(row["token_count"] for row in rows if row["chunk_tier"] == "small") <= 16


def test_bad_input_is_a_clear_error_and_no_output(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"not": "a list"}', encoding="utf-8")
    out = tmp_path / "chunks.jsonl"
    assert main(["chunk", str(bad), "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert "bad.json" in error
    assert "no conversation of a known form" in error
    assert list(tmp_path.iterdir()) == [bad]


def test_bad_budget_is_a_clear_error(tmp_path, capsys):
    argv = ["chunk", str(SAMPLE), "--out", str(tmp_path / "o.jsonl"), "--small", "0"]
    assert main(argv) == 2
    assert "small budget must be a positive" in capsys.readouterr().err


def test_session_gap_from_the_command_line(tmp_path, capsys):
    """Two sittings a day apart: cut between them by default, not with ``--session-gap 0``."""
    messages = [
        {"role": ("user", "assistant")[i % 2], "content": f"Line {i} of the chat.",
         "create_time": 1714000000 + 60 * i + (86400 if i >= 4 else 0)}
        for i in range(16)
    ]  # fmt: skip
    export = tmp_path / "export.json"
    export.write_text(json.dumps([{"id": "c1", "title": "", "messages": messages}]))
    out = tmp_path / "chunks.jsonl"
    sizes = ["--small", "24", "--medium", "60", "--large", "120"]
    first_messages = {}
    for minutes in ("30", "0"):
        assert (
            main(["chunk", str(export), "--out", str(out), *sizes, "--session-gap", minutes]) == 0
        )
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        first_messages[minutes] = [
            row["message_ids"][0] for row in rows if row["chunk_tier"] == "large"
        ]
    assert first_messages["30"] == ["c1:0", "c1:4"]  # the second sitting opens a chunk
    assert len(first_messages["0"]) == 2
    assert "c1:4" not in first_messages["0"]
    for bad in ("-5", "nan", "inf"):
        argv = ["chunk", str(export), "--out", str(out), "--session-gap", bad]
        assert main(argv) == 2
        assert "--session-gap must be a number of minutes >= 0" in capsys.readouterr().err


def test_an_output_that_cannot_be_written_is_a_clear_error(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    out = blocker / "sub" / "chunks.jsonl"  # its folder would have to be inside a file
    assert main(["chunk", str(SAMPLE), "--out", str(out)]) == 2
    assert "a-file" in capsys.readouterr().err


def test_runs_as_a_module(tmp_path):
    out = tmp_path / "chunks.jsonl"
    result = subprocess.run(
        [sys.executable, "-m", "chunking", "chunk", str(SAMPLE), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert "conversations" in result.stdout


def test_out_dash_writes_the_chunks_to_standard_output_and_the_summary_to_stderr(tmp_path, capsys):
    assert main(["chunk", str(SAMPLE), "--out", "-"]) == 0
    captured = capsys.readouterr()
    rows = [json.loads(line) for line in captured.out.splitlines()]
    assert rows
    assert {row["chunk_tier"] for row in rows} == {tier.value for tier in ChunkTier}
    assert "wrote standard output" in captured.err
    assert not (tmp_path / "-").exists()


def test_the_written_chunks_read_back_equal_the_chunker_s(tmp_path):
    from chunking import chunk_conversations, read_chunks
    from chunking.formats import load_export

    out = tmp_path / "chunks.jsonl"
    assert main(["chunk", str(SAMPLE), "--out", str(out)]) == 0
    assert list(read_chunks(out)) == list(chunk_conversations(load_export(SAMPLE)))


def test_a_given_format_that_reads_nothing_is_an_error_not_a_silent_zero(tmp_path, capsys):
    out = tmp_path / "chunks.jsonl"
    assert main(["chunk", str(SAMPLE), "--format", "claude", "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert "as the 'claude' format" in error
    assert "Leave the format out" in error
    assert not out.exists()


def test_a_bare_message_list_is_one_conversation(tmp_path, capsys):
    export = tmp_path / "chat.json"
    export.write_text(
        json.dumps([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}])
    )
    out = tmp_path / "chunks.jsonl"
    assert main(["chunk", str(export), "--out", str(out)]) == 0
    assert capsys.readouterr().out.startswith("1 conversations read, 0 skipped; 2 messages kept")


def test_progress_is_logged_when_stderr_is_not_a_terminal(tmp_path, caplog):
    caplog.set_level("INFO", logger="chunking.progress")
    assert main(["chunk", str(SAMPLE), "--out", str(tmp_path / "o.jsonl")]) == 0
    lines = [r.getMessage() for r in caplog.records if r.name == "chunking.progress"]
    assert len(lines) == 1  # a short run: only the last line, no flood
    assert lines[0].startswith(f"reading {SAMPLE.name}: ")
    assert "(100%)" in lines[0]
    assert "3 conversations" in lines[0]
