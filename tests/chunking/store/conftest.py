"""Store fixtures: every store test runs against SQLite and a real PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from chunking.store import ChunkStore, open_store


@pytest.fixture
def store(store_url: str) -> Iterator[ChunkStore]:
    """A migrated store of each backend."""
    with open_store(store_url) as opened:
        opened.migrate()
        yield opened


def execute(url: str, *statements: str) -> list[tuple[Any, ...]]:
    """Run raw SQL on the database behind ``url`` (outside the store); rows of the last."""
    rows: list[tuple[Any, ...]] = []
    if url.startswith("sqlite:"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        try:
            for statement in statements:
                rows = connection.execute(statement).fetchall()
        finally:
            connection.close()
        return rows
    with psycopg.connect(url, autocommit=True) as connection:
        for statement in statements:
            cursor = connection.execute(statement.encode())
            rows = cursor.fetchall() if cursor.description else []
    return rows
