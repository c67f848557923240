"""Chunk store throughput, as ratios against a bare write of the same rows in the same run.

Bars (issue 4): importing ~100k chunks into Postgres takes at most 2x a bare
``COPY`` of the same rows into the same table; SQLite is reported against a
bare ``executemany``; re-importing the unchanged export costs at most 10% of
the first import. Chunking is done once beforehand and is not timed.
"""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from chunking import Chunk, chunk_conversations
from chunking.store import open_store
from chunking.store.postgres import row as postgres_row
from chunking.store.sqlite import row as sqlite_row
from tests.chunking.store.exports import CONFIG, conversation

TARGET_CHUNKS = 100_000
ROUNDS = 3


@pytest.fixture(scope="module")
def chunks() -> list[Chunk]:
    """About 100k chunks from synthetic conversations (chunked once, not timed)."""
    found: list[Chunk] = []
    index = 0
    while len(found) < TARGET_CHUNKS:
        batch = [conversation(f"c{index + i}", 0, messages=24) for i in range(200)]
        found.extend(chunk_conversations(batch, config=CONFIG))
        index += 200
    return found


@pytest.fixture
def pg_url(postgres_url: str) -> Iterator[str]:
    name = f"bench_{uuid.uuid4().hex}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}".encode())
    try:
        yield f"{postgres_url.rpartition('/')[0]}/{name}"
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)".encode())


def best(run: Callable[[], Any], reset: Callable[[], None]) -> float:
    """The fastest of ``ROUNDS`` timed runs, each after an untimed ``reset``."""
    times = []
    for _ in range(ROUNDS):
        reset()
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def report(capsys: pytest.CaptureFixture[str], line: str) -> None:
    with capsys.disabled():
        sys.stdout.write(f"\n{line}\n")


def _pg_reset(url: str) -> Callable[[], None]:
    def reset() -> None:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("TRUNCATE conversation_chunks, conversation_chunk_sets")
            connection.execute("VACUUM ANALYZE conversation_chunks")

    return reset


def test_postgres_import_vs_bare_copy(
    benchmark: Any, chunks: list[Chunk], pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    store = open_store(pg_url)
    store.migrate()
    reset = _pg_reset(pg_url)
    rows = [postgres_row("ana", chunk) for chunk in chunks]
    columns = ", ".join(f'"{name}"' for name in _columns())

    statement = f"COPY conversation_chunks ({columns}) FROM STDIN".encode()
    connection = psycopg.connect(pg_url)

    def bare_copy() -> None:
        with (
            connection.transaction(),
            connection.cursor() as cursor,
            cursor.copy(statement) as copy,
        ):
            for one in rows:
                copy.write_row(one)

    copy_time = best(bare_copy, reset)
    connection.close()
    import_time = best(lambda: store.sync("ana", chunks), reset)
    reimport_time = best(lambda: store.sync("ana", chunks), lambda: None)
    benchmark.pedantic(lambda: store.sync("ana", chunks), rounds=1, iterations=1)
    store.close()
    ratio, again = import_time / copy_time, reimport_time / import_time
    benchmark.extra_info.update(copy_s=copy_time, import_s=import_time, ratio=ratio)
    report(
        capsys,
        f"postgres, {len(chunks)} chunks: bare COPY {copy_time:.3f} s, import "
        f"{import_time:.3f} s, ratio {ratio:.2f} (bar 2.00); re-import {reimport_time:.3f} s "
        f"= {again:.1%} of the first import (bar 10%)",
    )
    assert ratio <= 2.0
    assert again <= 0.10


def test_sqlite_import_vs_bare_executemany(
    benchmark: Any,
    chunks: list[Chunk],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"sqlite:///{tmp_path}/bench.db"
    store = open_store(url)
    store.migrate()
    connection = store._connection  # type: ignore[attr-defined]  # the same database
    rows = [sqlite_row("ana", chunk) for chunk in chunks]
    marks = ", ".join("?" * len(rows[0]))
    columns = ", ".join(f'"{name}"' for name in _columns())

    def reset() -> None:
        connection.execute("DELETE FROM conversation_chunks")
        connection.execute("DELETE FROM conversation_chunk_sets")

    def bare_executemany() -> None:
        connection.execute("BEGIN")
        connection.executemany(
            f"INSERT INTO conversation_chunks ({columns}) VALUES ({marks})", rows
        )
        connection.execute("COMMIT")

    insert_time = best(bare_executemany, reset)
    import_time = best(lambda: store.sync("ana", chunks), reset)
    reimport_time = best(lambda: store.sync("ana", chunks), lambda: None)
    benchmark.pedantic(lambda: store.sync("ana", chunks), rounds=1, iterations=1)
    store.close()
    ratio, again = import_time / insert_time, reimport_time / import_time
    benchmark.extra_info.update(executemany_s=insert_time, import_s=import_time, ratio=ratio)
    report(
        capsys,
        f"sqlite, {len(chunks)} chunks: bare executemany {insert_time:.3f} s, import "
        f"{import_time:.3f} s, ratio {ratio:.2f}; re-import {reimport_time:.3f} s "
        f"= {again:.1%} of the first import (bar 10%)",
    )
    assert again <= 0.10


def _columns() -> tuple[str, ...]:
    from chunking.store.rows import CHUNK_COLUMNS

    return CHUNK_COLUMNS
