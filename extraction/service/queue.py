"""The job queue (procrastinate on the service's PostgreSQL), the import task, the reaper.

An import is one procrastinate job of the task :data:`TASK`, deferred with
the lock ``user:<id>``: procrastinate runs at most one job per lock at a
time, so a user's later imports wait for the earlier one. A run whose pass
ends with some chunks failed (the provider's transient errors) raises
:class:`ImportRetryError` and procrastinate runs it again after an
exponential wait; the result cache makes the rerun pay only for what
failed. A worker that dies mid-import stops its heartbeat; :func:`reap`, run
by every worker, hands such jobs back to the queue, and the rerun resumes
from what the store and the cache already hold.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chunking.store.url import open_store
from extraction.errors import ExtractionError
from extraction.factory import open_result_cache
from extraction.pipeline import PassResult, run_full_pass_async
from extraction.service import imports, profiles, uploads
from extraction.service.config import ServiceConfig

if TYPE_CHECKING:
    from procrastinate import App, JobContext

    from extraction.service.runtime import Runtime

__all__ = [
    "TASK",
    "ImportRetryError",
    "build_queue",
    "defer_import",
    "reap",
    "run_import",
    "running_worker",
]

log = logging.getLogger(__name__)

TASK = "extraction.import_export"
PROGRESS_EVERY_S = 1.0
"""How often a running import's progress is written to its row."""


class ImportRetryError(ExtractionError, RuntimeError):
    """A run of an import ended early; the queue runs it again after a wait."""


def build_queue(config: ServiceConfig) -> App:
    """The procrastinate app on ``config.database_url``, with the import task registered.

    The task finds the process's :class:`~extraction.service.runtime.Runtime`
    in the worker's ``additional_context["runtime"]``.
    """
    from procrastinate import App, PsycopgConnector, RetryStrategy

    app = App(connector=PsycopgConnector(conninfo=config.database_url, min_size=1, max_size=4))
    retry: RetryStrategy | bool = False
    if config.attempts > 1:
        retry = RetryStrategy(
            max_attempts=config.attempts - 1, exponential_wait=config.retry_base_s
        )

    @app.task(name=TASK, pass_context=True, retry=retry)
    async def import_export(context: JobContext, import_id: str) -> None:
        runtime: Runtime = context.additional_context["runtime"]
        await run_import(runtime, import_id, attempt=context.job.attempts + 1)

    return app


async def defer_import(runtime: Runtime, import_id: str, user_id: str, *, size: int) -> int:
    """Queue the uploaded import of ``size`` bytes; returns the job's id.

    One user's jobs run one at a time. The import is ``queued`` only once its
    job exists, and then only if no worker has taken it yet: a process that
    dies in between leaves it ``uploading``, which the reaper deletes.
    """
    deferrer = runtime.queue.configure_task(TASK, lock=f"user:{user_id}")
    job_id: int = await deferrer.defer_async(import_id=import_id)
    await imports.mark_queued(runtime.pool, import_id, job_id=job_id, export_bytes=size)
    return job_id


async def run_import(runtime: Runtime, import_id: str, *, attempt: int) -> None:
    """Run attempt ``attempt`` of the import, recording its status as it goes.

    Raises:
        ImportRetryError: the pass ended with chunks failed, and attempts remain.
        Exception: whatever this process failed on (the database, the disk);
            the status says ``retrying`` or, on the last attempt, ``failed``.
    """
    pool = runtime.pool
    record = await imports.get(pool, import_id)
    if record is None or record.status in ("complete", "failed"):
        log.warning("import %s: nothing to run (%s)", import_id, record and record.status)
        return
    final = attempt >= runtime.config.attempts
    await imports.set_status(pool, import_id, "processing", attempts=attempt)
    log.info("import %s of user %s: attempt %d", import_id, record.user_id, attempt)
    try:
        result = await _run_pass(runtime, import_id, record.user_id)
    except asyncio.CancelledError:  # a shutdown past its grace: queued again, unless the last run
        status: imports.Status = "failed" if final else "retrying"
        reason = "stopped by a shutdown" + ("" if final else "; runs again")
        await asyncio.shield(_end_run(runtime, import_id, status, reason, None))
        raise
    except Exception as error:
        reason = f"{type(error).__name__}: {error}"
        await _end_run(runtime, import_id, "failed" if final else "retrying", reason, None)
        raise
    if result.status == "complete":
        await _end_run(runtime, import_id, "complete", None, result)
    elif result.input_error or final:
        await _end_run(runtime, import_id, "failed", result.reason, result)
    else:
        await _end_run(runtime, import_id, "retrying", result.reason, result)
        raise ImportRetryError(result.reason or "the pass failed")


async def _end_run(
    runtime: Runtime,
    import_id: str,
    status: imports.Status,
    reason: str | None,
    result: PassResult | None,
) -> None:
    payload = result.to_dict() if result is not None else None
    await imports.set_status(runtime.pool, import_id, status, reason=reason, result=payload)
    if status in ("complete", "failed"):
        await uploads.discard(runtime.pool, import_id)
    log.info("import %s: %s%s", import_id, status, f" ({reason})" if reason else "")


