"""The cluster-wide cap on LLM calls in flight, held in PostgreSQL.

A call holds one of ``cap`` *permits* while it is in flight. A permit is a
session advisory lock ``(namespace, slot)`` with ``slot`` in ``0..cap-1``,
taken with ``pg_try_advisory_lock`` on a pooled connection and released
when the call ends. So every process that shares the database shares the
cap, and a process that dies releases its permits with its connections:
no permit can leak. A caller that finds every slot taken gives its
connection back to the pool, waits and tries again (50 ms, doubling to
500 ms, with jitter): only calls in flight hold connections, so callers
waiting for a permit never starve the pool's other users (uploads,
heartbeats, the chunk store).

:class:`PermittedLLM` wraps any :class:`~extraction.llm.LLM` so that each of
its calls holds a permit.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from extraction.llm import LLM, LLMRequest, LLMResponse

if TYPE_CHECKING:
    from psycopg_pool import AsyncConnectionPool

__all__ = ["NAMESPACE", "Permits", "PermittedLLM"]

NAMESPACE = 0x43484D4C
"""The first key of every permit lock (int4); the chunk store's one-bigint locks never meet it."""

_TRY = "SELECT pg_try_advisory_lock(%s, %s)"
_RELEASE = "SELECT pg_advisory_unlock(%s, %s)"


class Permits:
    """``cap`` permits shared by every process on the database of ``pool``.

    Args:
        pool: an open async connection pool of autocommit connections (a
            permit is held outside any transaction, never "idle in
            transaction" for a whole LLM call); each permit held uses one of
            its connections, and a caller waiting for one borrows a
            connection only while it tries the slots.
        cap: the number of permits in the whole cluster.
    """

    def __init__(self, pool: AsyncConnectionPool[Any], *, cap: int) -> None:
        if cap < 1:
            raise ValueError(f"cap must be >= 1, got {cap}")
        self._pool = pool
        self.cap = cap
        self._random = random.Random()

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[int]:
        """Wait for a permit and hold it for the ``async with`` block; yields its slot."""
        pause = 0.05
        while True:
            async with self._pool.connection() as connection:
                slot = await self._try(connection)
                if slot is not None:
                    try:
                        yield slot
                    finally:
                        await asyncio.shield(connection.execute(_RELEASE, (NAMESPACE, slot)))
                    return
            await asyncio.sleep(pause * (0.5 + self._random.random()))
            pause = min(pause * 2, 0.5)

    async def _try(self, connection: Any) -> int | None:
        """A free slot, now locked on ``connection``; ``None`` when all are taken."""
        slots = list(range(self.cap))
        self._random.shuffle(slots)
        for slot in slots:
            cursor = await connection.execute(_TRY, (NAMESPACE, slot))
            row = await cursor.fetchone()
            if row is not None and row[0]:
                return slot
        return None


class PermittedLLM:
    """``llm`` whose every call holds a permit of ``permits``."""

    def __init__(self, llm: LLM, permits: Permits) -> None:
        self._llm = llm
        self._permits = permits

    @property
    def model(self) -> str:
        return self._llm.model

    @property
    def description(self) -> str:
        return self._llm.description

    @property
    def estimates(self) -> bool:
        return self._llm.estimates

    async def complete(self, request: LLMRequest) -> LLMResponse:
        """``llm.complete(request)`` while holding a permit."""
        async with self._permits.hold():
            return await self._llm.complete(request)
