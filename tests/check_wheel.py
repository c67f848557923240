"""Import every module of the installed distribution; fail if one is missing.

Run with the wheel installed in a fresh virtual environment, from outside the
source tree: ``python -I tests/check_wheel.py chunking extraction eval``.
"""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent


def source_modules(package: str) -> set[str]:
    root = SOURCE / package
    modules = set()
    for path in root.rglob("*.py"):
        parts = path.relative_to(SOURCE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules.add(".".join(parts))
    return modules


def data_files(package: str) -> set[str]:
    """Non-Python files tracked by git inside a package (e.g. SQL migrations), relative to it.

    Files git ignores (generated reports, caches) are not part of the package.
    """
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--", package],
        cwd=SOURCE,
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    return {
        name.removeprefix(f"{package}/")
        for name in listed.split("\0")
        if name and not name.endswith(".py")
    }


def main(packages: list[str]) -> int:
    failures = []
    for package in packages:
        root = importlib.import_module(package)
        location = Path(root.__file__ or "").resolve()
        if (SOURCE / package) in location.parents:
            failures.append(f"{package} was imported from the source tree ({location})")
            continue
        installed = {package} | {
            info.name for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}.")
        }
        for name in sorted(installed):
            if name.endswith("__main__"):
                continue
            try:
                importlib.import_module(name)
            except Exception as error:  # noqa: BLE001 - report every failure, then fail
                failures.append(f"import {name}: {type(error).__name__}: {error}")
        missing = source_modules(package) - installed
        failures.extend(
            f"{name} is in the source tree but not in the wheel" for name in sorted(missing)
        )
        failures.extend(
            f"{package}/{name} (package data) is in the source tree but not in the wheel"
            for name in sorted(data_files(package))
            if not (location.parent / name).exists()
        )
        if not (location.parent / "py.typed").exists():
            failures.append(f"{package}/py.typed is missing from the wheel")
    for failure in failures:
        print(failure, file=sys.stderr)
    print(f"wheel check: {len(packages)} packages, {len(failures)} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
