"""``python -m chunking``: chunk an export from the command line."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from chunking.chunker import chunk_conversations
from chunking.command_line import (
    STDOUT,
    HelpFormatter,
    add_chunking_options,
    add_export_options,
    add_version,
    chunking_config,
    output,
    read_export,
    version_every_command,
)
from chunking.errors import ChunkingError
from chunking.formats import ExportReport
from chunking.jsonl import write_chunks
from chunking.model import Chunk
from chunking.store.cli import register as register_store_commands
from chunking.tiers import ChunkTier

__all__ = ["main", "resource_error", "script"]

log = logging.getLogger("chunking")


def main(argv: Sequence[str] | None = None, *, prog: str = "python -m chunking") -> int:
    """Run the command line; returns the exit status."""
    args = _parser(prog).parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.run(args))
    except (ChunkingError, OSError) as error:  # bad input, or an output that cannot be written
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (MemoryError, RecursionError) as error:  # input past every limit: say so, no traceback
        print(f"error: {resource_error(error, getattr(args, 'export', None))}", file=sys.stderr)
        return 2


def script() -> int:
    """The ``chat-chunking`` console script."""
    return main(prog="chat-chunking")


def resource_error(error: MemoryError | RecursionError, export: object) -> str:
    """What a command line says when an input exhausted memory or the stack."""
    what = "memory" if isinstance(error, MemoryError) else "the stack (nesting too deep)"
    where = f" reading {export}" if export is not None else ""
    return (
        f"ran out of {what}{where}; the input is far outside what a chat export looks like. "
        "Check the file, or lower the limits in chunking.formats.ReadOptions"
    )


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Chunk chat exports into small, medium and large chunks, and "
        "sync them into a chunk store.",
        formatter_class=HelpFormatter,
    )
    add_version(parser)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    chunk = commands.add_parser(
        "chunk",
        help="chunk an export into small/medium/large chunks, one JSON object per line",
        description="Chunk an export into small, medium and large chunks and write them as "
        "JSON Lines (read them back with chunking.jsonl.read_chunks).",
        formatter_class=HelpFormatter,
    )
    add_export_options(chunk)
    chunk.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="FILE",
        help="where to write the JSON lines; - for standard output (the summary then goes to "
        "standard error)",
    )
    add_chunking_options(chunk)
    chunk.set_defaults(run=_chunk)
    register_store_commands(commands)
    return version_every_command(parser)


def _chunk(args: argparse.Namespace) -> int:
    config = chunking_config(args)
    started = time.perf_counter()
    report = ExportReport()
    per_tier: Counter[ChunkTier] = Counter()
    tokens: Counter[ChunkTier] = Counter()

    def counted(chunks: Iterable[Chunk]) -> Iterator[Chunk]:
        for chunk in chunks:
            per_tier[chunk.chunk_tier] += 1
            tokens[chunk.chunk_tier] += chunk.token_count
            yield chunk

    with output(args.out) as out:
        write_chunks(counted(chunk_conversations(read_export(args, report), config=config)), out)
    seconds = time.perf_counter() - started
    tiers = ", ".join(f"{per_tier[tier]} {tier.value}" for tier in ChunkTier)
    where = "standard output" if args.out == STDOUT else args.out
    print(
        f"{report.summary()} -> {tiers} chunks; "
        f"{tokens[ChunkTier.LARGE]} tokens; {seconds:.2f} s; wrote {where}",
        file=sys.stderr if args.out == STDOUT else sys.stdout,
    )
    return 0
