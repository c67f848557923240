"""Migrations and the schema check, against both backends."""

from __future__ import annotations

import pytest

from chunking import CHUNKING_VERSION
from chunking.errors import SchemaMismatchError
from chunking.store import ChunkStore, open_store
from chunking.store.migrate import load_migrations
from tests.chunking.store.conftest import execute
from tests.chunking.store.exports import by_conversation, chunked, conversation, export


def differences(url: str) -> tuple[str, ...]:
    with open_store(url) as store, pytest.raises(SchemaMismatchError) as raised:
        store.verify_schema()
    return raised.value.differences


def test_a_migrated_store_matches_and_migrating_again_is_a_no_op(
    store: ChunkStore, store_url: str
) -> None:
    store.verify_schema()
    store.sync("ana", chunked(export(1)))
    store.migrate()
    store.verify_schema()
    applied = execute(store_url, "SELECT version FROM chunk_store_migrations ORDER BY version")
    assert [version for (version,) in applied] == [1, 2]


def test_an_empty_database_is_reported_as_such(store_url: str) -> None:
    (only,) = differences(store_url)
    assert "no chunk store" in only
    assert "db migrate" in only


def test_a_missing_enum_value_is_reported(store_url: str) -> None:
    if store_url.startswith("sqlite:"):
        with open_store(store_url) as store:
            store.migrate()
        execute(store_url, "DELETE FROM chunk_tier_enum WHERE label = 'medium'")
    else:
        # A database whose enum was created without the label, before the store's migrations.
        execute(store_url, "CREATE TYPE chunk_tier_enum AS ENUM ('small', 'large')")
        with open_store(store_url) as store:
            store.migrate()
    (only,) = differences(store_url)
    assert "chunk_tier_enum lacks label 'medium'" in only
    assert "0001_legacy_baseline" in only


def test_an_extra_enum_value_is_reported(store: ChunkStore, store_url: str) -> None:
    if store_url.startswith("sqlite:"):
        execute(store_url, "INSERT INTO chunk_tier_enum (label, sort_order) VALUES ('huge', 4)")
    else:
        execute(store_url, "ALTER TYPE chunk_tier_enum ADD VALUE 'huge'")
    (only,) = differences(store_url)
    assert "label 'huge' that ChunkTier does not" in only


def test_a_missing_column_is_reported_with_its_migration(store: ChunkStore, store_url: str) -> None:
    execute(store_url, "ALTER TABLE conversation_chunks DROP COLUMN content_hash")
    (only,) = differences(store_url)
    assert "conversation_chunks.content_hash" in only
    assert "is missing" in only
    assert "0002_chunk_store" in only


def test_every_difference_is_listed(store: ChunkStore, store_url: str) -> None:
    execute(
        store_url,
        "ALTER TABLE conversation_chunks DROP COLUMN content_hash",
        "ALTER TABLE conversation_chunks DROP COLUMN message_ids",
    )
    if store_url.startswith("sqlite:"):
        execute(store_url, "INSERT INTO chunk_tier_enum (label, sort_order) VALUES ('huge', 4)")
    else:
        execute(store_url, "ALTER TYPE chunk_tier_enum ADD VALUE 'huge'")
    found = differences(store_url)
    assert len(found) == 3
    assert any("message_ids" in line for line in found)


def test_a_pending_migration_is_reported(store_url: str) -> None:
    with open_store(store_url) as store:
        store.migrate(target=1)
    found = differences(store_url)
    assert "migration 0002_chunk_store is not applied" in found[0]
    assert any("conversation_chunks.chunking_version" in line for line in found)


_LEGACY_ROWS = [
    # (user, conversation, tier, index, total, content), one doubled row as production had.
    ("ana", "old-1", "large", 0, 1, "User: hello there"),
    ("ana", "old-1", "small", 0, 1, "User: hello there"),
    ("ana", "old-1", "small", 0, 1, "User: hello there"),
    ("bob", "old-2", "medium", 0, 1, "User: bye"),
]


def _insert_legacy(url: str) -> None:
    for number, (user, conversation_id, tier, index, total, content) in enumerate(_LEGACY_ROWS):
        chunk_id = f"00000000-0000-4000-8000-{number:012d}"
        execute(
            url,
            "INSERT INTO conversation_chunks (id, user_id, conversation_id, title, content, "
            "token_count, chunk_index, total_chunks, chunk_tier, created_at) VALUES "
            f"('{chunk_id}', '{user}', '{conversation_id}', NULL, '{content}', 3, {index}, "
            f"{total}, '{tier}', NULL)",
        )


def test_the_legacy_table_migrates_to_version_one(store_url: str) -> None:
    with open_store(store_url) as store:
        store.migrate(target=1)
    _insert_legacy(store_url)
    with open_store(store_url) as store:
        store.migrate()
        store.verify_schema()
        assert store.versions("ana") == {1: 3}
        assert store.versions("bob") == {1: 1}
        legacy = store.chunks("ana", version=1)
        assert {chunk.content for chunk in legacy} == {"User: hello there"}
        assert all(chunk.end == len(chunk.content) and chunk.title == "" for chunk in legacy)
        # A new import of the user's conversations stands beside the legacy ones, told apart
        # by version; re-importing a legacy conversation replaces its rows.
        new = chunked(export(2))
        assert store.sync("ana", new).inserted == 2
        assert store.versions("ana") == {1: 3, CHUNKING_VERSION: len(new)}
        assert by_conversation(store.chunks("ana")) == by_conversation(new)
        again = chunked([conversation("old-1", 0)])
        assert store.sync("ana", again).replaced == 1
        assert store.versions("ana") == {CHUNKING_VERSION: len(new) + len(again)}


def test_migrations_ship_as_package_data() -> None:
    for backend in ("postgres", "sqlite"):
        migrations = load_migrations(backend)
        assert [m.version for m in migrations] == [1, 2]
        assert all("conversation_chunks" in m.sql for m in migrations)
