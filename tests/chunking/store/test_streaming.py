"""The streaming sync: batches, their failures, paged reads and locks, on both backends."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from chunking import Chunk, ChunkTier
from chunking.errors import InvalidChunkError
from chunking.store import ChunkStore, SyncResult, open_store
from tests.chunking.store.exports import by_conversation, chunked, conversation, export


def conversations_of(chunks: list[Chunk]) -> list[str]:
    return list(by_conversation(chunks))


def test_one_conversation_per_batch_stores_what_one_batch_stores(store: ChunkStore) -> None:
    chunks = chunked(export(6))
    result = store.sync("ana", chunks, batch_rows=1)
    assert result == SyncResult(inserted=6, rows_written=len(chunks))
    assert by_conversation(store.chunks("ana")) == by_conversation(chunks)
    assert store.sync("ana", chunks, batch_rows=1) == SyncResult(unchanged=6)


def test_batches_split_only_between_conversations(
    store: ChunkStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    chunks = chunked(export(5))
    batches: list[list[str]] = []
    original = store.insert_chunks  # type: ignore[attr-defined]

    def insert(user_id: str, rows: Iterator[Chunk]) -> int:
        seen = list(rows)
        batches.append(sorted({chunk.conversation_id for chunk in seen}))
        return int(original(user_id, iter(seen)))

    monkeypatch.setattr(store, "insert_chunks", insert)
    sizes = {c: len(group) for c, group in by_conversation(chunks).items()}
    limit = sizes["c0"] + sizes["c1"]
    store.sync("ana", chunks, batch_rows=limit)
    assert batches[0] == ["c0", "c1"]
    assert [c for batch in batches for c in batch] == ["c0", "c1", "c2", "c3", "c4"]
    for batch in batches:
        assert len(batch) == 1 or sum(sizes[c] for c in batch) <= limit
    assert by_conversation(store.chunks("ana")) == by_conversation(chunks)


def test_a_failure_in_a_later_batch_keeps_the_earlier_batches_and_a_rerun_converges(
    store: ChunkStore,
) -> None:
    old = chunked(export(4))
    store.sync("ana", old)
    new = chunked([conversation(f"c{index}", 9) for index in range(4)])
    groups = by_conversation(new)

    def failing() -> Iterator[Chunk]:
        yield from groups["c0"]
        yield from groups["c1"]
        yield from groups["c2"][:2]
        raise OSError("the export file vanished")

    with pytest.raises(OSError, match="vanished"):
        store.sync("ana", failing(), batch_rows=1)
    after = by_conversation(store.chunks("ana"))
    before = by_conversation(old)
    # c0 went out in its own batch; c1's batch was complete but is written only when the
    # next conversation starts; c2 was cut short. None is half-replaced.
    assert after["c0"] == groups["c0"]
    for conversation_id in ("c1", "c2", "c3"):
        assert after[conversation_id] == before[conversation_id]
    rerun = store.sync("ana", new, batch_rows=1)
    assert (rerun.unchanged, rerun.replaced) == (1, 3)
    assert by_conversation(store.chunks("ana")) == groups


def test_a_bad_chunk_refuses_its_batch_and_the_earlier_ones_stay(store: ChunkStore) -> None:
    chunks = chunked(export(3))
    bad = chunks[-1]
    object.__setattr__(bad, "token_count", -1)
    with pytest.raises(InvalidChunkError, match="token_count"):
        store.sync("ana", chunks, batch_rows=1)
    assert sorted(by_conversation(store.chunks("ana"))) == ["c0", "c1"]


def test_pruning_waits_for_the_end_of_the_stream(store: ChunkStore) -> None:
    store.sync("ana", chunked(export(4)))

    def failing() -> Iterator[Chunk]:
        yield from chunked(export(1))
        raise OSError("cut short")

    with pytest.raises(OSError, match="cut short"):
        store.sync("ana", failing(), prune=True, batch_rows=1)
    assert sorted(by_conversation(store.chunks("ana"))) == ["c0", "c1", "c2", "c3"]
    result = store.sync("ana", chunked(export(1)), prune=True, batch_rows=1)
    assert (result.unchanged, result.pruned) == (1, 3)
    assert sorted(by_conversation(store.chunks("ana"))) == ["c0"]


def test_prune_keeps_exactly_the_given_conversations(store: ChunkStore) -> None:
    chunks = chunked(export(4))
    store.sync("ana", chunks)
    store.sync("bob", chunks)
    result = store.prune("ana", keep={"c1", "c3", "never-stored"})
    rows = sum(len(g) for c, g in by_conversation(chunks).items() if c in ("c0", "c2"))
    assert result == SyncResult(pruned=2, rows_written=rows)
    assert sorted(by_conversation(store.chunks("ana"))) == ["c1", "c3"]
    assert sorted(by_conversation(store.chunks("bob"))) == ["c0", "c1", "c2", "c3"]


@pytest.mark.parametrize("page_rows", [1, 7, 2_000])
def test_paged_reads_equal_the_whole_read(store: ChunkStore, page_rows: int) -> None:
    store.sync("ana", chunked(export(9)))
    store.sync("bob", chunked(export(2)))
    for tiers in (None, [ChunkTier.MEDIUM], [ChunkTier.SMALL, ChunkTier.LARGE], []):
        expected = [c for c in store.chunks("ana") if tiers is None or c.chunk_tier in tiers]
        paged = list(store.iter_chunks("ana", tiers=tiers, page_rows=page_rows))
        assert paged == expected
        assert store.count_chunks("ana", tiers=tiers) == len(expected)


def test_another_users_import_is_not_held_up_by_a_long_one(store_url: str) -> None:
    """Ana's import pauses between batches; Bob's whole import runs meanwhile."""
    with open_store(store_url) as setup:
        setup.migrate()
    paused, resume = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def long_stream() -> Iterator[Chunk]:
        groups = by_conversation(chunked(export(3, prefix="a")))
        yield from groups["a0"]
        yield from groups["a1"]
        yield groups["a2"][0]  # a1 is complete: a0's batch is written
        paused.set()
        if not resume.wait(timeout=60):
            raise TimeoutError("the test never resumed the import")
        yield from groups["a2"][1:]

    def ana() -> None:
        try:
            with open_store(store_url) as store:
                store.sync("ana", long_stream(), batch_rows=1)
        except BaseException as error:  # noqa: BLE001 - re-raised in the test
            failures.append(error)

    thread = threading.Thread(target=ana)
    thread.start()
    try:
        assert paused.wait(timeout=60)
        with open_store(store_url) as other:
            result = other.sync("bob", chunked(export(2, prefix="b")))
            assert result.inserted == 2
            assert sorted(by_conversation(other.chunks("ana"))) == ["a0"]
    finally:
        resume.set()
        thread.join(timeout=60)
    assert not failures
    with open_store(store_url) as done:
        assert sorted(by_conversation(done.chunks("ana"))) == ["a0", "a1", "a2"]
