"""``serve`` and ``worker``: the service's commands of ``python -m extraction``."""

from __future__ import annotations

import argparse
from typing import Any

from chunking.command_line import HelpFormatter
from extraction.service.config import ServiceConfig
from extraction.settings import load_settings

__all__ = ["register"]

_DEFAULTS = ServiceConfig(database_url="postgresql://defaults")


def register(commands: Any) -> None:
    """Add ``serve`` and ``worker`` to the subcommands of the ``python -m extraction`` parser."""
    serve = commands.add_parser(
        "serve",
        help="the HTTP service: uploads become import jobs on PostgreSQL (extra 'service')",
        description="Serve the HTTP API (GET /health, POST /users/{id}/imports, GET /jobs/{id}, "
        "GET /users/{id}/memory) with a queue worker in the same process unless --no-worker. "
        "The provider and model come from the EXTRACTION_* environment variables.",
        formatter_class=HelpFormatter,
    )
    serve.add_argument("--host", default="127.0.0.1", help="the address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="the port to listen on")
    serve.add_argument(
        "--no-worker",
        action="store_true",
        help="serve the API only; imports run in separate 'worker' processes",
    )
    _common(serve)
    serve.set_defaults(run=_serve)
    worker = commands.add_parser(
        "worker",
        help="a queue worker alone: runs the imports of every instance (extra 'service')",
        formatter_class=HelpFormatter,
    )
    _common(worker)
    worker.set_defaults(run=_worker)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        required=True,
        metavar="URL",
        help="the PostgreSQL database (postgresql://user@host:port/db): chunks, cache, queue, "
        "uploads and profiles",
    )
    parser.add_argument(
        "--migrate",
        action="store_true",
        help="create or update the database's tables first (without it, a database that is "
        "not migrated is an error)",
    )
    for flag, kind, default, metavar, meaning in _KNOBS:
        parser.add_argument(flag, type=kind, default=default, metavar=metavar, help=meaning)


_KNOBS: tuple[tuple[str, type, float, str, str], ...] = (
    (
        "--llm-cap",
        int,
        _DEFAULTS.llm_cap,
        "N",
        "the most LLM calls in flight across every process on this database",
    ),
    ("--jobs", int, _DEFAULTS.jobs_per_worker, "N", "imports run at once here"),
    (
        "--max-pending",
        int,
        _DEFAULTS.max_pending_per_user,
        "N",
        "a user's imports not yet ended; one more is refused with 429",
    ),
    (
        "--max-upload-mb",
        int,
        _DEFAULTS.max_upload_bytes >> 20,
        "MB",
        "the largest export accepted (413 above it)",
    ),
    ("--attempts", int, _DEFAULTS.attempts, "N", "runs of an import at most"),
    ("--retry-base", int, _DEFAULTS.retry_base_s, "S", "run n+1 of an import waits S**n seconds"),
    (
        "--stalled-after",
        float,
        _DEFAULTS.stalled_after_s,
        "S",
        "a worker silent this long is dead; its imports run again elsewhere",
    ),
    ("--heartbeat", float, _DEFAULTS.heartbeat_s, "S", "how often a worker says it is alive"),
    (
        "--grace",
        float,
        _DEFAULTS.grace_s,
        "S",
        "on SIGTERM, how long a running import may go on before it is stopped and queued again",
    ),
)
"""The service's knobs: flag, type, default (``ServiceConfig``'s), metavar, help."""


def _config(args: argparse.Namespace) -> ServiceConfig:
    return ServiceConfig(
        database_url=args.store,
        llm_cap=args.llm_cap,
        jobs_per_worker=args.jobs,
        max_pending_per_user=args.max_pending,
        max_upload_bytes=args.max_upload_mb << 20,
        attempts=args.attempts,
        retry_base_s=args.retry_base,
        heartbeat_s=args.heartbeat,
        stalled_after_s=args.stalled_after,
        grace_s=args.grace,
    )


def _serve(args: argparse.Namespace) -> int:
    from extraction.service.server import serve

    config = _config(args)
    serve(
        config,
        load_settings(),
        host=args.host,
        port=args.port,
        worker=not args.no_worker,
        apply_migrations=args.migrate,
    )
    return 0


def _worker(args: argparse.Namespace) -> int:
    from extraction.service.server import run_worker

    run_worker(_config(args), load_settings(), apply_migrations=args.migrate)
    return 0
