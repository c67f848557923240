"""``python -m eval``: run the evaluation, gate it against the baseline."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from chunking.command_line import HelpFormatter, add_version, version_every_command
from eval.baseline import check, make_baseline, ungated_peers
from eval.budgets import HEADLINE_BUDGETS
from eval.config import EvalConfig
from eval.datasets.loading import load_dataset
from eval.errors import EvalError, RunsMismatchError
from eval.metrics.between_runs import between_runs
from eval.metrics.compare import summary_rows
from eval.report.between_runs import between_runs_markdown
from eval.report.write import read_per_query, write_report, write_sweep
from eval.retrieval.embedding_cache import EmbeddingCache
from eval.runner import evaluate
from eval.tuning.sweep import sweep

__all__ = ["main", "script"]

DEFAULT_DATASET = Path("fixtures/hard")
DEFAULT_OUT = Path("reports/latest")
DEFAULT_BASELINE = Path("benchmarks/baselines/eval.json")


def main(argv: Sequence[str] | None = None, *, prog: str = "python -m eval") -> int:
    """Run the command line; returns the exit status."""
    args = _parser(prog).parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.run(args))
    except (EvalError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def script() -> int:
    """The ``chat-eval`` console script."""
    return main(prog="chat-eval")


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Evaluate chunking and retrieval on a dataset, and gate the "
        "results against a baseline.",
        formatter_class=HelpFormatter,
    )
    add_version(parser)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run",
        help="evaluate a dataset and write the report",
        description="Chunk a dataset's conversations with our tiers and the peer chunkers, "
        "measure duplicates, retrieval and cost, and write report.md, metrics.json and the "
        "plots.",
        formatter_class=HelpFormatter,
    )
    run.add_argument(
        "--dataset", type=Path, default=DEFAULT_DATASET, help="dataset directory or file"
    )
    run.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help="the report's directory"
    )
    run.add_argument(
        "--peers",
        default=None,
        help="comma-separated peer chunkers to add as rows (eval.peers.PEERS; default: all; "
        "'' for none)",
    )
    run.add_argument(
        "--dense",
        action="store_true",
        help="the turn rows add each message's dense similarity to the question "
        "(all-MiniLM-L6-v2, on the CPU: every message is embedded; docs/eval.md gives the cost)",
    )
    run.add_argument(
        "--cache",
        type=Path,
        metavar="DIR",
        help="with --dense: keep the messages' embeddings in DIR and reuse them at the next run "
        "(keyed by model, code and texts; the figures are the same; delete DIR at any time)",
    )
    run.add_argument("--quiet", action="store_true", help="no progress lines")
    run.set_defaults(run=_run)
    gate = commands.add_parser(
        "check",
        help="fail if metrics.json regressed against the baseline",
        description="Compare a run's metrics.json with a baseline; exit 1 listing every gated "
        "figure past its tolerance.",
        formatter_class=HelpFormatter,
    )
    gate.add_argument(
        "--metrics", type=Path, default=DEFAULT_OUT / "metrics.json", help="the run's metrics"
    )
    gate.add_argument(
        "--baseline", type=Path, default=DEFAULT_BASELINE, help="the gated figures to compare with"
    )
    gate.set_defaults(run=_check)
    grid = commands.add_parser(
        "sweep",
        help="sweep tier budgets and context weights; choose on a training split",
        formatter_class=HelpFormatter,
    )
    grid.add_argument(
        "--dataset", type=Path, action="append", required=True,
        help="a dataset (fixtures directory or LoCoMo-format .json); repeat for several",
    )  # fmt: skip
    grid.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT / "sweep",
        metavar="DIR",
        help="the sweep's directory",
    )
    grid.add_argument("--quiet", action="store_true", help="no progress lines")
    grid.set_defaults(run=_sweep)
    versus = commands.add_parser(
        "compare",
        help="compare two runs of the same queries, row by row (before and after a change)",
        description="Read two runs' per_query.jsonl and print, for each row and budget, the "
        "mean before and after, the paired difference with its 95% bootstrap interval and the "
        "randomization test's p-value.",
        formatter_class=HelpFormatter,
    )
    versus.add_argument(
        "--before", type=Path, required=True, metavar="DIR", help="the run before the change"
    )
    versus.add_argument(
        "--after", type=Path, required=True, metavar="DIR", help="the run after the change"
    )
    versus.add_argument(
        "--rows", default=None, help="comma-separated rows (default: every row of both runs)"
    )
    versus.add_argument(
        "--budgets",
        default=",".join(str(b) for b in HEADLINE_BUDGETS),
        help="comma-separated context budgets in tokens",
    )
    versus.add_argument("--metric", default="span_recall", help="a per-query metric")
    versus.set_defaults(run=_compare)
    base = commands.add_parser(
        "baseline",
        help="write a baseline from a run's metrics.json",
        description="Write the gated figures of a run's metrics.json as a baseline for "
        f"'check'. The output is required, so the committed {DEFAULT_BASELINE} is only "
        "replaced when named.",
        formatter_class=HelpFormatter,
    )
    base.add_argument(
        "--metrics", type=Path, default=DEFAULT_OUT / "metrics.json", help="the run's metrics"
    )
    base.add_argument(
        "--out", type=Path, required=True, metavar="FILE", help="where to write the baseline"
    )
    base.set_defaults(run=_baseline)
    return version_every_command(parser)


def _run(args: argparse.Namespace) -> int:
    if args.cache and not args.dense:
        raise EvalError("--cache keeps the dense term's embeddings: it needs --dense")
    started = time.perf_counter()
    notify = _notifier(args.quiet)
    _quiet_bm25s()
    notify(f"loading {args.dataset}")
    dataset = load_dataset(args.dataset)
    config = EvalConfig(dense=args.dense)
    if args.peers is not None:
        config = replace(config, peers=tuple(filter(None, args.peers.split(","))))
    cache = EmbeddingCache(args.cache) if args.cache else None
    results = evaluate(dataset, config=config, notify=notify, embedding_cache=cache)
    notify("writing the report")
    report = write_report(results, args.out)
    header, rows = summary_rows(results.retrieval)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print(
            "  ".join(
                cell.rjust(w) if i else cell.ljust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    dup = results.duplicates
    print(
        f"identical-text chunks per tier {dup['exact']}; duplicate rows {dup['rows']}; "
        f"near pairs {dup['near']}"
    )
    if results.reimport:
        again, later = (
            results.reimport["unchanged_export"],
            results.reimport["overlapping_export"],
        )
        print(
            f"re-import rows added: unchanged export {again['added']}, overlapping {later['added']}"
        )
    print(f"report: {report}  ({time.perf_counter() - started:.1f} s)")
    return 0


def _sweep(args: argparse.Namespace) -> int:
    notify = _notifier(args.quiet)
    _quiet_bm25s()
    datasets = []
    for path in args.dataset:
        notify(f"loading {path}")
        datasets.append(load_dataset(path))
    results = sweep(datasets, notify=notify)
    report = write_sweep(results, args.out)
    chosen = results["chosen"]
    print(
        f"chosen on the training side: tiers {chosen['small']}/{chosen['medium']}/"
        f"{chosen['large']}, context weights parent {chosen['parent']:g}, "
        f"neighbours {chosen['neighbours']:g}"
    )
    print(f"sweep report: {report}")
    return 0


def _notifier(quiet: bool) -> Callable[[str], None]:
    started = time.perf_counter()

    def notify(message: str) -> None:
        if not quiet:
            print(f"[{time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr, flush=True)

    return notify


def _quiet_bm25s() -> None:
    """bm25s sets its logger to DEBUG on import and logs every index build; quiet it."""
    try:
        import bm25s  # noqa: F401
    except ImportError:
        return
    logging.getLogger("bm25s").setLevel(logging.WARNING)


def _check(args: argparse.Namespace) -> int:
    metrics = _json(args.metrics, "metrics (run `python -m eval run` first)")
    baseline = _json(args.baseline, "baseline")
    violations = check(metrics, baseline)
    for violation in violations:
        print(f"REGRESSION {violation}")
    for peer in ungated_peers(metrics):
        print(f"note: peer {peer} was skipped by the run (its extra is missing); not gated")
    print(f"eval-check: {len(baseline['metrics'])} gated figures, {len(violations)} regressions")
    return 1 if violations else 0


def _json(path: Path, what: str) -> Any:
    """The JSON at ``path``; a missing or unreadable file is an ``EvalError`` naming it."""
    if not path.is_file():
        raise EvalError(f"{what} file {str(path)!r} not found")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise EvalError(f"{what} file {str(path)!r} is not JSON: {error}") from error


def _compare(args: argparse.Namespace) -> int:
    try:
        budgets = [int(b) for b in args.budgets.split(",")]
    except ValueError as error:
        raise EvalError(f"--budgets takes token counts, e.g. 512,1024: {error}") from None
    rows = None if args.rows is None else [r.strip() for r in args.rows.split(",") if r.strip()]
    if rows == []:
        raise EvalError("--rows names no row; leave it out to compare every row of both runs")
    digests = {run: _digest(run) for run in (args.before, args.after)}
    if None in digests.values():
        unchecked = ", ".join(str(run) for run, digest in digests.items() if digest is None)
        print(
            f"note: no dataset digest in the metrics.json of {unchecked}; the runs' datasets "
            "were not checked, only their query ids",
            file=sys.stderr,
        )
    elif len(set(digests.values())) > 1:
        raise RunsMismatchError(
            "the runs are of different datasets (digests "
            + " and ".join(f"{str(d)[:12]} in {run}" for run, d in digests.items())
            + "); compare two runs of one dataset"
        )
    before, after = read_per_query(args.before), read_per_query(args.after)
    changes = between_runs(before, after, rows=rows, budgets=budgets, metric=args.metric)
    print(between_runs_markdown(changes))
    if rows is None:
        for run, records, other in (("before", before, after), ("after", after, before)):
            alone = [row for row in records if row not in other]
            if alone:
                print(f"\nRows only in the {run} run, not compared: {', '.join(alone)}.")
    return 0


def _digest(run: Path) -> str | None:
    """The dataset digest in the run's ``metrics.json`` (beside ``per_query.jsonl``), if any."""
    metrics = (run if run.is_dir() else run.parent) / "metrics.json"
    if not metrics.is_file():
        return None
    data = _json(metrics, "metrics")
    dataset = data.get("dataset") if isinstance(data, dict) else None
    digest = dataset.get("digest") if isinstance(dataset, dict) else None
    return digest if isinstance(digest, str) else None


def _baseline(args: argparse.Namespace) -> int:
    metrics = _json(args.metrics, "metrics (run `python -m eval run` first)")
    baseline = make_baseline(metrics)
    args.out.write_text(json.dumps(baseline, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {len(baseline['metrics'])} gated figures to {args.out}")
    return 0
