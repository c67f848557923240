"""The public factory builds what the command line builds, from settings alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from extraction import build_llm, open_result_cache
from extraction.anthropic_llm import AnthropicLLM
from extraction.cache import CacheEntry, CacheKey, SqliteFactCache
from extraction.errors import SettingsError
from extraction.offline import OfflineLLM
from extraction.settings import load_settings


def test_offline_settings_build_the_offline_stand_in() -> None:
    llm = build_llm(load_settings(provider="offline"))
    assert isinstance(llm, OfflineLLM)
    assert llm.estimates


def test_direct_api_settings_build_claude_with_the_configured_model() -> None:
    settings = load_settings(provider="anthropic", anthropic_api_key="sk-ant-test-0000000000")
    llm = build_llm(settings)
    assert isinstance(llm, AnthropicLLM)
    assert llm.model == settings.model


def test_missing_credentials_are_a_settings_error_not_a_late_failure() -> None:
    with pytest.raises(SettingsError, match="ANTHROPIC_API_KEY"):
        build_llm(load_settings(provider="anthropic"))


def test_the_cache_defaults_to_the_store_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'chunks.sqlite3'}"
    key, entry = CacheKey("h", "p", "m"), CacheEntry(status="failed", reason="r")
    first = open_result_cache(url)
    first.put(key, entry)
    first.close()  # type: ignore[attr-defined]
    again = SqliteFactCache(tmp_path / "chunks.sqlite3")
    assert again.get(key) == entry
    again.close()


def test_a_cache_path_or_url_overrides_the_default(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'chunks.sqlite3'}"
    for cache in (str(tmp_path / "own.sqlite3"), f"sqlite:///{tmp_path / 'url.sqlite3'}"):
        opened = open_result_cache(store, cache)
        opened.put(CacheKey("h", "p", "m"), CacheEntry(status="failed", reason="r"))
        opened.close()  # type: ignore[attr-defined]
    assert (tmp_path / "own.sqlite3").exists()
    assert (tmp_path / "url.sqlite3").exists()
    assert not (tmp_path / "chunks.sqlite3").exists()
