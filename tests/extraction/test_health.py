"""extraction.health(): modules, settings and store."""

from __future__ import annotations

from pathlib import Path

import pytest

import extraction
import extraction.store
from extraction.settings import load_settings
from tests.extraction.fakes import FakeChunkStore


def test_healthy_with_offline_settings_and_a_store(monkeypatch: pytest.MonkeyPatch) -> None:
    store = FakeChunkStore()
    store.migrate()
    monkeypatch.setattr(extraction.store, "open_chunk_store", lambda url, create=True: store)
    report = extraction.health(settings=load_settings(provider="offline"), store_url="sqlite:///x")
    assert report == {"ok": True, "checks": {"imports": "ok", "settings": "ok", "store": "ok"}}
    assert store.closed


def test_reports_missing_settings_and_a_broken_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        extraction.store, "open_chunk_store", lambda url, create=True: FakeChunkStore()
    )
    report = extraction.health(store_url="postgresql://user:hunter2@db/x")
    assert report["ok"] is False
    assert "ANTHROPIC_API_KEY" in report["checks"]["settings"]
    assert report["checks"]["store"].startswith("store (postgresql) unavailable")
    assert "hunter2" not in str(report)


def test_a_missing_sqlite_store_is_not_found_and_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    report = extraction.health(
        settings=load_settings(provider="offline"), store_url=f"sqlite:///{missing}"
    )
    assert report["ok"] is False
    assert "StoreNotFoundError" in report["checks"]["store"]
    assert "not found" in report["checks"]["store"]
    assert list(tmp_path.iterdir()) == []


def test_an_unmigrated_store_says_what_to_run(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    report = extraction.health(
        settings=load_settings(provider="offline"), store_url=f"sqlite:///{empty}"
    )
    assert "db migrate" in report["checks"]["store"]


def test_a_postgres_password_never_appears(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chunking.errors import StoreError

    def refuse(url: str, create: bool = True) -> None:
        raise StoreError(f"could not reach {url}: password authentication failed")

    monkeypatch.setattr(extraction.store, "open_chunk_store", refuse)
    report = extraction.health(
        settings=load_settings(provider="offline"), store_url="postgresql://ana:hunter2@db/x"
    )
    assert "password authentication failed" in report["checks"]["store"]
    assert "hunter2" not in str(report)
