"""Two imports for one user at the same time neither duplicate nor interleave."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

from chunking import CHUNKING_VERSION, Chunk
from chunking.store import ChunkStore, SyncResult, open_store
from tests.chunking.store.exports import by_conversation, chunked, export


def slowly(chunks: list[Chunk]) -> Iterator[Chunk]:
    """Yield with pauses, so that both imports are in flight together."""
    for chunk in chunks:
        time.sleep(0.0005)
        yield chunk


def run_together(url: str, exports: list[list[Chunk]]) -> list[SyncResult]:
    barrier = threading.Barrier(len(exports))
    results: list[SyncResult | BaseException] = [RuntimeError("did not run")] * len(exports)

    def work(index: int) -> None:
        try:
            with open_store(url) as store:
                barrier.wait()
                results[index] = store.sync("ana", slowly(exports[index]), prune=True)
        except BaseException as error:  # noqa: BLE001 - re-raised in the main thread
            results[index] = error

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(exports))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return [result for result in results if isinstance(result, SyncResult)]


def test_two_imports_of_one_export_store_it_once(store: ChunkStore, store_url: str) -> None:
    chunks = chunked(export(6))
    results = run_together(store_url, [chunks, chunks])
    assert sorted((r.inserted, r.unchanged) for r in results) == [(0, 6), (6, 0)]
    assert store.versions("ana") == {CHUNKING_VERSION: len(chunks)}
    assert by_conversation(store.chunks("ana")) == by_conversation(chunks)


def test_two_imports_of_different_exports_do_not_interleave(
    store: ChunkStore, store_url: str
) -> None:
    first, second = chunked(export(6, seed=1)), chunked(export(6, seed=2))
    results = run_together(store_url, [first, second])
    assert sorted((r.inserted, r.replaced) for r in results) == [(0, 6), (6, 0)]
    final = by_conversation(store.chunks("ana"))
    assert final in (by_conversation(first), by_conversation(second))
    later = first if results[0].replaced else second
    assert final == by_conversation(later)
