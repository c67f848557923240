"""The HTTP service: uploads become import jobs; their status and the profiles are read back.

Routes:

- ``GET /health``: every module imports, the settings work, the store and
  the queue answer; 200 ``{"ok": true, "checks": ...}``, else 503 saying what
  is wrong.
- ``POST /users/{user_id}/imports``: the request body is the export (JSON,
  zip or gzip, as sent by ``curl --data-binary @export.zip``), stored as it
  arrives; 202 with the import's id. 400 for a bad user id or an empty body,
  413 past the size limit, 429 when the user already has too many imports pending.
- ``GET /jobs/{id}``: the import's status, progress, result (ledger, counts)
  and failure reason; 404 when unknown.
- ``GET /users/{user_id}/memory``: the user's memory profile (Markdown); 404
  before the first import ends.
"""

# No ``from __future__ import annotations``: FastAPI reads the routes' annotations,
# and ``Request`` is imported inside create_app (FastAPI is an optional extra).
import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from extraction.errors import SettingsError
from extraction.llm import LLM
from extraction.service import imports, profiles, uploads
from extraction.service.config import ServiceConfig, check_user_id
from extraction.service.queue import defer_import, running_worker
from extraction.service.runtime import Runtime, open_runtime
from extraction.service.schema import REQUIRED_QUERY, missing_tables
from extraction.settings import ExtractionSettings

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["create_app"]

log = logging.getLogger(__name__)


def create_app(
    config: ServiceConfig,
    settings: ExtractionSettings,
    *,
    worker: bool = True,
    llm: LLM | None = None,
) -> "FastAPI":
    """The FastAPI application; with ``worker`` it also runs imports in this process.

    Args:
        config: the service's knobs (database, caps, limits).
        settings: the extraction settings (provider, model, levers).
        worker: run a queue worker (and the reaper) beside the API.
        llm: replaces the LLM the settings name (tests).
    """
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse, PlainTextResponse

    @contextlib.asynccontextmanager
    async def lifespan(app: "FastAPI") -> AsyncIterator[None]:
        async with open_runtime(config, settings, llm=llm) as runtime:
            app.state.runtime = runtime
            if not worker:
                yield
                return
            async with running_worker(runtime, name="api-worker"):
                yield

    app = FastAPI(title="chat-memory-chunks", lifespan=lifespan)

    def problem(status: int, detail: str) -> JSONResponse:
        return JSONResponse({"detail": detail}, status_code=status)

    @app.get("/health")
    async def health(request: Request) -> JSONResponse:
        report = await _health(request.app.state.runtime)
        return JSONResponse(report, status_code=200 if report["ok"] else 503)

    @app.post("/users/{user_id}/imports", status_code=202)
    async def upload(user_id: str, request: Request) -> JSONResponse:
        runtime: Runtime = request.app.state.runtime
        try:
            check_user_id(user_id)
        except SettingsError as error:
            return problem(400, str(error))
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > config.max_upload_bytes:
            return problem(413, f"the export is larger than {config.max_upload_bytes:,} bytes")
        try:
            import_id = await imports.create(
                runtime.pool, user_id, max_pending=config.max_pending_per_user
            )
        except imports.TooManyPendingError as error:
            return problem(429, str(error))
        try:
            size = await uploads.store(
                runtime.pool, import_id, request.stream(), max_bytes=config.max_upload_bytes
            )
            if size == 0:
                await imports.delete(runtime.pool, import_id)
                return problem(400, "the request body is empty: send the export as the body")
            await defer_import(runtime, import_id, user_id, size=size)
        except uploads.UploadTooLargeError as error:
            await imports.delete(runtime.pool, import_id)
            return problem(413, str(error))
        except BaseException:  # a dropped connection or a failure: nothing half-stored stays
            await asyncio.shield(imports.delete(runtime.pool, import_id))
            raise
        log.info("import %s of user %s: %d bytes queued", import_id, user_id, size)
        return JSONResponse(
            {"id": import_id, "status": "queued", "status_url": f"/jobs/{import_id}"},
            status_code=202,
        )

    @app.get("/jobs/{import_id}")
    async def job(import_id: str, request: Request) -> JSONResponse:
        record = await imports.get(request.app.state.runtime.pool, import_id)
        if record is None:
            return problem(404, f"no import {import_id[:64]!r}")
        return JSONResponse(record.to_dict())

    @app.get("/users/{user_id}/memory", response_model=None)
    async def memory(user_id: str, request: Request) -> PlainTextResponse | JSONResponse:
        try:
            check_user_id(user_id)
        except SettingsError as error:
            return problem(400, str(error))
        markdown = await profiles.read(request.app.state.runtime.pool, user_id)
        if markdown is None:
            return problem(404, f"user {user_id!r} has no memory profile yet")
        return PlainTextResponse(markdown, media_type="text/markdown; charset=utf-8")

    return app


async def _health(runtime: Runtime) -> dict[str, Any]:
    from extraction.health import health

    report = await asyncio.to_thread(
        health, store_url=runtime.config.database_url, settings=runtime.settings
    )
    checks: dict[str, str] = dict(report["checks"])
    try:
        async with runtime.pool.connection() as connection:
            cursor = await connection.execute(REQUIRED_QUERY)
            missing = missing_tables(await cursor.fetchone())
        checks["queue"] = (
            "ok" if not missing else f"tables missing ({', '.join(missing)}): run with --migrate"
        )
    except Exception as error:  # noqa: BLE001 - a health check reports, never raises
        checks["queue"] = f"database unavailable: {type(error).__name__}"
    return {"ok": all(v == "ok" for v in checks.values()), "checks": checks}
