"""The store's commands of ``python -m chunking``: ``import`` and ``db migrate|check``."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from chunking.chunker import chunk_conversations
from chunking.command_line import (
    HelpFormatter,
    add_chunking_options,
    add_export_options,
    add_store_options,
    chunking_config,
    read_export,
)
from chunking.errors import PruneRefusedError, SchemaMismatchError
from chunking.formats import ExportReport
from chunking.model import Chunk, Conversation
from chunking.store.base import ChunkStore
from chunking.store.url import open_store

__all__ = ["open_for_writing", "register"]


def register(commands: Any) -> None:
    """Add ``import`` and ``db`` to the subcommands of the ``python -m chunking`` parser."""
    sync = commands.add_parser(
        "import",
        help="chunk an export and sync it into a chunk store (prints the counts)",
        description="Chunk an export and sync its chunks into a store: new conversations are "
        "inserted, changed ones replaced (new rows written before old ones are deleted), "
        "unchanged ones left alone.",
        formatter_class=HelpFormatter,
    )
    add_export_options(sync)
    sync.add_argument("--user", required=True, help="whose chunks these are")
    add_store_options(sync, writes=True)
    sync.add_argument(
        "--prune",
        action="store_true",
        help="delete the user's conversations that the export lacks",
    )
    add_chunking_options(sync)
    sync.add_argument("--json", action="store_true", help="print the counts as a JSON object")
    sync.set_defaults(run=_import)

    database = commands.add_parser(
        "db", help="manage a chunk store's schema", formatter_class=HelpFormatter
    )
    actions = database.add_subparsers(required=True, metavar="ACTION")
    migrate = actions.add_parser(
        "migrate",
        help="create the store or apply the pending migrations",
        formatter_class=HelpFormatter,
    )
    migrate.add_argument("url", metavar="URL", help="the chunk store")
    migrate.set_defaults(run=_migrate)
    check = actions.add_parser(
        "check",
        help="compare the live schema with the code (creates nothing)",
        formatter_class=HelpFormatter,
    )
    check.add_argument("url", metavar="URL", help="the chunk store")
    check.set_defaults(run=_check)


def open_for_writing(
    url: str, *, migrate: bool, opener: Callable[..., ChunkStore] = open_store
) -> ChunkStore:
    """The store a command writes: created and migrated with ``migrate``, else checked.

    Without ``migrate`` nothing is created: a missing SQLite file is a
    ``StoreNotFoundError`` and an out-of-date schema a ``SchemaMismatchError``.
    ``opener`` is called as ``opener(url, create=migrate)``.
    """
    store = opener(url, create=migrate)
    try:
        if migrate:
            store.migrate()
        store.verify_schema()
    except BaseException:
        store.close()
        raise
    return store


def _import(args: argparse.Namespace) -> int:
    config = chunking_config(args)
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

    with open_for_writing(args.store, migrate=args.migrate) as store:
        export = read_export(args, report)
        chunks = chunk_conversations(counted(export), config=config)
        result = store.sync(args.user, noted(chunks))
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
    with open_store(args.url, create=False) as store:
        try:
            store.verify_schema()
        except SchemaMismatchError as error:
            print(str(error), file=sys.stderr)
            return 1
    print("schema matches the code")
    return 0
