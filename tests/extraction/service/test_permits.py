"""The cluster-wide LLM cap: permits as PostgreSQL advisory locks."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool

from extraction.llm import LLMMessage, LLMRequest, LLMResponse, Usage
from extraction.service.permits import NAMESPACE, Permits, PermittedLLM

pytestmark = pytest.mark.postgres


class _Counting:
    """An LLM that counts its calls in flight across every wrapper that shares it."""

    model = "counting"
    description = "counting fake"
    estimates = True

    def __init__(self) -> None:
        self.in_flight = 0
        self.peak = 0
        self.calls = 0

    async def complete(self, request: LLMRequest) -> LLMResponse:
        self.in_flight += 1
        self.calls += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await asyncio.sleep(0.02)
        finally:
            self.in_flight -= 1
        return LLMResponse(text="{}", usage=Usage())


REQUEST = LLMRequest(system="s", messages=(LLMMessage("user", "hi"),))


async def _pools(url: str, count: int, size: int) -> list[AsyncConnectionPool[Any]]:
    pools = []
    for _ in range(count):
        pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
            url, min_size=1, max_size=size, open=False, kwargs={"autocommit": True}
        )
        await pool.open(wait=True)
        pools.append(pool)
    return pools


def test_two_processes_pools_share_one_cap(pg_database: str) -> None:
    """Two pools stand for two instances: together they never pass the cap."""

    async def scenario() -> _Counting:
        fake = _Counting()
        pools = await _pools(pg_database, 2, 8)
        try:
            llms = [PermittedLLM(fake, Permits(pool, cap=3)) for pool in pools]
            await asyncio.gather(*(llms[i % 2].complete(REQUEST) for i in range(40)))
        finally:
            for pool in pools:
                await pool.close()
        return fake

    fake = asyncio.run(scenario())
    assert fake.calls == 40
    assert fake.peak == 3  # the cap binds (16 could run at once) and is never passed


def test_a_permit_whose_connection_dies_is_released(pg_database: str) -> None:
    async def scenario() -> int:
        [pool] = await _pools(pg_database, 1, 4)
        permits = Permits(pool, cap=1)
        try:
            held = asyncio.Event()
            forever = asyncio.Event()

            async def holder() -> None:
                async with permits.hold():
                    held.set()
                    await forever.wait()

            task = asyncio.create_task(holder())
            await held.wait()
            with psycopg.connect(pg_database, autocommit=True) as admin:  # the process "dies"
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks "
                    "WHERE locktype = 'advisory' AND classid = %s",
                    (NAMESPACE,),
                )
            async with asyncio.timeout(10), permits.hold() as slot:
                taken = slot
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            return taken
        finally:
            await pool.close()

    assert asyncio.run(scenario()) == 0


def test_callers_waiting_for_a_permit_do_not_hold_the_pools_connections(pg_database: str) -> None:
    """Cap 1, pool of 2: one call in flight, three waiting; the pool still lends a connection."""

    async def scenario() -> tuple[int, int]:
        [pool] = await _pools(pg_database, 1, 2)
        permits = Permits(pool, cap=1)
        release = asyncio.Event()
        try:
            held = asyncio.Event()

            async def holder() -> None:
                async with permits.hold():
                    held.set()
                    await release.wait()

            async def waiter() -> None:
                async with permits.hold():
                    pass

            tasks = [asyncio.create_task(holder())]
            await held.wait()
            tasks += [asyncio.create_task(waiter()) for _ in range(3)]
            await asyncio.sleep(0.3)  # the waiters have tried and backed off several times
            lent = 0
            for _ in range(5):  # another user of the pool, e.g. an upload
                async with pool.connection(timeout=2.0) as connection:
                    await connection.execute("SELECT 1")
                    lent += 1
            release.set()
            async with asyncio.timeout(10):
                await asyncio.gather(*tasks)
            return lent, len(tasks)
        finally:
            release.set()
            await pool.close()

    assert asyncio.run(scenario()) == (5, 4)
