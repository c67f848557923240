"""What one service process holds open: the pool, the permits, the LLM, the queue.

:func:`open_runtime` opens them in the running event loop and closes them on
exit. The LLM client is built once per process from the settings (read at
start, never at import) and every call it makes holds a cluster-wide permit.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from extraction.factory import build_llm
from extraction.llm import LLM
from extraction.service.config import ServiceConfig
from extraction.service.permits import Permits, PermittedLLM
from extraction.settings import ExtractionSettings

if TYPE_CHECKING:
    from procrastinate import App
    from psycopg_pool import AsyncConnectionPool

__all__ = ["Runtime", "open_runtime"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Runtime:
    """The open resources of a service process."""

    config: ServiceConfig
    settings: ExtractionSettings
    pool: AsyncConnectionPool[Any]
    permits: Permits
    llm: LLM
    queue: App


@asynccontextmanager
async def open_runtime(
    config: ServiceConfig, settings: ExtractionSettings, *, llm: LLM | None = None
) -> AsyncIterator[Runtime]:
    """Open the runtime for ``config``; ``llm`` replaces the one the settings name (tests).

    Raises:
        ImportError: the ``service`` extra is not installed.
    """
    try:
        from psycopg_pool import AsyncConnectionPool
    except ImportError as error:  # pragma: no cover - depends on the install
        raise ImportError(
            "the service needs its extra: pip install 'chat-memory-chunks[service]'"
        ) from error
    from extraction.service.queue import build_queue

    # Each LLM call in flight holds a connection (its permit); the rest serve the API.
    size = config.jobs_per_worker * settings.concurrency + 4
    pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
        config.database_url,
        min_size=1,
        max_size=size,
        open=False,
        name="service",
        kwargs={"autocommit": True},  # a permit's lock is held outside any transaction
    )
    await pool.open(wait=True)
    try:
        permits = Permits(pool, cap=config.llm_cap)
        wrapped = PermittedLLM(llm or build_llm(settings), permits)
        runtime_queue = build_queue(config)
        runtime = Runtime(config, settings, pool, permits, wrapped, runtime_queue)
        async with runtime_queue.open_async():
            yield runtime
    finally:
        await pool.close()
