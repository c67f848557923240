"""What ``python -m extraction serve`` and ``python -m extraction worker`` run.

``serve`` runs the HTTP API under uvicorn, with a queue worker in the same
process by default; ``worker`` runs a queue worker alone, for instances that
only import. Both stop cleanly on SIGINT or SIGTERM: a running import is
cancelled between two conversations and queued again by the reaper of a
live worker (its store and cache keep what it had done).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal

from extraction.errors import SettingsError
from extraction.llm import LLM
from extraction.service.config import ServiceConfig
from extraction.service.queue import running_worker
from extraction.service.runtime import open_runtime
from extraction.service.schema import check, migrate
from extraction.settings import ExtractionSettings

__all__ = ["run_worker", "serve"]

log = logging.getLogger(__name__)


def serve(
    config: ServiceConfig,
    settings: ExtractionSettings,
    *,
    host: str,
    port: int,
    worker: bool = True,
    apply_migrations: bool = False,
) -> None:
    """Serve the API on ``host:port`` until stopped (blocking)."""
    import uvicorn

    from extraction.service.api import create_app

    _prepare(config, apply_migrations=apply_migrations)
    app = create_app(config, settings, worker=worker)
    log.info("serving on http://%s:%d (worker in process: %s)", host, port, worker)
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)


def run_worker(
    config: ServiceConfig,
    settings: ExtractionSettings,
    *,
    apply_migrations: bool = False,
    llm: LLM | None = None,
) -> None:
    """Run a queue worker (and the reaper) until SIGINT or SIGTERM (blocking)."""
    _prepare(config, apply_migrations=apply_migrations)
    asyncio.run(_work(config, settings, llm=llm))


def _prepare(config: ServiceConfig, *, apply_migrations: bool) -> None:
    """Migrate or check the database; an unreachable one is a :class:`SettingsError`."""
    import psycopg

    from chunking.store.postgres import redact, redact_message

    try:
        if apply_migrations:
            migrate(config.database_url)
        else:
            check(config.database_url)
    except psycopg.Error as error:
        problem = redact_message(str(error), config.database_url)
        where = redact(config.database_url)
        raise SettingsError(f"the database {where} cannot be used: {problem}") from None


async def _work(config: ServiceConfig, settings: ExtractionSettings, *, llm: LLM | None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with open_runtime(config, settings, llm=llm) as runtime:
        name = f"worker-{os.getpid()}"
        async with running_worker(runtime, name=name):
            log.info("%s: running imports (at most %d at once)", name, config.jobs_per_worker)
            await stop.wait()
            log.info("%s: stopping", name)
