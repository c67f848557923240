"""The result cache's backends: SQLite and PostgreSQL keep the same entries."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from extraction.batches import BatchJournal
from extraction.cache import CachedFact, CacheEntry, CacheKey
from extraction.cache_url import open_fact_cache
from extraction.errors import CacheError, SettingsError

OK = CacheEntry(
    status="ok",
    facts=(
        CachedFact("pets", "pet_name", "Has a cat called Saffron", (0, 2)),
        CachedFact("work", None, "Works as a nurse — nights «and» weekends", ()),
    ),
)
FAILED = CacheEntry(status="failed", reason="LLMCallError: RateLimitError (HTTP 429)")


@pytest.fixture
def cache(store_url: str) -> Iterator[Any]:
    opened = open_fact_cache(store_url)  # the cache lives beside the chunks
    yield opened
    opened.close()  # type: ignore[attr-defined]


def test_entries_round_trip_and_are_replaced(cache: Any) -> None:
    key = CacheKey("hash-1", "facts-v1", "claude-haiku-4-5")
    assert cache.get(key) is None
    cache.put(key, FAILED)
    assert cache.get(key) == FAILED
    cache.put(key, OK)
    assert cache.get(key) == OK
    assert cache.get(CacheKey("hash-1", "facts-v1", "another-model")) is None


def test_entries_outlive_the_connection(store_url: str) -> None:
    key = CacheKey("hash-2", "facts-v1/assistant-280", "claude-haiku-4-5")
    first = open_fact_cache(store_url)
    first.put(key, OK)
    first.close()  # type: ignore[attr-defined]
    again = open_fact_cache(store_url)  # the table exists already: opened, not recreated
    assert again.get(key) == OK
    again.close()  # type: ignore[attr-defined]


def test_an_unreachable_database_is_a_cache_error_without_the_password() -> None:
    pytest.importorskip("psycopg")
    with pytest.raises(CacheError) as caught:
        open_fact_cache("postgresql://ana:hunter2@127.0.0.1:1/db")
    assert "hunter2" not in str(caught.value)
    assert "***" in str(caught.value)


def test_another_scheme_is_a_settings_error() -> None:
    with pytest.raises(SettingsError, match="mysql"):
        open_fact_cache("mysql://db/x")


def test_the_batch_journal_lives_in_the_cache_database(store_url: str) -> None:
    digests = [f"{i:064x}" for i in range(700)]  # more than one statement's worth
    first = open_fact_cache(store_url)
    assert isinstance(first, BatchJournal)
    assert first.pending_batches(digests) == {}
    first.record_batch("msgbatch_a", digests[:400])
    first.record_batch("msgbatch_b", digests[300:])  # sent again: the newer id stands
    first.close()  # type: ignore[attr-defined]
    again = open_fact_cache(store_url)  # a restart finds them
    assert isinstance(again, BatchJournal)
    found = again.pending_batches(digests)
    assert found == {d: "msgbatch_a" if i < 300 else "msgbatch_b" for i, d in enumerate(digests)}
    again.forget_requests(digests[:10])
    again.forget_requests(digests[:10])  # forgetting twice is harmless
    again.forget_batch("msgbatch_b")
    assert again.pending_batches(digests) == dict.fromkeys(digests[10:300], "msgbatch_a")
    again.close()  # type: ignore[attr-defined]


def test_instances_opening_a_fresh_database_at_once_all_succeed(pg_database: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def open_and_close(_: int) -> str:
        cache = open_fact_cache(pg_database)
        cache.close()  # type: ignore[attr-defined]
        return "ok"

    with ThreadPoolExecutor(max_workers=6) as pool:
        assert list(pool.map(open_and_close, range(6))) == ["ok"] * 6


def test_a_password_given_as_a_parameter_stays_out_of_errors() -> None:
    pytest.importorskip("psycopg")
    with pytest.raises(CacheError) as caught:
        open_fact_cache("postgresql://127.0.0.1:1/db?user=ana&password=hunter2")
    assert "hunter2" not in str(caught.value)


def test_every_sqlite_url_a_store_accepts_opens_a_cache(tmp_path: Path) -> None:
    for url in ("sqlite://:memory:", f"SQLITE:///{tmp_path / 'c.db'}"):
        cache = open_fact_cache(url)
        cache.put(CacheKey("h", "v", "m"), FAILED)
        assert cache.get(CacheKey("h", "v", "m")) == FAILED
        cache.close()  # type: ignore[attr-defined]
    with pytest.raises(SettingsError, match="names no file"):
        open_fact_cache("sqlite:relative.db")