async def _run_pass(runtime: Runtime, import_id: str, user_id: str) -> PassResult:
    url = runtime.config.database_url
    settings = runtime.settings
    folder = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="import-"))
    progress = _Progress(runtime, import_id)
    writer = asyncio.create_task(progress.run())
    try:
        path = folder / "export.json"  # zip and gzip are known by their bytes
        store = await asyncio.to_thread(open_store, url, create=False)
        try:
            cache = await asyncio.to_thread(open_result_cache, url)
            try:
                result = await run_full_pass_async(
                    user_id=user_id,
                    fetch_export=lambda: uploads.download(url, import_id, path),
                    store=store,
                    llm=runtime.llm,
                    cache=cache,
                    save_memory=profiles.sink(url, import_id, produced_by=runtime.llm.description),
                    levers=settings.levers(),
                    concurrency=settings.concurrency,
                    model=settings.model,
                    prices=settings.prices(),
                    on_progress=progress.report,
                )
                return _without_path(result, path)
            finally:
                await asyncio.to_thread(cache.close)
        finally:
            await asyncio.to_thread(store.close)
    finally:
        writer.cancel()
        await asyncio.gather(writer, return_exceptions=True)
        await progress.flush()
        await asyncio.to_thread(shutil.rmtree, folder, True)  # a large export: off the loop


def _without_path(result: PassResult, path: Path) -> PassResult:
    """``result`` whose reason names "the uploaded export", not this machine's temporary file."""
    if result.reason is None or str(path) not in result.reason:
        return result
    return dataclasses.replace(
        result, reason=result.reason.replace(str(path), "the uploaded export")
    )


class _Progress:
    """The pass's latest progress, written to the import's row every second."""

    def __init__(self, runtime: Runtime, import_id: str) -> None:
        self._runtime = runtime
        self._import_id = import_id
        self._latest: tuple[str, int, int] | None = None
        self._written: tuple[str, int, int] | None = None

    def report(self, stage: str, done: int, total: int) -> None:
        self._latest = (stage, done, total)

    async def run(self) -> None:
        while True:
            await asyncio.sleep(PROGRESS_EVERY_S)
            await self.flush()

    async def flush(self) -> None:
        latest = self._latest
        if latest is None or latest == self._written:
            return
        await imports.set_progress(self._runtime.pool, self._import_id, *latest)
        self._written = latest


async def reap(runtime: Runtime, stop: asyncio.Event) -> None:
    """Until ``stop``, every ``heartbeat_s``: clean up after processes that died.

    The imports of dead workers (heartbeat older than ``stalled_after_s``) go
    back to the queue; uploads abandoned for ``abandoned_upload_s`` are deleted.
    """
    config = runtime.config
    manager = runtime.queue.job_manager
    while not stop.is_set():
        try:
            stalled = await manager.get_stalled_jobs(
                task_name=TASK, seconds_since_heartbeat=config.stalled_after_s
            )
            for job in stalled:
                await _requeue(runtime, job)
            gone = await imports.delete_abandoned(runtime.pool, idle_s=config.abandoned_upload_s)
            if gone:
                log.warning("deleted %d abandoned uploads", gone)
        except Exception:  # the next round tries again; a reaper must not die
            log.exception("reaping stalled import jobs failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=config.heartbeat_s)


async def _requeue(runtime: Runtime, job: Any) -> None:
    """Queue again the job of a dead worker, or fail it if that was its last attempt."""
    if job.attempts + 1 < runtime.config.attempts:  # ``attempts``: the runs before this one
        log.warning("import job %s: its worker died; queued again", job.id)
        await runtime.queue.job_manager.retry_job(job)
        return
    from procrastinate.jobs import Status as JobStatus

    log.warning("import job %s: its worker died on the last attempt", job.id)
    await runtime.queue.job_manager.finish_job(job, JobStatus.FAILED, delete_job=False)
    reason = "its worker stopped (killed or out of memory) on the last attempt"
    await _end_run(runtime, job.task_kwargs["import_id"], "failed", reason, None)


@contextlib.asynccontextmanager
async def running_worker(runtime: Runtime, *, name: str) -> AsyncIterator[None]:
    """A queue worker named ``name`` and the reaper in this process, while the block runs.

    On leaving, the reaper stops and the worker is cancelled: a running import
    gets ``--grace`` seconds, then is stopped and queued again.
    """
    stop = asyncio.Event()
    options = worker_options(runtime.config, runtime, name=name)
    work = asyncio.create_task(runtime.queue.run_worker_async(**options))
    reaper = asyncio.create_task(reap(runtime, stop))
    try:
        yield
    finally:
        stop.set()
        work.cancel()
        await asyncio.gather(work, reaper, return_exceptions=True)


def worker_options(config: ServiceConfig, runtime: Runtime, *, name: str) -> dict[str, Any]:
    """The procrastinate worker's options for this service."""
    return {
        "name": name,
        "concurrency": config.jobs_per_worker,
        "additional_context": {"runtime": runtime},
        "install_signal_handlers": False,
        "update_heartbeat_interval": config.heartbeat_s,
        "stalled_worker_timeout": config.stalled_after_s,
        "shutdown_graceful_timeout": config.grace_s,
        "delete_jobs": "successful",
    }
