"""The import rows: one per uploaded export, with its status, progress and result.

Statuses: ``uploading`` (the body is being stored), ``queued``,
``processing``, ``retrying`` (a run ended early and another is scheduled),
then ``complete`` or ``failed`` (final, with a reason). Every function takes
an open async connection pool of the service's database.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from extraction.errors import ExtractionError

if TYPE_CHECKING:
    from psycopg_pool import AsyncConnectionPool

__all__ = [
    "PENDING",
    "ImportRecord",
    "Status",
    "TooManyPendingError",
    "create",
    "delete",
    "delete_abandoned",
    "get",
    "mark_queued",
    "set_progress",
    "set_status",
]

Status = Literal["uploading", "queued", "processing", "retrying", "complete", "failed"]
PENDING: tuple[Status, ...] = ("uploading", "queued", "processing", "retrying")
"""The statuses of an import that has not ended."""

_COLUMNS = (
    "id, user_id, status, attempts, export_bytes, stage, done, total, result, reason, "
    "created_at, started_at, finished_at, updated_at"
)


class TooManyPendingError(ExtractionError, RuntimeError):
    """The user already has as many imports pending as allowed; try again later."""


@dataclass(frozen=True, slots=True)
class ImportRecord:
    """One import as stored."""

    id: str
    user_id: str
    status: Status
    attempts: int
    export_bytes: int
    stage: str | None
    done: int | None
    total: int | None
    result: dict[str, Any] | None
    reason: str | None
    created_at: datetime
    started_at: datetime | None
    """When the last run began."""
    finished_at: datetime | None
    """When the import ended (``complete`` or ``failed``)."""
    updated_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (what ``GET /jobs/{id}`` answers)."""
        return {
            "id": self.id,
            "user_id": self.user_id,
            "status": self.status,
            "attempts": self.attempts,
            "export_bytes": self.export_bytes,
            "progress": {"stage": self.stage, "done": self.done, "total": self.total},
            "result": self.result,
            "reason": self.reason,
            "created_at": self.created_at.isoformat(),
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "updated_at": self.updated_at.isoformat(),
        }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


async def create(pool: AsyncConnectionPool[Any], user_id: str, *, max_pending: int) -> str:
    """A new ``uploading`` import of ``user_id``; returns its id.

    Raises:
        TooManyPendingError: the user has ``max_pending`` imports not yet ended.
    """
    import_id = str(uuid.uuid4())
    async with pool.connection() as connection, connection.transaction():
        # One user's concurrent uploads are counted one at a time.
        await connection.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"imports:{user_id}",)
        )
        cursor = await connection.execute(
            "SELECT count(*) FROM service_imports WHERE user_id = %s AND status = ANY(%s)",
            (user_id, list(PENDING)),
        )
        row = await cursor.fetchone()
        pending = int(row[0]) if row else 0
        if pending >= max_pending:
            raise TooManyPendingError(
                f"user {user_id!r} has {pending} imports pending (at most {max_pending}); "
                "wait for one to end"
            )
        await connection.execute(
            "INSERT INTO service_imports (id, user_id, status) VALUES (%s, %s, 'uploading')",
            (import_id, user_id),
        )
    return import_id


async def get(pool: AsyncConnectionPool[Any], import_id: str) -> ImportRecord | None:
    """The import ``import_id``, or ``None`` when there is none (or the id is not a UUID)."""
    try:
        key = uuid.UUID(import_id)
    except ValueError:
        return None
    async with pool.connection() as connection:
        cursor = await connection.execute(
            f"SELECT {_COLUMNS} FROM service_imports WHERE id = %s", (key,)
        )
        row = await cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    values[0] = str(values[0])
    return ImportRecord(*values)


async def set_status(
    pool: AsyncConnectionPool[Any],
    import_id: str,
    status: Status,
    *,
    reason: str | None = None,
    result: dict[str, Any] | None = None,
    attempts: int | None = None,
    export_bytes: int | None = None,
) -> None:
    """Record ``status`` (and whichever of the other fields are given)."""
    from psycopg.types.json import Jsonb

    async with pool.connection() as connection:
        await connection.execute(
            "UPDATE service_imports SET status = %s, reason = %s, "
            "result = COALESCE(%s, result), attempts = COALESCE(%s, attempts), "
            "export_bytes = COALESCE(%s, export_bytes), "
            "started_at = CASE WHEN %s::text = 'processing' THEN now() ELSE started_at END, "
            "finished_at = CASE WHEN %s::text IN ('complete', 'failed') THEN now() END, "
            "updated_at = now() WHERE id = %s",
            (
                status,
                reason,
                Jsonb(result) if result is not None else None,
                attempts,
                export_bytes,
                status,
                status,
                import_id,
            ),
        )


async def mark_queued(
    pool: AsyncConnectionPool[Any], import_id: str, *, job_id: int, export_bytes: int
) -> None:
    """Record the import's job and size; ``uploading`` becomes ``queued``.

    A worker that already took the job has written a later status; it is kept.
    """
    async with pool.connection() as connection:
        await connection.execute(
            "UPDATE service_imports SET job_id = %s, export_bytes = %s, updated_at = now(), "
            "status = CASE WHEN status = 'uploading' THEN 'queued' ELSE status END "
            "WHERE id = %s",
            (job_id, export_bytes, import_id),
        )


async def set_progress(
    pool: AsyncConnectionPool[Any], import_id: str, stage: str, done: int, total: int
) -> None:
    """Record how far the import's pass is: ``done`` of ``total`` in ``stage``."""
    async with pool.connection() as connection:
        await connection.execute(
            "UPDATE service_imports SET stage = %s, done = %s, total = %s, updated_at = now() "
            "WHERE id = %s",
            (stage, done, total, import_id),
        )


async def delete(pool: AsyncConnectionPool[Any], import_id: str) -> None:
    """Forget an import that never got queued (an upload that failed), with its pieces."""
    async with pool.connection() as connection:
        await connection.execute("DELETE FROM service_imports WHERE id = %s", (import_id,))


async def delete_abandoned(pool: AsyncConnectionPool[Any], *, idle_s: float) -> int:
    """Delete uploads that stopped arriving ``idle_s`` seconds ago (a server died mid-upload).

    Without this, such a row would count against its user's pending imports
    forever. Returns how many were deleted.
    """
    async with pool.connection() as connection:
        cursor = await connection.execute(
            "DELETE FROM service_imports WHERE status = 'uploading' "
            "AND updated_at < now() - make_interval(secs => %s)",
            (idle_s,),
        )
        return int(cursor.rowcount)
