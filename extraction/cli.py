"""``python -m extraction``: run the full pass, report lever costs, check health."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

from chunking.cli import resource_error
from chunking.command_line import (
    STDOUT,
    HelpFormatter,
    add_chunking_options,
    add_export_options,
    add_store_options,
    add_version,
    chunking_config,
    output,
    read_export,
    version_every_command,
)
from chunking.errors import ChunkingError
from chunking.formats import ExportReport
from chunking.progress import Meter
from extraction.errors import ExtractionError, SettingsError
from extraction.memory import MemoryDocument
from extraction.models import DEFAULT_MODEL, MODELS
from extraction.prompts import PROMPT_VERSION
from extraction.settings import load_settings

__all__ = ["main", "script"]

log = logging.getLogger("extraction")


def main(argv: Sequence[str] | None = None, *, prog: str = "python -m extraction") -> int:
    """Run the command line; returns the exit status."""
    args = _parser(prog).parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.run(args))
    except (ExtractionError, ChunkingError, OSError) as error:  # a bad setting, export or store
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (MemoryError, RecursionError) as error:
        print(f"error: {resource_error(error, getattr(args, 'export', None))}", file=sys.stderr)
        return 2


def script() -> int:
    """The ``chat-extraction`` console script."""
    return main(prog="chat-extraction")


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Run the full pass (chunk, store, extract facts, write "
        "memory), price the cost levers, check health.",
        formatter_class=HelpFormatter,
    )
    add_version(parser, extra=f"prompt {PROMPT_VERSION}; default model {DEFAULT_MODEL}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run",
        help="full pass: chunk, store, extract facts, write the memory document",
        description="The full pass for one user: chunk the export, sync it into the store, "
        "extract facts from the stored chunks (the provider and model come from the "
        "EXTRACTION_* environment variables) and write the user's memory document.",
        formatter_class=HelpFormatter,
    )
    add_export_options(run)
    run.add_argument("--user", required=True, help="the user id")
    add_store_options(run, writes=True)
    run.add_argument(
        "--cache",
        metavar="URL",
        help="the result cache: a SQLite file, or a sqlite:/// or postgresql:// URL "
        "(by default the store's own file or database)",
    )
    run.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="FILE",
        help="where to write the memory document (Markdown); - for standard output",
    )
    run.add_argument(
        "--provider",
        choices=("anthropic", "bedrock", "offline"),
        help="the LLM provider; overrides EXTRACTION_PROVIDER",
    )
    add_chunking_options(run)
    run.add_argument("--json", action="store_true", help="print the result as one JSON object")
    run.set_defaults(run=_run)
    costs = commands.add_parser(
        "costs",
        help="what each cost lever and each model would cost on an export (offline estimates)",
        description="Price a first import of the export under each cost lever and each model, "
        "with the offline stand-in counting tokens (no LLM is called).",
        formatter_class=HelpFormatter,
    )
    add_export_options(costs)
    costs.add_argument(
        "--model",
        default=DEFAULT_MODEL,
        choices=sorted(MODELS),
        help="the model whose prices the lever table uses",
    )
    costs.add_argument("--json", action="store_true", help="print the tables as one JSON object")
    costs.set_defaults(run=_costs)
    check = commands.add_parser(
        "health",
        help="import every module, check the settings and the store (creates nothing)",
        formatter_class=HelpFormatter,
    )
    check.add_argument("--store", metavar="URL", help="also check the chunk store at this URL")
    check.set_defaults(run=_health)
    from extraction.service.cli import register

    register(commands)
    return version_every_command(parser)


def _run(args: argparse.Namespace) -> int:
    from chunking.store.cli import open_for_writing
    from extraction import store as stores
    from extraction.factory import build_llm, open_result_cache
    from extraction.pipeline import run_full_pass

    if args.json and args.out == STDOUT:
        raise SettingsError("--json prints the result on standard output; give --out a file")
    config = chunking_config(args)
    overrides: dict[str, Any] = {"provider": args.provider} if args.provider else {}
    settings = load_settings(**overrides)
    log.info("settings: %s", settings.describe())
    llm = build_llm(settings)
    # Opened (and checked) before the cache, which would create the store's SQLite file.
    store = open_for_writing(args.store, migrate=args.migrate, opener=stores.open_chunk_store)
    meters = _Meters(args.export.name)
    try:
        cache: Any = open_result_cache(args.store, args.cache)
        try:
            result = run_full_pass(
                user_id=args.user,
                fetch_export=lambda: sys.stdin.buffer if args.export == STDOUT else args.export,
                store=store,
                llm=llm,
                cache=cache,
                save_memory=_memory_sink(args.out),
                levers=settings.levers(),
                concurrency=settings.concurrency,
                model=settings.model,
                prices=settings.prices(),
                export_format=args.format,
                strict=args.strict,
                chunking=config,
                on_progress=meters.report,
            )
        finally:
            meters.close()
            cache.close()
    finally:
        store.close()
    _print_result(result, json_out=args.json, to=sys.stderr if args.out == STDOUT else sys.stdout)
    if result.input_error:
        return 2
    return 0 if result.status == "complete" else 1


def _memory_sink(out: Path) -> Callable[[str, MemoryDocument], str]:
    def save(_user_id: str, document: MemoryDocument) -> str:
        with output(out) as stream:
            stream.write(document.markdown)
        return "standard output" if out == STDOUT else str(out)

    return save


class _Meters:
    """A progress meter per stage of the pass: bytes read, then chunks extracted."""

    _UNITS: ClassVar[dict[str, tuple[str, str]]] = {
        "read": ("reading {export}", "B"),
        "extract": ("extracting facts", "chunks"),
    }

    def __init__(self, export: str) -> None:
        self.export = export
        self.stage: str | None = None
        self.meter: Meter | None = None

    def report(self, stage: str, done: int, total: int) -> None:
        if stage not in self._UNITS:
            return
        if stage != self.stage:
            self.close()
            description, unit = self._UNITS[stage]
            self.stage = stage
            self.meter = Meter(
                description.format(export=self.export), total=total or None, unit=unit
            )
        if self.meter is not None:
            self.meter.update(done, total=total or None)

    def close(self) -> None:
        if self.meter is not None:
            self.meter.close()
            self.meter = None


def _print_result(result: Any, *, json_out: bool, to: Any) -> None:
    if json_out:
        print(json.dumps(result.to_dict(), ensure_ascii=False), file=to)
        return
    ledger = result.ledger
    print(f"status: {result.status}" + (f" ({result.reason})" if result.reason else ""), file=to)
    print(f"llm: {result.llm}", file=to)
    print(
        f"calls: {ledger.calls}, tokens: {ledger.total_tokens}, cost: ${ledger.cost_usd:.6f}"
        + (" (estimates)" if ledger.estimated else ""),
        file=to,
    )
    if result.facts_dropped:
        print(f"facts dropped (invalid in the model's answers): {result.facts_dropped}", file=to)
    print(f"memory: {result.memory_location}", file=to)


def _costs(args: argparse.Namespace) -> int:
    from extraction.costing import lever_costs, model_costs
    from extraction.offline import OfflineLLM

    conversations = list(read_export(args, ExportReport()))
    model = args.model
    levers = lever_costs(conversations, model=model)
    models = model_costs(conversations, reference=model)
    if args.json:
        print(
            json.dumps(
                {
                    "llm": OfflineLLM.description,
                    "model": model,
                    "levers": [r.to_dict() for r in levers],
                    "models": [r.to_dict() for r in models],
                }
            )
        )
        return 0
    print(f"llm: {OfflineLLM.description}")
    _cost_table(f"levers, priced as {model}", "% naive", levers)
    print()
    _cost_table("models, default levers", f"% {model}", models)
    return 0


def _cost_table(title: str, ratio: str, rows: Sequence[Any]) -> None:
    print(title)
    header = ("scenario", "calls", "tokens", "cost_usd", ratio, "$/M conv tok")
    print("{:30} {:>6} {:>9} {:>10} {:>18} {:>12}".format(*header))
    for r in rows:
        print(
            f"{r.name:30} {r.ledger.calls:6d} {r.ledger.total_tokens:9d} {r.ledger.cost_usd:10.6f} "
            f"{100 * r.ratio_to_naive:17.1f}% {r.usd_per_million_conversation_tokens:12.4f}"
        )


def _health(args: argparse.Namespace) -> int:
    from extraction.health import health

    report = health(store_url=args.store)
    print(json.dumps(report, indent=2))
    return 0 if report["ok"] else 1
