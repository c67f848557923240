"""``python -m eval``: errors that name what is missing; a baseline is written only where named."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.cli import main


def test_a_missing_dataset_is_not_found(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nonexistent"
    assert main(["run", "--dataset", str(missing), "--out", str(tmp_path / "r"), "--quiet"]) == 2
    error = capsys.readouterr().err
    assert f"dataset '{missing}' not found" in error
    assert not (tmp_path / "r").exists()


def test_baseline_needs_an_out(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["baseline"])
    assert exit_.value.code == 2
    assert "--out" in capsys.readouterr().err


def test_check_of_missing_metrics_says_to_run_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["check", "--metrics", str(tmp_path / "m.json"), "--baseline", str(tmp_path / "b.json")]
    assert main(argv) == 2
    assert "not found" in capsys.readouterr().err
    (tmp_path / "m.json").write_text("{oops", encoding="utf-8")
    assert main(argv) == 2
    assert "is not JSON" in capsys.readouterr().err
