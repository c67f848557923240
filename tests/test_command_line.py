"""Every command line: --help with defaults, --version, console scripts, the same flags."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

import chunking.cli
import eval.cli
import extraction.cli

ROOT = Path(__file__).resolve().parents[1]
CLIS = {"chunking": chunking.cli, "extraction": extraction.cli, "eval": eval.cli}


def _commands(parser: argparse.ArgumentParser) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield parser.prog, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _commands(sub)


def _all_commands() -> list[tuple[str, argparse.ArgumentParser]]:
    return [pair for module in CLIS.values() for pair in _commands(module._parser("prog"))]


COMMANDS = _all_commands()


@pytest.mark.parametrize(("name", "parser"), COMMANDS, ids=[name for name, _ in COMMANDS])
def test_every_option_has_help_and_shows_its_default(
    name: str, parser: argparse.ArgumentParser
) -> None:
    text = " ".join(parser.format_help().split())
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
            continue
        assert action.help, f"{name}: {action.dest} has no help"
        shown = action.default not in (None, False, argparse.SUPPRESS)
        if shown and action.option_strings:
            assert f"(default: {action.default})" in text, f"{name}: {action.dest}'s default"


@pytest.mark.parametrize("package", sorted(CLIS))
def test_version(package: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        CLIS[package].main(["--version"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "chat-memory-chunks" in out
    assert "chunking " in out


@pytest.mark.parametrize(("name", "parser"), COMMANDS, ids=[name for name, _ in COMMANDS])
def test_every_command_answers_version(
    name: str, parser: argparse.ArgumentParser, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        parser.parse_args(["--version"])  # before any required argument is missed
    assert exit_.value.code == 0
    assert "chat-memory-chunks" in capsys.readouterr().out, name


def test_the_same_things_have_the_same_flags() -> None:
    """Tier budgets, the session gap, the format and strictness: one spelling everywhere."""
    shared = {"--small", "--medium", "--large", "--session-gap", "--format", "--strict"}
    writers = {"chunk": chunking.cli, "import": chunking.cli, "run": extraction.cli}
    for command, module in writers.items():
        parser = dict(_commands(module._parser("prog")))[f"prog {command}"]
        flags = {flag for action in parser._actions for flag in action.option_strings}
        assert shared <= flags, f"{command} lacks {shared - flags}"
        if command != "chunk":
            assert {"--store", "--migrate"} <= flags


def test_console_scripts_name_the_entry_points() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert set(scripts) == {"chat-chunking", "chat-extraction", "chat-eval"}
    for target in scripts.values():
        module, _, function = target.partition(":")
        assert callable(getattr(importlib.import_module(module), function))


@pytest.mark.parametrize("package", sorted(CLIS))
def test_python_dash_m_still_works(package: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", package, "--help"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert f"python -m {package}" in done.stdout
