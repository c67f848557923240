"""Every extraction test starts from an environment without extraction settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLE_EXPORT = REPO / "fixtures" / "sample_export.json"

_PREFIXES = ("EXTRACTION_", "ANTHROPIC_", "AWS_")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(_PREFIXES):
            monkeypatch.delenv(name)
