"""The seeded mutation fuzzer over the export samples: chunks or a clear error, in bounds.

``make test`` runs a few hundred cases; ``FUZZ_CASES=5000`` (and ``FUZZ_SEED``)
runs more. The cases run in one child process, so that its peak RSS bounds
every case's, and the samples are the project's own plus those in
``../shared/data/exports`` when present.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.chunking.formats.mutations import mutants, samples

ROOT = Path(__file__).resolve().parents[3]
DATA = Path(__file__).resolve().parent / "data"
SHARED = ROOT.parent / "shared" / "data" / "exports"
CASES = int(os.environ.get("FUZZ_CASES", "300"))
SEED = int(os.environ.get("FUZZ_SEED", "20261203"))
RSS_BAR_MB = 256


def sample_paths() -> list[Path]:
    own = [*sorted(DATA.glob("*.json")), ROOT / "fixtures" / "sample_export.json"]
    shared = sorted(SHARED.glob("*/*.json")) if SHARED.is_dir() else []
    return own + shared


def hang_bound(size: int) -> float:
    """Seconds a case may take before it counts as a hang: 5 s plus 2 s per MB."""
    return 5 + 2 * size / 1e6


def run_cases(*args: str) -> tuple[list[dict[str, Any]], float]:
    done = subprocess.run(
        [sys.executable, "-m", "tests.chunking.formats.mutations", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    return lines[:-1], float(lines[-1]["peak_rss_mb"])


def test_mutants_are_read_into_chunks_or_a_clear_error_in_bounded_time_and_memory() -> None:
    paths = [str(path) for path in sample_paths()]
    cases: list[dict[str, Any]] = []
    peak = 0.0
    # Children of at most 500 cases: one process's memory creeps over thousands of cases.
    for batch, start in enumerate(range(0, CASES, 500)):
        count = min(500, CASES - start)
        found, batch_peak = run_cases("--seed", str(SEED + batch), "--count", str(count), *paths)
        cases.extend(found)
        peak = max(peak, batch_peak)
    assert len(cases) == CASES
    crashes = [case for case in cases if case["outcome"] == "crash"]
    assert not crashes, (
        f"{len(crashes)} crashes; the first:\n{crashes[0]['case']}\n" + crashes[0]["traceback"]
    )
    slow = [case["case"] for case in cases if case["seconds"] > hang_bound(case["bytes"])]
    assert not slow
    grew = max(cases, key=lambda case: case["peak_rss_mb"])
    assert peak < RSS_BAR_MB, f"peak RSS {peak} MB, reached at {grew['case']}"
    outcomes = {case["outcome"] for case in cases}
    assert "ok" in outcomes  # the mutants are not all broken...
    assert len(outcomes) > 3  # ...nor all broken the same way


def test_the_fuzzer_is_seeded() -> None:
    pool = samples(sample_paths()[:3])
    first = [(m.name, m.data) for m in mutants(pool, seed=7, count=20)]
    again = [(m.name, m.data) for m in mutants(pool, seed=7, count=20)]
    other = [(m.name, m.data) for m in mutants(pool, seed=8, count=20)]
    assert first == again
    assert first != other


def test_the_command_line_never_shows_a_traceback(tmp_path: Path) -> None:
    pool = samples(sample_paths())
    for mutant in mutants(pool, seed=SEED + 1, count=6):
        export = tmp_path / f"export{mutant.suffix}"
        export.write_bytes(mutant.data)
        done = subprocess.run(
            [sys.executable, "-m", "chunking", "chunk", str(export), "--out", str(tmp_path / "o")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert done.returncode in (0, 2), (mutant.name, done.stderr[-2000:])
        assert "Traceback" not in done.stderr, (mutant.name, done.stderr[-2000:])
