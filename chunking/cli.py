"""``python -m chunking``: chunk an export from the command line."""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
import time
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from chunking.chunker import chunk_conversations
from chunking.config import ChunkingConfig
from chunking.errors import ChunkingError, ConfigError
from chunking.formats import FORMATS, ExportReport, load_export
from chunking.jsonl import chunk_to_dict
from chunking.progress import progress
from chunking.store.cli import register as register_store_commands
from chunking.tiers import ChunkTier

__all__ = ["main", "resource_error"]

log = logging.getLogger("chunking")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.run(args))
    except (ChunkingError, OSError) as error:  # bad input, or an output that cannot be written
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (MemoryError, RecursionError) as error:  # input past every limit: say so, no traceback
        print(f"error: {resource_error(error, getattr(args, 'export', None))}", file=sys.stderr)
        return 2


def resource_error(error: MemoryError | RecursionError, export: object) -> str:
    """What a command line says when an input exhausted memory or the stack."""
    what = "memory" if isinstance(error, MemoryError) else "the stack (nesting too deep)"
    where = f" reading {export}" if export is not None else ""
    return (
        f"ran out of {what}{where}; the input is far outside what a chat export looks like. "
        "Check the file, or lower the limits in chunking.formats.ReadOptions"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m chunking", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    chunk = commands.add_parser(
        "chunk",
        help="chunk an export into small/medium/large chunks, one JSON object per line",
    )
    chunk.add_argument(
        "export", type=Path, help="the export: .json, .json.gz, .jsonl, a zip or an unpacked folder"
    )
    chunk.add_argument("--out", type=Path, required=True, help="where to write the JSON lines")
    chunk.add_argument("--format", choices=sorted(FORMATS), help="export format (detected)")
    chunk.add_argument(
        "--strict", action="store_true", help="stop at a malformed conversation (default: skip it)"
    )
    defaults = ChunkingConfig()
    for tier in ChunkTier:
        chunk.add_argument(
            f"--{tier.value}",
            type=int,
            default=defaults.budget(tier),
            metavar="TOKENS",
            help=f"{tier.value} tier budget in tokens (default {defaults.budget(tier)})",
        )
    gap_minutes = defaults.session_gap.total_seconds() / 60 if defaults.session_gap else 0
    chunk.add_argument(
        "--session-gap",
        type=float,
        default=gap_minutes,
        metavar="MINUTES",
        help="a message written this long after the one before opens a new session, where "
        f"chunks are cut first (default {gap_minutes:g}; 0: never)",
    )
    chunk.set_defaults(run=_chunk)
    register_store_commands(commands)
    return parser


def _chunk(args: argparse.Namespace) -> int:
    minutes = args.session_gap
    if not math.isfinite(minutes) or minutes < 0:
        raise ConfigError(
            f"--session-gap must be a number of minutes >= 0 (0: no sessions), got {minutes:g}"
        )
    config = ChunkingConfig(
        small=args.small,
        medium=args.medium,
        large=args.large,
        session_gap=timedelta(minutes=minutes) if minutes else None,
    )
    started = time.perf_counter()
    report = ExportReport()
    per_tier: Counter[ChunkTier] = Counter()
    tokens: Counter[ChunkTier] = Counter()

    args.out.parent.mkdir(parents=True, exist_ok=True)
    temporary = args.out.with_name(args.out.name + ".partial")
    try:
        with temporary.open("w", encoding="utf-8") as out:
            conversations = load_export(
                args.export, format=args.format, strict=args.strict, report=report
            )
            stream = progress(conversations, description="chunking", unit="conv")
            for chunk in chunk_conversations(stream, config=config):
                per_tier[chunk.chunk_tier] += 1
                tokens[chunk.chunk_tier] += chunk.token_count
                out.write(json.dumps(chunk_to_dict(chunk), ensure_ascii=False))
                out.write("\n")
        temporary.replace(args.out)
    finally:
        temporary.unlink(missing_ok=True)
    seconds = time.perf_counter() - started
    tiers = ", ".join(f"{per_tier[tier]} {tier.value}" for tier in ChunkTier)
    print(
        f"{report.summary()} -> {tiers} chunks; "
        f"{tokens[ChunkTier.LARGE]} tokens; {seconds:.2f} s; wrote {args.out}"
    )
    return 0
