"""Peak memory of a full pass over 10,000 chunks with concurrency 3 (bar: < 256 MB).

Each run is a fresh process (peak RSS of the whole process, from getrusage);
the reference is a process that only imports the packages and loads the
tokenizer, so the ratio shows what the pass itself adds.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

CHILD = Path(__file__).resolve().parent / "full_pass_child.py"
CONVERSATIONS = 455  # ~22 chunks each over the three tiers: 10,010 chunks


def run_child(conversations: int, concurrency: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(CHILD), str(conversations), str(concurrency)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_full_pass_peak_memory_10k_chunks(benchmark: Any, report: list[str]) -> None:
    reference = run_child(0, 0)
    measured = benchmark.pedantic(run_child, args=(CONVERSATIONS, 3), rounds=1, iterations=1)
    benchmark.extra_info.update(
        chunks=measured["chunks"],
        peak_rss_mb=round(measured["peak_rss_mb"], 1),
        reference_rss_mb=round(reference["peak_rss_mb"], 1),
        ratio_to_reference=round(measured["peak_rss_mb"] / reference["peak_rss_mb"], 3),
    )
    report.append(
        f"full pass, {measured['chunks']} chunks, concurrency 3: peak RSS "
        f"{measured['peak_rss_mb']:.1f} MB (bar 256 MB); imports + tokenizer alone "
        f"{reference['peak_rss_mb']:.1f} MB; ratio {benchmark.extra_info['ratio_to_reference']}"
    )
    assert measured["status"] == "complete"
    assert measured["chunks"] >= 10_000
    assert measured["peak_rss_mb"] < 256
