"""The service's knobs and user ids, and what importing it does not do."""

from __future__ import annotations

import subprocess
import sys

import pytest

from extraction.errors import SettingsError
from extraction.service.config import ServiceConfig, check_user_id

URL = "postgresql://service@127.0.0.1:5432/app"


@pytest.mark.parametrize("user", ["ana", "ana@x.com", "ana_x.com", "A.B+c-9", "7" * 128])
def test_user_ids_of_letters_digits_and_a_few_signs_are_accepted(user: str) -> None:
    assert check_user_id(user) == user


@pytest.mark.parametrize(
    "user", ["", "bad id", "../etc", "-ana", "ana/x", "ana\n", "7" * 129, "ünï", "a;drop"]
)
def test_other_user_ids_are_refused_saying_what_one_is(user: str) -> None:
    with pytest.raises(SettingsError, match="letters, digits"):
        check_user_id(user)


def test_the_service_needs_postgresql() -> None:
    with pytest.raises(SettingsError, match="PostgreSQL"):
        ServiceConfig(database_url="sqlite:///chunks.db")


@pytest.mark.parametrize(
    ("field", "value"),
    [("llm_cap", 0), ("jobs_per_worker", 0), ("max_pending_per_user", 0), ("attempts", 0)],
)
def test_counts_must_be_positive(field: str, value: int) -> None:
    with pytest.raises(SettingsError, match=field):
        ServiceConfig(database_url=URL, **{field: value})  # type: ignore[arg-type]


def test_a_heartbeat_must_come_before_a_worker_counts_as_dead() -> None:
    with pytest.raises(SettingsError, match="stalled_after_s"):
        ServiceConfig(database_url=URL, heartbeat_s=30, stalled_after_s=30)


@pytest.mark.parametrize("heavy", ["fastapi", "procrastinate", "uvicorn", "psycopg_pool"])
def test_importing_the_service_package_imports_no_server_library(heavy: str) -> None:
    code = (
        "import sys, extraction, extraction.service, extraction.service.api, "
        "extraction.service.queue; "
        f"sys.exit(1 if {heavy!r} in sys.modules else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0, heavy
