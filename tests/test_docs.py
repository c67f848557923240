"""The README and docs/: short, runnable as written, and every link resolves."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PAGES = sorted((ROOT / "docs").glob("*.md"))
_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
_PATH = re.compile(r"`((?:chunking|extraction|eval|fixtures|benchmarks|tests|docs)/[\w./-]*)`")
"""A path of this repository named in backticks, e.g. `eval/tuning/sweep.py`."""


def test_the_readme_is_for_users_and_short() -> None:
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 200


def test_the_readme_s_first_python_block_runs_as_written() -> None:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"```python\n(.*?)```", text, re.DOTALL)
    assert match, "the README has no python block"
    done = subprocess.run(
        [sys.executable, "-c", match.group(1)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    summaries = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(summaries) == 1, done.stdout  # the pass's PassResult.to_dict()
    summary = summaries[0]
    assert summary["status"] == "complete", summary["reason"]
    assert summary["ledger"]["calls"] > 0
    assert summary["ledger"]["estimated"] is True  # the offline stand-in says so
    assert summary["facts"] > 0
    assert "\n# Memory profile\n" in done.stdout


@pytest.mark.parametrize("page", [README, *PAGES, ROOT / "CHANGELOG.md"], ids=lambda p: p.name)
def test_every_relative_link_resolves(page: Path) -> None:
    for target in _LINK.findall(page.read_text(encoding="utf-8")):
        if "://" in target or target.startswith("mailto:"):
            continue
        assert (page.parent / target).exists(), f"{page.name} links to missing {target}"


@pytest.mark.parametrize("page", [README, *PAGES], ids=lambda p: p.name)
def test_every_path_named_in_backticks_exists(page: Path) -> None:
    missing = [
        p for p in _PATH.findall(page.read_text(encoding="utf-8")) if not (ROOT / p).exists()
    ]
    assert not missing, f"{page.name} names paths that are not in the repository: {missing}"


def test_there_are_reference_pages() -> None:
    assert len(PAGES) >= 2
    for page in PAGES:
        assert page.read_text(encoding="utf-8").startswith("# "), f"{page.name} has no title"
