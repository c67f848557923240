"""Shared fixtures of the eval tests: the tiny LoCoMo file here, the real dev split in ../shared."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"
LOCOMO_DEV = Path(__file__).resolve().parents[3] / "shared" / "data" / "locomo" / "dev.json"


@pytest.fixture
def tiny_locomo_path() -> Path:
    return DATA / "locomo_tiny.json"


@pytest.fixture
def locomo_dev_path() -> Path:
    if not LOCOMO_DEV.exists():
        pytest.skip("../shared/data/locomo/dev.json is not present next to the repository")
    return LOCOMO_DEV
