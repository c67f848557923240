"""``python -m extraction``: run the full pass, report lever costs, check health."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from chunking.cli import resource_error
from chunking.errors import ChunkingError
from extraction.errors import ExtractionError
from extraction.settings import load_settings

__all__ = ["main"]

log = logging.getLogger("extraction")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.run(args))
    except (ExtractionError, ChunkingError) as error:  # a bad setting, export or store
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (MemoryError, RecursionError) as error:
        print(f"error: {resource_error(error, getattr(args, 'export', None))}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m extraction", description=__doc__)
    commands = parser.add_subparsers(required=True)
    run = commands.add_parser("run", help="full pass: chunk, store, extract facts, write memory")
    run.add_argument("export", type=Path, help="the export file")
    run.add_argument("--user", required=True, help="the user id")
    run.add_argument(
        "--store", required=True, help="chunk store URL (sqlite:///path, postgresql://...)"
    )
    run.add_argument(
        "--cache",
        help="the result cache: a SQLite file or a sqlite:/// or postgresql:// URL "
        "(default: the store's file or database)",
    )
    run.add_argument("--out", type=Path, default=Path("out/memory"), help="memory documents folder")
    run.add_argument(
        "--provider",
        choices=("anthropic", "bedrock", "offline"),
        help="overrides EXTRACTION_PROVIDER",
    )
    run.add_argument("--json", action="store_true", help="print one JSON object")
    run.set_defaults(run=_run)
    costs = commands.add_parser(
        "costs", help="ledger of each cost lever and each model on an export (offline LLM)"
    )
    costs.add_argument("export", type=Path)
    costs.add_argument(
        "--model", help="the model whose prices the lever table uses (default: the default model)"
    )
    costs.add_argument("--json", action="store_true")
    costs.set_defaults(run=_costs)
    check = commands.add_parser("health", help="import every module, check settings and store")
    check.add_argument("--store", help="also check the chunk store at this URL")
    check.set_defaults(run=_health)
    return parser


def _run(args: argparse.Namespace) -> int:
    from extraction.factory import build_llm, open_result_cache
    from extraction.pipeline import file_memory_sink, run_full_pass
    from extraction.store import open_chunk_store

    overrides: dict[str, Any] = {"provider": args.provider} if args.provider else {}
    settings = load_settings(**overrides)
    log.info("settings: %s", settings.describe())
    llm = build_llm(settings)
    cache: Any = open_result_cache(args.store, args.cache)
    store = open_chunk_store(args.store)
    try:
        store.migrate()
        result = run_full_pass(
            user_id=args.user,
            fetch_export=lambda: args.export,
            store=store,
            llm=llm,
            cache=cache,
            save_memory=file_memory_sink(args.out),
            levers=settings.levers(),
            concurrency=settings.concurrency,
            model=settings.model,
            prices=settings.prices(),
            on_progress=lambda stage, done, total: log.info("%s: %d/%d", stage, done, total),
        )
    finally:
        store.close()
        cache.close()
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        ledger = result.ledger
        print(f"status: {result.status}" + (f" ({result.reason})" if result.reason else ""))
        print(f"llm: {result.llm}")
        print(
            f"calls: {ledger.calls}, tokens: {ledger.total_tokens}, cost: ${ledger.cost_usd:.6f}"
            + (" (estimates)" if ledger.estimated else "")
        )
        if result.facts_dropped:
            print(f"facts dropped (invalid in the model's answers): {result.facts_dropped}")
        print(f"memory: {result.memory_location}")
    if result.input_error:
        return 2
    return 0 if result.status == "complete" else 1


def _costs(args: argparse.Namespace) -> int:
    from chunking.formats import load_export
    from extraction.costing import lever_costs, model_costs
    from extraction.models import DEFAULT_MODEL
    from extraction.offline import OfflineLLM

    conversations = list(load_export(args.export))
    model = args.model or DEFAULT_MODEL
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
