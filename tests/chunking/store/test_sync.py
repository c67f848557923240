"""Import semantics, each against SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from chunking import CHUNKING_VERSION, ChunkTier
from chunking.errors import AmbiguousChunkError, InvalidChunkError
from chunking.store import ChunkStore, SyncResult
from tests.chunking.store.conftest import execute
from tests.chunking.store.exports import by_conversation, chunked, conversation, export


def write_marker(store_url: str) -> Any:
    """Something that changes whenever any row of the store is written.

    Postgres: each row's ``xmin`` (the transaction that wrote it) and ``ctid``.
    SQLite: ``PRAGMA data_version`` seen from another connection, which moves
    on every commit that changed the file.
    """
    if store_url.startswith("sqlite:"):
        return execute(store_url, "PRAGMA data_version")
    return (
        execute(
            store_url, "SELECT xmin::text, ctid::text, id FROM conversation_chunks ORDER BY id"
        ),
        execute(store_url, "SELECT xmin::text, ctid::text FROM conversation_chunk_sets ORDER BY 1"),
    )


def stored(store: ChunkStore, user: str = "ana") -> dict[str, list[Any]]:
    return by_conversation(store.chunks(user))


def test_first_import_inserts_every_conversation(store: ChunkStore) -> None:
    chunks = chunked(export(4))
    result = store.sync("ana", iter(chunks))
    assert result == SyncResult(inserted=4, rows_written=len(chunks))
    assert stored(store) == by_conversation(chunks)
    assert store.versions("ana") == {CHUNKING_VERSION: len(chunks)}


def test_reimport_of_the_same_export_writes_zero_rows(store: ChunkStore, store_url: str) -> None:
    chunks = chunked(export(5))
    store.sync("ana", chunks)
    if store_url.startswith("sqlite:"):
        # data_version is per connection: take the baseline with a connection kept open.
        watcher = sqlite3.connect(store_url.removeprefix("sqlite:///"))
        before = watcher.execute("PRAGMA data_version").fetchone()
        result = store.sync("ana", iter(chunks))
        after = watcher.execute("PRAGMA data_version").fetchone()
        watcher.close()
    else:
        before = write_marker(store_url)
        result = store.sync("ana", iter(chunks))
        after = write_marker(store_url)
    assert result == SyncResult(unchanged=5, rows_written=0)
    assert before == after


def test_changed_conversation_is_replaced_and_others_untouched(store: ChunkStore) -> None:
    first = export(3)
    store.sync("ana", chunked(first))
    second = [first[0], conversation("c1", seed=99), first[2]]
    result = store.sync("ana", chunked(second))
    assert (result.inserted, result.replaced, result.unchanged) == (0, 1, 2)
    assert stored(store) == by_conversation(chunked(second))


def test_new_conversation_is_added(store: ChunkStore) -> None:
    store.sync("ana", chunked(export(2)))
    result = store.sync("ana", chunked(export(3)))
    assert (result.inserted, result.unchanged) == (1, 2)
    assert set(stored(store)) == {"c0", "c1", "c2"}


def test_absent_conversations_are_kept_unless_pruning(store: ChunkStore) -> None:
    store.sync("ana", chunked(export(3)))
    kept = store.sync("ana", chunked(export(1)))
    assert (kept.unchanged, kept.pruned, kept.rows_written) == (1, 0, 0)
    assert set(stored(store)) == {"c0", "c1", "c2"}
    pruned = store.sync("ana", chunked(export(1)), prune=True)
    assert (pruned.unchanged, pruned.pruned) == (1, 2)
    assert stored(store) == by_conversation(chunked(export(1)))


def test_users_are_separate(store: ChunkStore) -> None:
    chunks = chunked(export(2))
    store.sync("ana", chunks)
    store.sync("bob", chunks[: len(chunks) // 2], prune=True)
    assert stored(store, "ana") == by_conversation(chunks)
    assert store.versions("bob") == {CHUNKING_VERSION: len(chunks) // 2}
    small = next(chunk for chunk in chunks if chunk.chunk_tier is ChunkTier.SMALL)
    with pytest.raises(AmbiguousChunkError):
        store.parent(small.id)
    assert store.parent(small.id, user_id="ana") is not None


def test_reads_by_tier_conversation_parent_and_children(store: ChunkStore) -> None:
    chunks = chunked(export(2))
    store.sync("ana", chunks)
    for tier in ChunkTier:
        assert store.chunks("ana", tier=tier) == [c for c in chunks if c.chunk_tier is tier]
    assert store.chunks("ana", conversation_id="c1") == [
        c for c in chunks if c.conversation_id == "c1"
    ]
    assert store.chunks("ana", version=1) == []
    by_id = {chunk.id: chunk for chunk in chunks}
    for chunk in chunks:
        expected_parent = by_id.get(chunk.parent_id) if chunk.parent_id else None
        assert store.parent(chunk.id) == expected_parent
        expected_children = [c for c in chunks if c.parent_id == chunk.id]
        assert store.children(chunk.id) == expected_children
    assert store.parent("not-a-uuid") is None
    assert store.children("00000000-0000-0000-0000-000000000000") == []


def _corrupt(chunk: Any, field: str, value: object) -> Any:
    object.__setattr__(chunk, field, value)  # bypass the dataclass checks, as foreign code could
    return chunk


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("chunk_tier", "huge", "chunk_tier_enum"),
        ("start", -1, "start"),
        ("end", 0, "ends before it starts"),
        ("id", "", "id is missing"),
        ("parent_id", "x", "parent_id"),
        ("content", "a\x00b", "NUL"),
        ("token_count", True, "token_count"),
        ("content_hash", "abc", "content_hash"),
        ("chunking_version", 0, "chunking_version"),
    ],
)
def test_a_bad_chunk_refuses_the_whole_import(
    store: ChunkStore, field: str, value: object, message: str
) -> None:
    before = chunked(export(2))
    store.sync("ana", before)
    changed = chunked([conversation("c0", 5), conversation("c1", 6), conversation("c9", 1)])
    changed[-1] = _corrupt(changed[-1], field, value)  # the very last chunk of the stream
    with pytest.raises(InvalidChunkError, match=message):
        store.sync("ana", changed, prune=True)
    assert stored(store) == by_conversation(before)


def test_a_stream_not_grouped_by_conversation_is_refused(store: ChunkStore) -> None:
    a, b = chunked([conversation("a", 0)]), chunked([conversation("b", 0)])
    with pytest.raises(InvalidChunkError, match="not contiguous"):
        store.sync("ana", [*a[:1], *b, *a[1:]])
    assert store.versions("ana") == {}


def test_an_invalid_user_id_is_refused(store: ChunkStore) -> None:
    with pytest.raises(InvalidChunkError, match="user id"):
        store.sync("", chunked(export(1)))
