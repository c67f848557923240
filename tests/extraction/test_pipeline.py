"""The full pass end to end: offline LLM, stores, failures, re-imports."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from chunking.store import open_store
from extraction.cache import MemoryFactCache, SqliteFactCache
from extraction.cache_url import open_fact_cache
from extraction.levers import DEFAULT_LEVERS
from extraction.memory import MemoryDocument
from extraction.memory_files import memory_file_name
from extraction.offline import OfflineLLM
from extraction.pipeline import file_memory_sink, run_full_pass
from tests.extraction.conftest import SAMPLE_EXPORT
from tests.extraction.fakes import FakeChunkStore, FlakyLLM
from tests.extraction.synthetic import PLANTED_FACTS, write_export

SAMPLE_FACTS = (
    "Name is Ana Souza",
    "Lives in Lisbon (moved from Porto)",
    "Works as a data engineer at a small logistics startup",
    "Has a cat named Miso",
    "Prefers short answers with code",
    "Is training for the Lisbon half marathon in October",
    "Goal: finish under two hours",
)


@pytest.fixture(params=["fake", "sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "fake":
        yield FakeChunkStore()
        return
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'chunks.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
    opened = open_store(url)
    opened.migrate()
    yield opened
    opened.close()


def full_pass(
    store: Any, llm: Any, cache: Any, tmp_path: Path, export: Path = SAMPLE_EXPORT, **options: Any
) -> Any:
    user_id = options.pop("user_id", "user-1")
    statuses: list[tuple[str, str | None]] = []
    progress: list[str] = []
    result = run_full_pass(
        user_id=user_id,
        fetch_export=lambda: export,
        store=store,
        llm=llm,
        cache=cache,
        save_memory=file_memory_sink(tmp_path / "memory"),
        update_profile=lambda _user, status, reason: statuses.append((status, reason)),
        on_progress=lambda stage, _done, _total: progress.append(stage),
        **options,
    )
    return result, statuses, progress


def test_full_pass_on_the_sample_export(store: Any, tmp_path: Path) -> None:
    cache = MemoryFactCache()
    user = f"user-{uuid.uuid4()}"  # a database may be shared between tests
    result, statuses, progress = full_pass(store, OfflineLLM(), cache, tmp_path, user_id=user)
    assert result.status == "complete"
    assert result.reason is None
    assert statuses == [("processing", None), ("complete", None)]
    assert progress[0] == "read"
    assert "extract" in progress
    assert progress[-1] == "save"
    memory = Path(result.memory_location).read_text(encoding="utf-8")
    for planted in SAMPLE_FACTS:
        assert f"- {planted}" in memory
    assert result.ledger.calls == 1
    assert result.ledger.estimated
    assert result.chunks_stored == len(store.chunks(user)) > 0
    assert "stand-in" in result.to_dict()["llm"]

    again, _, _ = full_pass(store, OfflineLLM(), cache, tmp_path, user_id=user)
    assert again.status == "complete"
    assert again.ledger.calls == 0
    assert again.ledger.total_tokens == 0
    assert again.ledger.cost_usd == 0
    assert again.ledger.estimated  # the offline LLM's figures, even when there are none
    assert Path(again.memory_location).read_text(encoding="utf-8") == memory


def test_ten_percent_failing_calls_end_failed_then_a_second_run_completes(
    store: Any, tmp_path: Path
) -> None:
    export = write_export(tmp_path / "export.json", 40)
    cache = SqliteFactCache(tmp_path / "cache.sqlite3")
    llm = FlakyLLM(fail_share=0.1)
    levers = DEFAULT_LEVERS.with_(chunks_per_call=1)
    user = f"user-{uuid.uuid4()}"
    first, statuses, _ = full_pass(store, llm, cache, tmp_path, export, levers=levers, user_id=user)
    assert first.status == "failed"
    assert statuses[-1] == ("failed", first.reason)
    assert 0 < len(first.failures) == llm.failed_calls < first.chunks_extracted
    assert f"{len(first.failures)} of {first.chunks_extracted} chunks failed" in (
        first.reason or ""
    )
    assert first.memory_location is not None  # the rest is saved

    llm.failing = False
    second, statuses, _ = full_pass(
        store, llm, cache, tmp_path, export, levers=levers, user_id=user
    )
    assert second.status == "complete"
    assert statuses[-1] == ("complete", None)
    assert second.ledger.calls == len(first.failures)  # only the failed chunks
    memory = Path(second.memory_location).read_text(encoding="utf-8")
    for planted in PLANTED_FACTS:
        assert f"- {planted}" in memory
    berlin = [line for line in memory.splitlines() if line.startswith("- Lives in Berlin")]
    assert len(berlin) == 1
    assert re.search(r"\(since \d{4}-\d\d-\d\d; before: “Lives in Coimbra” \(", berlin[0])
    assert "Produced by: flaky wrapper of: offline rule-based stand-in" in memory
    cache.close()


def test_a_failing_step_ends_failed_with_the_reason(tmp_path: Path) -> None:
    result, statuses, _ = full_pass(
        FakeChunkStore(),
        OfflineLLM(),
        MemoryFactCache(),
        tmp_path,
        export=tmp_path / "missing.json",
    )
    assert result.status == "failed"
    assert "MalformedExportError" in (result.reason or "")
    assert "no such file" in (result.reason or "")
    assert statuses == [("processing", None), ("failed", result.reason)]


def test_result_serialises_to_json(tmp_path: Path) -> None:
    result, _, _ = full_pass(FakeChunkStore(), OfflineLLM(), MemoryFactCache(), tmp_path)
    data = json.loads(json.dumps(result.to_dict()))
    assert set(data["ledger"]["tokens"]) == {
        "input",
        "output",
        "cache_write",
        "cache_read",
        "total",
    }
    assert data["ledger"]["estimated"] is True
    assert data["memory_path"]


def test_a_crash_while_saving_the_profile_leaves_the_previous_one_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    save = file_memory_sink(tmp_path)
    where = Path(save("u/1", MemoryDocument("# Memory profile\n\n- old\n", ())))
    real_write = Path.write_text

    def crash_midway(self: Path, data: str, **options: Any) -> int:
        real_write(self, data[: len(data) // 2], **options)
        raise OSError("disk full")

    monkeypatch.setattr(Path, "write_text", crash_midway)
    with pytest.raises(OSError, match="disk full"):
        save("u/1", MemoryDocument("# Memory profile\n\n- new and longer\n", ()))
    assert where.read_text(encoding="utf-8") == "# Memory profile\n\n- old\n"
    assert where.name == memory_file_name("u/1")
    assert where.name.startswith("u_1-")


def test_the_sqlite_cache_waits_for_another_writer_then_writes(tmp_path: Path) -> None:
    import sqlite3
    import threading

    from extraction.cache import CacheEntry, CacheKey

    path = tmp_path / "store.sqlite3"
    cache = SqliteFactCache(path)
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # as the chunk store does while it re-chunks
    key = CacheKey("h", "v", "m")
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        SqliteFactCache(path, timeout=0.05).put(key, CacheEntry(status="ok"))
    threading.Timer(0.2, holder.rollback).start()
    cache.put(key, CacheEntry(status="ok"))  # waited for the lock instead of failing
    assert cache.get(key) == CacheEntry(status="ok")
    holder.close()


def test_a_rerun_on_another_instance_costs_nothing_with_the_cache_in_postgres(
    pg_database: str, tmp_path: Path
) -> None:
    first_cache = open_fact_cache(pg_database)
    first, _, _ = full_pass(FakeChunkStore(), OfflineLLM(), first_cache, tmp_path)
    first_cache.close()  # type: ignore[attr-defined]
    other_instance = open_fact_cache(pg_database)  # a new connection: nothing kept in memory
    again, _, _ = full_pass(FakeChunkStore(), OfflineLLM(), other_instance, tmp_path)
    other_instance.close()  # type: ignore[attr-defined]
    assert first.status == again.status == "complete"
    assert first.ledger.calls > 0
    assert again.ledger.calls == 0
    assert again.facts == first.facts


def test_read_progress_is_in_bytes_of_the_export(store: Any, tmp_path: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    result = run_full_pass(
        user_id=f"user-{uuid.uuid4()}",
        fetch_export=lambda: SAMPLE_EXPORT,
        store=store,
        llm=OfflineLLM(),
        cache=MemoryFactCache(),
        save_memory=file_memory_sink(tmp_path / "memory"),
        on_progress=lambda stage, done, total: seen.append((stage, done, total)),
    )
    assert result.status == "complete"
    reads = [(done, total) for stage, done, total in seen if stage == "read"]
    size = SAMPLE_EXPORT.stat().st_size
    assert reads[0] == (0, size)
    assert reads[-1] == (size, size)
    assert seen.index(("read", size, size)) < [stage for stage, _, _ in seen].index("extract")
