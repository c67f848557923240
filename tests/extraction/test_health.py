"""extraction.health(): modules, settings and store."""

from __future__ import annotations

import pytest

import extraction
import extraction.store
from extraction.settings import load_settings
from tests.extraction.fakes import FakeChunkStore


def test_healthy_with_offline_settings_and_a_store(monkeypatch: pytest.MonkeyPatch) -> None:
    store = FakeChunkStore()
    store.migrate()
    monkeypatch.setattr(extraction.store, "open_chunk_store", lambda url: store)
    report = extraction.health(settings=load_settings(provider="offline"), store_url="sqlite:///x")
    assert report == {"ok": True, "checks": {"imports": "ok", "settings": "ok", "store": "ok"}}
    assert store.closed


def test_reports_missing_settings_and_a_broken_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extraction.store, "open_chunk_store", lambda url: FakeChunkStore())
    report = extraction.health(store_url="postgresql://user:hunter2@db/x")
    assert report["ok"] is False
    assert "ANTHROPIC_API_KEY" in report["checks"]["settings"]
    assert report["checks"]["store"].startswith("store (postgresql) unavailable")
    assert "hunter2" not in str(report)
