"""``python -m chunking import`` and ``db migrate|check``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from chunking.cli import main
from chunking.store import open_store
from tests.chunking.store.conftest import execute

SAMPLE = Path(__file__).resolve().parents[3] / "fixtures" / "sample_export.json"


def test_import_prints_the_counts_and_reimport_writes_nothing(
    store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "migrate", store_url]) == 0
    assert main(["import", str(SAMPLE), "--user", "ana", "--store", store_url, "--json"]) == 0
    main(["import", str(SAMPLE), "--user", "ana", "--store", store_url, "--json"])
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines()[1:])
    conversations = len(json.loads(SAMPLE.read_text()))
    assert first["inserted"] == conversations
    assert first["rows_written"] > 0
    assert second == {
        "inserted": 0,
        "replaced": 0,
        "unchanged": conversations,
        "pruned": 0,
        "skipped": 0,
        "rows_written": 0,
    }
    with open_store(store_url) as store:
        assert sum(store.versions("ana").values()) == first["rows_written"]


def test_prune_refuses_when_a_conversation_of_the_export_cannot_be_read(
    store_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    conversations = json.loads(SAMPLE.read_text())
    broken = [*conversations[:-1], {**conversations[-1], "messages": [{"role": "usr"}]}]
    export = tmp_path / "later.json"
    export.write_text(json.dumps(broken))
    user = ["--user", "ana", "--store", store_url, "--json"]
    assert main(["db", "migrate", store_url]) == 0
    assert main(["import", str(SAMPLE), *user]) == 0
    with open_store(store_url) as store:
        before = store.versions("ana")
        stored = {c.conversation_id for c in store.chunks("ana")}
    capsys.readouterr()

    assert main(["import", str(export), *user, "--prune"]) == 2
    assert "could not be read" in capsys.readouterr().err
    with open_store(store_url) as store:  # nothing pruned, nothing written
        assert store.versions("ana") == before
        assert {c.conversation_id for c in store.chunks("ana")} == stored

    assert main(["import", str(export), *user]) == 0  # without --prune: counted as skipped
    counts = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert (counts["pruned"], counts["skipped"]) == (0, 1)


def test_db_check_prints_the_differences(
    store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "migrate", store_url]) == 0
    assert main(["db", "check", store_url]) == 0
    execute(store_url, "ALTER TABLE conversation_chunks DROP COLUMN content_hash")
    assert main(["db", "check", store_url]) == 1
    assert "conversation_chunks.content_hash" in capsys.readouterr().err


def test_import_into_an_unmigrated_store_fails_with_advice(
    store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(SAMPLE), "--user", "ana", "--store", store_url]) == 2
    assert "db migrate" in capsys.readouterr().err


def test_an_unknown_store_url_lists_the_schemes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "check", "mysql://user:secret@host/db"]) == 2
    error = capsys.readouterr().err
    assert "sqlite://" in error
    assert "secret" not in error


def test_importing_the_store_does_not_import_psycopg() -> None:
    code = "import sys, chunking, chunking.store, chunking.cli; print('psycopg' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_import_into_a_missing_sqlite_store_creates_nothing_without_migrate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'chunks.db'}"
    assert main(["import", str(SAMPLE), "--user", "ana", "--store", url]) == 2
    error = capsys.readouterr().err
    assert "not found" in error
    assert "--migrate" in error
    assert list(tmp_path.iterdir()) == []
    assert main(["import", str(SAMPLE), "--user", "ana", "--store", url, "--migrate"]) == 0
    assert (tmp_path / "chunks.db").is_file()


def test_import_takes_the_tier_budgets(store_url: str) -> None:
    assert main(["db", "migrate", store_url]) == 0
    argv = ["import", str(SAMPLE), "--user", "ana", "--store", store_url, "--small", "16"]
    assert main(argv) == 0
    with open_store(store_url) as store:
        small = [c for c in store.chunks("ana") if c.chunk_tier.value == "small"]
    assert small
    assert max(c.token_count for c in small) <= 16


def test_db_check_of_a_missing_file_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "check", f"sqlite:///{tmp_path / 'none.db'}"]) == 2
    assert "not found" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
