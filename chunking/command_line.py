"""What every command line of the project shares: flags, help, version, outputs.

``python -m chunking``, ``python -m extraction`` and ``python -m eval`` (and
their console scripts) build their parsers from these pieces, so the same
thing has the same flag everywhere: tier budgets and the session gap
(:func:`add_chunking_options`), the export and how it is read
(:func:`add_export_options`), a store to write and whether to migrate it
(:func:`add_store_options`), ``-`` for standard output (:func:`output`), and
``--version``.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from importlib import metadata
from pathlib import Path
from typing import IO

from chunking.config import CHUNKING_VERSION, ChunkingConfig
from chunking.errors import ConfigError
from chunking.formats import FORMATS, ExportReport, export_size, load_export
from chunking.model import Conversation
from chunking.progress import Meter
from chunking.tiers import ChunkTier

__all__ = [
    "STDOUT",
    "HelpFormatter",
    "add_chunking_options",
    "add_export_options",
    "add_store_options",
    "add_version",
    "chunking_config",
    "output",
    "package_version",
    "read_export",
    "version_every_command",
]

STDOUT = Path("-")
"""The ``--out`` value that means standard output."""

DISTRIBUTION = "chat-memory-chunks"


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Help that shows each option's default, except where there is none to show."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.default in (None, False, argparse.SUPPRESS) or "%(default)" in text:
            return text
        if action.option_strings or action.nargs in ("?", "*"):
            return f"{text} (default: %(default)s)"
        return text


def package_version() -> str:
    """The installed distribution's version (``"unknown"`` when run from a bare checkout)."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown"


def add_version(parser: argparse.ArgumentParser, *, extra: str = "") -> None:
    """``--version``: the distribution's version, the chunking version and ``extra``."""
    text = f"{parser.prog} ({DISTRIBUTION}) {package_version()}; chunking {CHUNKING_VERSION}"
    parser.add_argument("--version", action=_Version, text=text + (f"; {extra}" if extra else ""))


def version_every_command(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Give every subcommand below ``parser`` the ``--version`` of ``parser``; returns ``parser``.

    Call it once the subcommands are added, so that ``prog run --version``
    answers as ``prog --version`` does.
    """
    [version] = [a for a in parser._actions if isinstance(a, _Version)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                if not any(isinstance(a, _Version) for a in command._actions):
                    command.add_argument("--version", action=_Version, text=version.text)
                version_every_command(command)
    return parser


class _Version(argparse.Action):
    """``--version`` printed on one line (argparse's own action wraps it to the terminal)."""

    def __init__(self, option_strings: list[str], dest: str, *, text: str) -> None:
        super().__init__(
            option_strings,
            dest,
            nargs=0,
            default=argparse.SUPPRESS,
            help="print the versions on one line and exit",
        )
        self.text = text

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        # argparse's own channel, as its built-in version action writes (that one re-wraps
        # the text to the terminal's width; this keeps it on one line).
        parser._print_message(f"{self.text}\n", sys.stdout)
        parser.exit()


def add_export_options(parser: argparse.ArgumentParser) -> None:
    """The export (positional), ``--format`` and ``--strict``."""
    parser.add_argument(
        "export",
        type=Path,
        help="the export: .json, .json.gz, .jsonl, a zip, an unpacked folder, or a bare "
        "list of {role, content} messages; - reads standard input",
    )
    parser.add_argument(
        "--format",
        choices=sorted(FORMATS),
        help="the export's format; detected per conversation when left out. A format that "
        "no conversation reads as is an error",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="stop at the first malformed conversation (by default it is skipped and counted)",
    )


def read_export(args: argparse.Namespace, report: ExportReport) -> Iterator[Conversation]:
    """The conversations of the export named by :func:`add_export_options`'s flags, metered.

    ``-`` reads standard input. Progress is shown in bytes against the
    export's size (:class:`~chunking.progress.Meter`).
    """
    source = sys.stdin.buffer if args.export == STDOUT else args.export
    conversations = load_export(source, format=args.format, strict=args.strict, report=report)
    total = None if args.export == STDOUT else export_size(args.export)
    with Meter(f"reading {args.export.name or args.export}", total=total, unit="B") as meter:
        for conversation in conversations:
            meter.update(report.bytes_read, note=f"{report.conversations:,} conversations")
            yield conversation
        meter.update(report.bytes_read, note=f"{report.conversations:,} conversations")


def add_chunking_options(parser: argparse.ArgumentParser) -> None:
    """``--small``, ``--medium``, ``--large`` (tier budgets) and ``--session-gap``."""
    defaults = ChunkingConfig()
    for tier in ChunkTier:
        parser.add_argument(
            f"--{tier.value}",
            type=int,
            default=defaults.budget(tier),
            metavar="TOKENS",
            help=f"the {tier.value} tier's budget in tokens",
        )
    gap = defaults.session_gap.total_seconds() / 60 if defaults.session_gap else 0
    parser.add_argument(
        "--session-gap",
        type=float,
        default=gap,
        metavar="MINUTES",
        help="a message written this long after the one before opens a new session, where "
        "chunks are cut first; 0: no sessions",
    )


def chunking_config(args: argparse.Namespace) -> ChunkingConfig:
    """The :class:`ChunkingConfig` of the flags of :func:`add_chunking_options`.

    Raises:
        ConfigError: a budget or gap out of range (the message names the flag).
    """
    minutes = args.session_gap
    if not math.isfinite(minutes) or minutes < 0:
        raise ConfigError(
            f"--session-gap must be a number of minutes >= 0 (0: no sessions), got {minutes:g}"
        )
    return ChunkingConfig(
        small=args.small,
        medium=args.medium,
        large=args.large,
        session_gap=timedelta(minutes=minutes) if minutes else None,
    )


def add_store_options(parser: argparse.ArgumentParser, *, writes: bool) -> None:
    """``--store URL`` (required), and ``--migrate`` when the command writes the store."""
    parser.add_argument(
        "--store",
        required=True,
        metavar="URL",
        help="the chunk store: sqlite:///relative.db, sqlite:////absolute.db or "
        "postgresql://user@host:port/db",
    )
    if writes:
        parser.add_argument(
            "--migrate",
            action="store_true",
            help="create the store or apply pending migrations first (without it, a missing or "
            "out-of-date store is an error and nothing is written)",
        )


@contextmanager
def output(path: Path) -> Iterator[IO[str]]:
    """A text stream to ``path``: standard output for ``-``, else the file, whole or not at all.

    A file is written beside its final name and renamed over it when the
    block ends without an exception; on an exception it is left as it was.
    """
    if path == STDOUT:
        yield sys.stdout
        sys.stdout.flush()
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("w", encoding="utf-8") as stream:
            yield stream
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
