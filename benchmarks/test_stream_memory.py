"""Streaming an export of ChatGPT through load_export + the chunker in bounded memory.

The export is generated (``BENCH_EXPORT_MB`` megabytes, default 100; set it to
1000 for the 1 GB run of the bar). Each measurement runs in a fresh child
process so that its peak RSS (``ru_maxrss``) is its own:

- ``baseline``: imports and the loaded tokenizer, no reading (the reference);
- ``parse``: ``load_export`` alone (parser throughput);
- ``chunk``: ``load_export`` + ``chunk_conversations``, the job of the CLI.

The bar: peak RSS of ``chunk`` under 256 MB, whatever the export size. Printed:
MB/s, peak RSS, its excess over the baseline, and the share of the time spent
inside the reader.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.export_generator import write_chatgpt_export

CHILD = Path(__file__).resolve().parent / "stream_child.py"
REPO = Path(__file__).resolve().parents[1]
RSS_BAR_MB = 256


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    megabytes = int(os.environ.get("BENCH_EXPORT_MB", "100"))
    path = tmp_path_factory.mktemp("export") / "conversations.json"
    return path, write_chatgpt_export(path, megabytes=megabytes)


def _child(export: Path, mode: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, str(CHILD), str(export), mode],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def test_stream_memory_and_throughput(
    benchmark: Any, export: tuple[Path, int], capsys: pytest.CaptureFixture[str]
) -> None:
    path, size = export
    megabytes = size / 1e6
    baseline = _child(path, "baseline")
    parse = _child(path, "parse")
    chunk = benchmark.pedantic(_child, args=(path, "chunk"), rounds=1, iterations=1)
    figures = {
        "export_mb": round(megabytes, 1),
        "baseline_rss_mb": round(baseline["peak_rss_mb"], 1),
        "parse_only_mb_per_s": round(megabytes / parse["seconds"], 1),
        "parse_only_rss_mb": round(parse["peak_rss_mb"], 1),
        "chunk_mb_per_s": round(megabytes / chunk["seconds"], 2),
        "chunk_rss_mb": round(chunk["peak_rss_mb"], 1),
        "chunk_rss_over_baseline_mb": round(chunk["peak_rss_mb"] - baseline["peak_rss_mb"], 1),
        "parse_share_of_chunk_run": round(chunk["parse_seconds"] / chunk["seconds"], 3),
        "conversations": chunk["conversations"],
        "chunks": chunk["chunks"],
    }
    benchmark.extra_info.update(figures)
    with capsys.disabled():
        print("\n" + json.dumps(figures, indent=1) + "\n" + chunk["summary"])  # noqa: T201
    assert chunk["conversations"] == parse["conversations"] > 0
    assert chunk["peak_rss_mb"] < RSS_BAR_MB
    assert parse["peak_rss_mb"] < RSS_BAR_MB
