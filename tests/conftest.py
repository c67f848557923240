"""Test configuration shared by every test folder."""

from __future__ import annotations

import os

from hypothesis import settings

# CI replays the same examples on every run, so that a landing never depends on
# luck; locally every run explores new ones.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
