"""Peak memory and event-loop stalls of the path the service runs, at export scale.

On a generated ChatGPT export of ``BENCH_EXPORT_MB`` megabytes (default 100;
1000 for the 1 GB run), each job runs in a fresh child process so that its
peak RSS (``ru_maxrss``) is its own, into a fresh SQLite file and a fresh
PostgreSQL database:

- ``chunking import`` (stream -> chunk -> sync);
- ``extraction run --provider offline`` (the full pass, as the CLI runs it);
- ``run_full_pass_async`` beside a 10 ms asyncio heartbeat: the longest and
  the 99th-percentile lateness of a beat.

The reference is a child that only imports the packages and loads the
tokenizer. The bars: every job under 256 MB peak RSS, whatever the export
size; no heartbeat more than 250 ms late.
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

CHILD = Path(__file__).resolve().parent / "service_child.py"
REPO = Path(__file__).resolve().parents[1]
RSS_BAR_MB = 256
STALL_BAR_MS = 250


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    megabytes = int(os.environ.get("BENCH_EXPORT_MB", "100"))
    path = tmp_path_factory.mktemp("export") / "conversations.json"
    return path, write_chatgpt_export(path, megabytes=megabytes) / 1e6


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    database: str = request.getfixturevalue("pg_database")
    return database


def child(*argv: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(CHILD), *argv],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("job", ["import", "run", "stall"])
def test_service_path_at_export_scale(
    benchmark: Any,
    export: tuple[Path, float],
    url: str,
    job: str,
    tmp_path: Path,
    report: list[str],
) -> None:
    path, megabytes = export
    reference = child("baseline")
    args = [job, str(path), url] + ([str(tmp_path / "memory")] if job != "import" else [])
    measured = benchmark.pedantic(child, args=tuple(args), rounds=1, iterations=1)
    backend = url.partition(":")[0]
    ratio = round(measured["peak_rss_mb"] / reference["peak_rss_mb"], 2)
    benchmark.extra_info.update(
        export_mb=round(megabytes, 1),
        backend=backend,
        reference_rss_mb=reference["peak_rss_mb"],
        ratio_to_reference=ratio,
        **measured,
    )
    line = (
        f"{job} {backend} {megabytes:.0f} MB: peak RSS {measured['peak_rss_mb']} MB "
        f"(bar {RSS_BAR_MB}; reference {reference['peak_rss_mb']} MB, ratio {ratio}), "
        f"{measured['seconds']} s"
    )
    if job == "stall":
        line += (
            f"; heartbeat late by at most {measured['max_stall_ms']} ms "
            f"(p99 {measured['p99_stall_ms']} ms, bar {STALL_BAR_MS}) "
            f"over {measured['beats']} beats"
        )
        assert measured["status"] == "complete"
        assert measured["max_stall_ms"] < STALL_BAR_MS
    else:
        assert measured["exit"] == 0
    report.append(line)
    assert measured["peak_rss_mb"] < RSS_BAR_MB
