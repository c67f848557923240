"""The store's commands of ``python -m chunking``: ``import`` and ``db migrate|check``."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from chunking.chunker import chunk_conversations
from chunking.errors import PruneRefusedError, SchemaMismatchError
from chunking.formats import FORMATS, ExportReport, load_export
from chunking.model import Chunk, Conversation
from chunking.store.url import open_store

__all__ = ["register"]


def register(commands: Any) -> None:
    """Add ``import`` and ``db`` to the subcommands of the ``python -m chunking`` parser."""
    sync = commands.add_parser(
        "import", help="chunk an export and sync it into a chunk store (prints the counts)"
    )
    sync.add_argument("export", type=Path, help="the export file")
    sync.add_argument("--user", required=True, help="whose chunks these are")
    sync.add_argument(
        "--store", required=True, metavar="URL", help="sqlite:///... or postgresql://..."
    )
    sync.add_argument("--format", choices=sorted(FORMATS), help="export format (detected)")
    sync.add_argument(
        "--prune", action="store_true", help="delete conversations absent from the export"
    )
    sync.add_argument("--json", action="store_true", help="print the counts as a JSON object")
    sync.set_defaults(run=_import)

    database = commands.add_parser("db", help="manage a chunk store's schema")
    actions = database.add_subparsers(required=True, metavar="ACTION")
    migrate = actions.add_parser("migrate", help="apply the pending migrations")
    migrate.add_argument("url", metavar="URL")
    migrate.set_defaults(run=_migrate)
    check = actions.add_parser("check", help="compare the live schema with the code")
    check.add_argument("url", metavar="URL")
    check.set_defaults(run=_check)


def _import(args: argparse.Namespace) -> int:
    conversations = 0
    chunked: set[str] = set()
    report = ExportReport()

    def counted(stream: Iterable[Conversation]) -> Iterator[Conversation]:
        nonlocal conversations
        for conversation in stream:
            conversations += 1
            yield conversation

    def noted(stream: Iterable[Chunk]) -> Iterator[Chunk]:
        for chunk in stream:
            chunked.add(chunk.conversation_id)
            yield chunk

    with open_store(args.store) as store:
        store.verify_schema()
        export = load_export(args.export, format=args.format, report=report)
        result = store.sync(args.user, noted(chunk_conversations(counted(export))))
        if args.prune:
            if report.skipped:  # an unreadable conversation is absent too: prune nothing
                raise PruneRefusedError(
                    f"{report.skipped.total()} conversation(s) of {args.export} could not be "
                    f"read ({report.summary()}); --prune would delete their stored chunks. The "
                    "readable conversations were imported and nothing was pruned: fix the "
                    "export, or import it without --prune"
                )
            pruned = store.prune(args.user, keep=chunked)
            result = dataclasses.replace(
                result,
                pruned=pruned.pruned,
                rows_written=result.rows_written + pruned.rows_written,
            )
    unreadable = report.skipped.total()
    result = dataclasses.replace(result, skipped=conversations - len(chunked) + unreadable)
    counts = {
        field: getattr(result, field)
        for field in ("inserted", "replaced", "unchanged", "pruned", "skipped", "rows_written")
    }
    if args.json:
        print(json.dumps(counts))
    else:
        print(", ".join(f"{value} {name.replace('_', ' ')}" for name, value in counts.items()))
    return 0


def _migrate(args: argparse.Namespace) -> int:
    with open_store(args.url) as store:
        store.migrate()
        store.verify_schema()
    print("migrated; schema matches the code")
    return 0


def _check(args: argparse.Namespace) -> int:
    with open_store(args.url) as store:
        try:
            store.verify_schema()
        except SchemaMismatchError as error:
            print(str(error), file=sys.stderr)
            return 1
    print("schema matches the code")
    return 0
