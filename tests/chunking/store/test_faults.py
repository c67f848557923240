"""Fault injection: an import that dies at any point loses nothing and mixes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from chunking import Chunk
from chunking.errors import StoreError
from chunking.store import ChunkStore, open_store
from tests.chunking.store.conftest import execute
from tests.chunking.store.exports import by_conversation, chunked, conversation, export

ROOT = Path(__file__).resolve().parents[3]


def before_and_after() -> tuple[list[Chunk], list[Chunk]]:
    """An export, and a later one that changes two conversations and adds one."""
    first = export(3)
    second = [conversation("c0", 7), first[1], conversation("c2", 8), conversation("c3", 0)]
    return chunked(first), chunked(second)


def interrupt_after(
    store: Any, rows: int, fault: Callable[[], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Make the store's row writer call ``fault`` after ``rows`` rows went to the database."""
    original = store.insert_chunks

    def insert(user_id: str, chunks: Iterable[Chunk]) -> int:
        def stream() -> Iterator[Chunk]:
            for index, chunk in enumerate(chunks):
                if index == rows:
                    fault()
                yield chunk

        result: int = original(user_id, stream())
        return result

    monkeypatch.setattr(store, "insert_chunks", insert)


def test_an_exception_mid_write_leaves_every_conversation_as_it_was(
    store: ChunkStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new = before_and_after()
    store.sync("ana", old)

    def boom() -> None:
        raise RuntimeError("injected failure while writing rows")

    interrupt_after(store, 5, boom, monkeypatch)
    with pytest.raises(RuntimeError, match="injected"):
        store.sync("ana", new, prune=True)
    assert by_conversation(store.chunks("ana")) == by_conversation(old)
    monkeypatch.undo()
    assert store.sync("ana", new).replaced == 2
    assert by_conversation(store.chunks("ana")) == by_conversation(new)


def test_an_exception_in_the_stream_writes_nothing(store: ChunkStore) -> None:
    old, new = before_and_after()
    store.sync("ana", old)

    def failing() -> Iterator[Chunk]:
        yield from new[:-3]
        raise OSError("the export file vanished")

    with pytest.raises(OSError, match="vanished"):
        store.sync("ana", failing())
    assert by_conversation(store.chunks("ana")) == by_conversation(old)


def test_a_connection_killed_by_the_server_mid_write_loses_nothing(
    pg_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new = before_and_after()
    with open_store(pg_database) as store:
        store.migrate()
        store.sync("ana", old)
        pid = store.backend_pid  # type: ignore[attr-defined]

        def terminate() -> None:
            killed = execute(pg_database, f"SELECT pg_terminate_backend({pid})")
            assert killed == [(True,)]

        interrupt_after(store, 5, terminate, monkeypatch)
        with pytest.raises(StoreError):
            store.sync("ana", new, prune=True)
    with open_store(pg_database) as fresh:
        assert by_conversation(fresh.chunks("ana")) == by_conversation(old)
        # The dead session's advisory lock went with it: the next import proceeds.
        assert fresh.sync("ana", new).replaced == 2
        assert by_conversation(fresh.chunks("ana")) == by_conversation(new)


_CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from chunking.store import open_store
    from tests.chunking.store.test_faults import before_and_after

    store = open_store(sys.argv[1])
    original = store.insert_chunks

    def dying(user_id, chunks):
        def stream():
            for index, chunk in enumerate(chunks):
                if index == 7:
                    os.kill(os.getpid(), signal.SIGKILL)
                yield chunk
        return original(user_id, stream())

    store.insert_chunks = dying
    store.sync("ana", before_and_after()[1], prune=True)
    """
)


def run_until_killed(script: str, store_url: str) -> None:
    """Run ``script`` in a child process that must die of SIGKILL."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.run(
        [sys.executable, "-c", script, store_url],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert child.returncode == -9, child.stderr


def test_a_process_killed_mid_write_loses_nothing(store: ChunkStore, store_url: str) -> None:
    old, new = before_and_after()
    store.sync("ana", old)
    run_until_killed(_CHILD, store_url)
    with open_store(store_url) as fresh:
        assert by_conversation(fresh.chunks("ana")) == by_conversation(old)
        assert fresh.sync("ana", new).replaced == 2
        assert by_conversation(fresh.chunks("ana")) == by_conversation(new)


_BATCH_CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from chunking.store import open_store
    from tests.chunking.store.test_faults import before_and_after

    store = open_store(sys.argv[1])
    original = store.insert_chunks
    batches = 0

    def dying(user_id, chunks):
        global batches
        batches += 1
        def stream():
            for index, chunk in enumerate(chunks):
                if batches == 2 and index == 3:
                    os.kill(os.getpid(), signal.SIGKILL)
                yield chunk
        return original(user_id, stream())

    store.insert_chunks = dying
    store.sync("ana", before_and_after()[1], prune=True, batch_rows=1)
    """
)


def test_a_process_killed_in_a_later_batch_leaves_each_conversation_old_or_new(
    store: ChunkStore, store_url: str
) -> None:
    old, new = before_and_after()
    store.sync("ana", old)
    run_until_killed(_BATCH_CHILD, store_url)
    before, after = by_conversation(old), by_conversation(new)
    with open_store(store_url) as fresh:
        stored = by_conversation(fresh.chunks("ana"))
        # The first batch (c0, changed) committed; the second (c1, unchanged, so c2) died.
        assert stored["c0"] == after["c0"]
        assert stored["c2"] == before["c2"]
        assert set(stored) == {"c0", "c1", "c2"}
        for conversation_id, chunks in stored.items():
            assert chunks in (before.get(conversation_id), after.get(conversation_id))
        rerun = fresh.sync("ana", new, prune=True)
        assert (rerun.unchanged, rerun.replaced, rerun.inserted) == (2, 1, 1)
        assert by_conversation(fresh.chunks("ana")) == after
