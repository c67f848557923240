"""The schema the code expects, and its comparison with a live database.

Each backend reads its catalog into a :class:`LiveSchema` (one cheap query
each for the enum labels, the columns, the indexes and the applied
migrations); :func:`differences` compares it with the code and
:func:`verify_schema` raises with every difference listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from chunking.errors import SchemaMismatchError
from chunking.store.migrate import Migration
from chunking.tiers import ChunkTier

__all__ = [
    "CHUNKS_TABLE",
    "CHUNK_SETS_TABLE",
    "COLUMNS",
    "INDEXES",
    "Column",
    "LiveSchema",
    "differences",
    "verify_schema",
]

CHUNKS_TABLE = "conversation_chunks"
CHUNK_SETS_TABLE = "conversation_chunk_sets"
TIER_ENUM = "chunk_tier_enum"


@dataclass(frozen=True, slots=True)
class Column:
    """An expected column: its table, name, type per backend and the migration that makes it."""

    table: str
    name: str
    postgres: str
    sqlite: str
    migration: int


def _columns() -> tuple[Column, ...]:
    baseline = (
        ("id", "uuid", "TEXT"),
        ("user_id", "text", "TEXT"),
        ("conversation_id", "text", "TEXT"),
        ("title", "text", "TEXT"),
        ("content", "text", "TEXT"),
        ("token_count", "int4", "INTEGER"),
        ("chunk_index", "int4", "INTEGER"),
        ("total_chunks", "int4", "INTEGER"),
        ("chunk_tier", TIER_ENUM, "TEXT"),
        ("created_at", "timestamptz", "TEXT"),
    )
    store = (
        ("parent_id", "uuid", "TEXT"),
        ("start", "int4", "INTEGER"),
        ("end", "int4", "INTEGER"),
        ("message_ids", "_text", "TEXT"),
        ("content_hash", "text", "TEXT"),
        ("chunking_version", "int4", "INTEGER"),
    )
    sets = (
        ("user_id", "text", "TEXT"),
        ("conversation_id", "text", "TEXT"),
        ("fingerprint", "text", "TEXT"),
        ("chunk_count", "int4", "INTEGER"),
        ("chunking_version", "int4", "INTEGER"),
    )
    return (
        *(Column(CHUNKS_TABLE, n, pg, lite, 1) for n, pg, lite in baseline),
        *(Column(CHUNKS_TABLE, n, pg, lite, 2) for n, pg, lite in store),
        *(Column(CHUNK_SETS_TABLE, n, pg, lite, 2) for n, pg, lite in sets),
    )


COLUMNS = _columns()
"""Every column the store reads or writes (extra columns in the database are allowed)."""

INDEXES = {
    "conversation_chunks_position_key": 2,
    "conversation_chunks_conversation_idx": 2,
    "conversation_chunks_parent_idx": 2,
}
"""Index name -> the migration that creates it; the position key forbids doubled rows."""


@dataclass(frozen=True, slots=True)
class LiveSchema:
    """What a backend read from its catalog."""

    backend: str
    tier_labels: tuple[str, ...] | None
    columns: Mapping[tuple[str, str], str]
    indexes: frozenset[str]
    applied: frozenset[int]


def differences(live: LiveSchema, migrations: tuple[Migration, ...]) -> list[str]:
    """Every way ``live`` differs from the code, each with what fixes it."""
    names = {migration.version: migration.name for migration in migrations}
    if not live.applied and not live.columns:
        return [
            "the database has no chunk store (no migration applied, no conversation_chunks "
            "table); run `python -m chunking db migrate URL`, or the command again with --migrate"
        ]
    found = [
        f"migration {names[version]} is not applied; run `python -m chunking db migrate URL`, "
        "or the command again with --migrate"
        for version in sorted(set(names) - live.applied)
    ]
    found += _enum_differences(live, names)
    found += _column_differences(live, names)
    found += [
        f"index {index} is missing; it is created by migration {names[version]}"
        + _restore_hint(live, version)
        for index, version in INDEXES.items()
        if index not in live.indexes
    ]
    return found


def verify_schema(live: LiveSchema, migrations: tuple[Migration, ...]) -> None:
    """Raise ``SchemaMismatchError`` if ``live`` differs from the code in any way."""
    found = differences(live, migrations)
    if found:
        raise SchemaMismatchError(found)


def _restore_hint(live: LiveSchema, version: int) -> str:
    if version in live.applied:
        return (
            " (recorded as applied, so the database was changed after migrating: "
            "restore it by hand as that migration defines it)"
        )
    return "; run `python -m chunking db migrate URL`"


def _enum_differences(live: LiveSchema, names: Mapping[int, str]) -> list[str]:
    expected = tuple(tier.value for tier in ChunkTier)
    fix = f"migration {names[1]} defines it" + _restore_hint(live, 1)
    if live.tier_labels is None:
        return [f"enum {TIER_ENUM} is missing; expected labels {list(expected)}; {fix}"]
    found = [
        f"enum {TIER_ENUM} lacks label {label!r} (ChunkTier has it); {fix}"
        for label in expected
        if label not in live.tier_labels
    ]
    found += [
        f"enum {TIER_ENUM} has label {label!r} that ChunkTier does not; expected exactly "
        f"{list(expected)}; drop the label (or add it to ChunkTier and a migration)"
        for label in live.tier_labels
        if label not in expected
    ]
    if not found and live.tier_labels != expected:
        found.append(
            f"enum {TIER_ENUM} labels are ordered {list(live.tier_labels)}; expected "
            f"{list(expected)} (finest to coarsest); {fix}"
        )
    return found


def _column_differences(live: LiveSchema, names: Mapping[int, str]) -> list[str]:
    found = []
    for column in COLUMNS:
        expected = column.postgres if live.backend == "postgres" else column.sqlite
        actual = live.columns.get((column.table, column.name))
        where = f"{column.table}.{column.name}"
        fix = f"migration {names[column.migration]} creates it" + _restore_hint(
            live, column.migration
        )
        if actual is None:
            found.append(f"column {where} ({expected}) is missing; {fix}")
        elif actual != expected:
            found.append(f"column {where} has type {actual}; expected {expected}; {fix}")
    return found
