"""The memory profiles, one row per user in the service's database."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from extraction.memory import MemoryDocument

if TYPE_CHECKING:
    from psycopg_pool import AsyncConnectionPool

__all__ = ["read", "sink"]

_UPSERT = (
    "INSERT INTO service_profiles (user_id, markdown, produced_by, import_id) "
    "VALUES (%s, %s, %s, %s) ON CONFLICT (user_id) DO UPDATE SET "
    "markdown = EXCLUDED.markdown, produced_by = EXCLUDED.produced_by, "
    "import_id = EXCLUDED.import_id, updated_at = now()"
)


def sink(
    database_url: str, import_id: str, *, produced_by: str
) -> Callable[[str, MemoryDocument], str]:
    """A memory sink for a full pass: replaces the user's profile row in one statement."""

    def save(user_id: str, document: MemoryDocument) -> str:
        import psycopg

        with psycopg.connect(database_url, autocommit=True) as connection:
            connection.execute(_UPSERT, (user_id, document.markdown, produced_by, import_id))
        return f"service_profiles/{user_id}"

    return save


async def read(pool: AsyncConnectionPool[Any], user_id: str) -> str | None:
    """The user's profile (Markdown), or ``None`` when none was built yet."""
    async with pool.connection() as connection:
        cursor = await connection.execute(
            "SELECT markdown FROM service_profiles WHERE user_id = %s", (user_id,)
        )
        row = await cursor.fetchone()
    return None if row is None else str(row[0])
