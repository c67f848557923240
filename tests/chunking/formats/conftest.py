"""Paths of the readers' fixtures and of the shared sample exports."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"
SHARED_EXPORTS = Path(__file__).resolve().parents[4] / "shared" / "data" / "exports"


@pytest.fixture
def data() -> Path:
    """The folder of this package's own small export files."""
    return DATA


@pytest.fixture
def shared_exports() -> Path:
    """``../shared/data/exports`` beside the repository; skips the test when absent."""
    if not SHARED_EXPORTS.is_dir():
        pytest.skip(f"shared sample exports not found at {SHARED_EXPORTS}")
    return SHARED_EXPORTS
