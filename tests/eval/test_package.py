import re
import subprocess
import sys
from pathlib import Path

import eval  # noqa: A004 - the package under test


def test_import_eval_is_light():
    code = (
        "import sys, eval, eval.metrics, eval.retrieval, eval.datasets.model; "
        "heavy = {'numpy', 'matplotlib', 'bm25s', 'anthropic'} & set(sys.modules); "
        "print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_layout_shows_the_architecture_and_the_tests_mirror_it():
    root = Path(eval.__file__).parent
    loose = sorted(p.stem for p in root.glob("*.py"))
    assert loose == [
        "__init__", "__main__", "baseline", "budgets", "cli", "config", "errors", "measure",
        "results", "runner", "spans",
    ]  # fmt: skip
    packages = sorted(p.parent.name for p in root.glob("*/__init__.py"))
    assert packages == ["datasets", "metrics", "peers", "report", "retrieval", "tuning"]
    tests = Path(__file__).parent
    assert all((tests / package / "__init__.py").exists() for package in packages)


def test_the_sections_render_and_only_the_writer_writes():
    root = Path(eval.__file__).parent / "report"
    writes = re.compile(r"\.(write_text|write_bytes|savefig|mkdir|open)\(")
    writers = sorted(p.name for p in root.glob("*.py") if writes.search(p.read_text()))
    assert writers == ["plots.py", "write.py"]
    assert not writes.search((root / "sections.py").read_text())
