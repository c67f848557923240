"""Uploaded exports, stored in the database in pieces of 1 MiB.

Any worker of any instance can then run the import: instances share the
database, not a disk. The body is never held in memory whole: it is stored
as it arrives (:func:`store`) and written back to a local file piece by
piece when the import runs (:func:`download`).
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from extraction.errors import ExtractionError

if TYPE_CHECKING:
    from psycopg_pool import AsyncConnectionPool

__all__ = ["PIECE_BYTES", "UploadTooLargeError", "discard", "download", "store"]

PIECE_BYTES = 1 << 20


class UploadTooLargeError(ExtractionError, ValueError):
    """The body is larger than the service accepts."""


async def store(
    pool: AsyncConnectionPool[Any],
    import_id: str,
    body: AsyncIterable[bytes],
    *,
    max_bytes: int,
) -> int:
    """Store ``body`` as the export of ``import_id``; returns its size in bytes.

    Raises:
        UploadTooLargeError: the body passed ``max_bytes`` (what was stored is
            left for the caller to :func:`discard`).
    """
    size = 0
    seq = 0
    buffer = bytearray()
    async for part in body:
        size += len(part)
        if size > max_bytes:
            raise UploadTooLargeError(
                f"the export is larger than the {max_bytes:,} bytes this service accepts"
            )
        buffer += part
        while len(buffer) >= PIECE_BYTES:
            await _insert(pool, import_id, seq, bytes(buffer[:PIECE_BYTES]))
            del buffer[:PIECE_BYTES]
            seq += 1
    if buffer or seq == 0:
        await _insert(pool, import_id, seq, bytes(buffer))
    return size


async def _insert(pool: AsyncConnectionPool[Any], import_id: str, seq: int, data: bytes) -> None:
    # A connection per piece, not per upload: a slow client does not hold one
    # of the pool's connections while its bytes trickle in. One round trip: the
    # piece, and the row's time, so that an upload still arriving is never
    # taken for abandoned (imports.delete_abandoned).
    async with pool.connection() as connection:
        await connection.execute(
            "WITH piece AS (INSERT INTO service_upload_pieces (import_id, seq, data) "
            "VALUES (%s, %s, %s)) UPDATE service_imports SET updated_at = now() WHERE id = %s",
            (import_id, seq, data, import_id),
        )


def download(database_url: str, import_id: str, path: Path) -> Path:
    """Write the export of ``import_id`` to ``path``, one piece at a time; blocking.

    Raises:
        ExtractionError: no piece of that export is stored (it was discarded).
    """
    import psycopg

    pieces = 0
    with (
        psycopg.connect(database_url) as connection,
        path.open("wb") as out,
        connection.cursor(name="upload_pieces") as cursor,  # server-side: row by row
    ):
        cursor.itersize = 1
        cursor.execute(
            "SELECT data FROM service_upload_pieces WHERE import_id = %s ORDER BY seq",
            (import_id,),
        )
        for (data,) in cursor:
            out.write(data)
            pieces += 1
    if pieces == 0:
        raise ExtractionError(
            f"the export of import {import_id} is no longer stored; upload it again"
        )
    return path


async def discard(pool: AsyncConnectionPool[Any], import_id: str) -> None:
    """Delete the stored export of ``import_id`` (once the import has ended)."""
    async with pool.connection() as connection:
        await connection.execute(
            "DELETE FROM service_upload_pieces WHERE import_id = %s", (import_id,)
        )
