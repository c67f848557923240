"""The service as deployed: ``serve``/``worker`` processes, a real PostgreSQL, HTTP on loopback.

Claude is :class:`~tests.extraction.service.harness.FakeClaude`, reached by
the real SDK through ``ANTHROPIC_BASE_URL``; nothing leaves the machine.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.extraction.service.harness import (
    FakeClaude,
    Process,
    fake_claude,
    service_env,
    user_export,
    wait_for,
)

pytestmark = pytest.mark.postgres

CITIES = ("Lisbon", "Oslo", "Quito", "Hanoi", "Dakar")


@pytest.fixture
def claude() -> Iterator[tuple[FakeClaude, str]]:
    with fake_claude(delay_s=0.05) as served:
        yield served


@pytest.fixture
def processes() -> Iterator[list[Process]]:
    started: list[Process] = []
    try:
        yield started
    finally:
        for process in started:
            process.stop()


def serve(
    processes: list[Process], database: str, log: Path, env: dict[str, str], *options: str
) -> Process:
    """A ``serve`` process, stopped after the test, once it answers ``/health``."""
    server = Process.start("serve", database, log, env, *options)
    processes.append(server)
    server.wait_healthy()
    return server


def upload(url: str | None, user: str, export: Path) -> httpx.Response:
    with export.open("rb") as body:
        return httpx.post(f"{url}/users/{user}/imports", content=body.read(), timeout=60)


def test_serve_refuses_a_database_it_was_not_told_to_migrate(pg_database: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "extraction", "serve", "--store", pg_database, "--port", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "start once with --migrate" in done.stderr


def test_two_users_upload_at_once_and_each_profile_holds_only_its_own_facts(
    pg_database: str, claude: tuple[FakeClaude, str], processes: list[Process], tmp_path: Path
) -> None:
    fake, endpoint = claude
    server = serve(
        processes, pg_database, tmp_path / "serve.log", service_env(endpoint), "--migrate"
    )
    assert server.url
    exports = {
        "ana@x.com": user_export(tmp_path / "ana.json", "Lisbon"),
        "ana_x.com": user_export(tmp_path / "ana_.json", "Oslo", seed=8),
    }
    with ThreadPoolExecutor(2) as pool:
        sent = {user: pool.submit(upload, server.url, user, path) for user, path in exports.items()}
        answers = {user: future.result() for user, future in sent.items()}
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for user, answer in answers.items():
            assert answer.status_code == 202, answer.text
            job = wait_for(client, answer.json()["id"])
            assert job["status"] == "complete", job
            assert job["user_id"] == user
            assert job["result"]["ledger"]["calls"] > 0
            assert job["progress"]["stage"] == "save"
        ana = client.get("/users/ana@x.com/memory")
        other = client.get("/users/ana_x.com/memory")
    assert ana.status_code == other.status_code == 200
    assert ana.headers["content-type"].startswith("text/markdown")
    assert "Lives in Lisbon" in ana.text
    assert "Oslo" not in ana.text
    assert "Lives in Oslo" in other.text
    assert "Lisbon" not in other.text
    assert fake.calls > 0
    assert service_env(endpoint)["ANTHROPIC_API_KEY"] not in (tmp_path / "serve.log").read_text()


def test_the_bar_ten_uploads_for_five_users_on_two_instances(
    pg_database: str, claude: tuple[FakeClaude, str], processes: list[Process], tmp_path: Path
) -> None:
    """10 concurrent uploads, 5 users, two instances: all complete, isolated, under the cap."""
    fake, endpoint = claude
    cap = 3
    options = ("--llm-cap", str(cap), "--jobs", "2", "--retry-base", "0")
    env = service_env(endpoint)
    first = serve(processes, pg_database, tmp_path / "a.log", env, "--migrate", *options)
    second = serve(processes, pg_database, tmp_path / "b.log", env, *options)
    users = {f"user{i}": city for i, city in enumerate(CITIES)}
    uploads = [
        (server.url or "", user, user_export(tmp_path / f"{user}-{n}.json", city, seed=n + i))
        for i, (user, city) in enumerate(users.items())
        for n, server in enumerate((first, second))
    ]
    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(lambda u: (u[1], upload(*u)), uploads))
    assert [a.status_code for _, a in answers] == [202] * 10, [a.text for _, a in answers]
    with httpx.Client(base_url=first.url, timeout=30) as client:
        jobs = [wait_for(client, a.json()["id"], timeout_s=300) for _, a in answers]
        profiles = {user: client.get(f"/users/{user}/memory").text for user in users}
    assert [job["status"] for job in jobs] == ["complete"] * 10, jobs
    for user in users:  # one import of a user at a time, whichever instance took it
        first_run, second_run = sorted(
            (job["started_at"], job["finished_at"]) for job in jobs if job["user_id"] == user
        )
        assert first_run[1] <= second_run[0]
    for user, city in users.items():
        assert f"Lives in {city}" in profiles[user]
        assert not any(other in profiles[user] for other in CITIES if other != city)
    assert 0 < fake.peak_in_flight <= cap
    for server in (first, second):
        assert server.peak_rss_mb() < 256
    with psycopg.connect(pg_database) as connection:
        left = connection.execute("SELECT count(*) FROM service_upload_pieces").fetchone()
    assert left == (0,)  # every stored export was discarded once its import ended


def test_refusals_say_why(
    pg_database: str, claude: tuple[FakeClaude, str], processes: list[Process], tmp_path: Path
) -> None:
    _fake, endpoint = claude
    # --no-worker: nothing runs, so the imports stay pending
    server = serve(
        processes,
        pg_database,
        tmp_path / "serve.log",
        service_env(endpoint),
        "--migrate",
        "--no-worker",
        "--max-pending",
        "2",
        "--max-upload-mb",
        "1",
    )
    url = server.url or ""
    export = user_export(tmp_path / "e.json", "Lima")
    assert upload(url, "bad id", export).status_code == 400
    empty = httpx.post(f"{url}/users/u1/imports", content=b"", timeout=30)
    assert empty.status_code == 400
    assert "empty" in empty.json()["detail"]
    big = httpx.post(f"{url}/users/u1/imports", content=b"x" * (2 << 20), timeout=30)
    assert big.status_code == 413
    assert [upload(url, "u1", export).status_code for _ in range(3)] == [202, 202, 429]
    assert "2 imports pending" in upload(url, "u1", export).json()["detail"]
    assert upload(url, "u2", export).status_code == 202  # another user is not held up
    assert httpx.get(f"{url}/jobs/not-a-job").status_code == 404
    assert httpx.get(f"{url}/users/u9/memory").status_code == 404
    with psycopg.connect(pg_database) as connection:
        rows = connection.execute(
            "SELECT user_id, status FROM service_imports ORDER BY user_id"
        ).fetchall()
    assert rows == [("u1", "queued"), ("u1", "queued"), ("u2", "queued")]  # no refused leftovers


def test_health_is_503_with_the_reason_when_the_store_is_broken(
    pg_database: str, claude: tuple[FakeClaude, str], processes: list[Process], tmp_path: Path
) -> None:
    _fake, endpoint = claude
    server = serve(
        processes,
        pg_database,
        tmp_path / "s.log",
        service_env(endpoint),
        "--migrate",
        "--no-worker",
    )
    with psycopg.connect(pg_database, autocommit=True) as connection:
        connection.execute("DROP TABLE conversation_chunk_sets CASCADE")
    answer = httpx.get(f"{server.url}/health", timeout=30)
    assert answer.status_code == 503
    report = answer.json()
    assert report["ok"] is False
    assert report["checks"]["imports"] == "ok"
    assert "conversation_chunk_sets" in report["checks"]["store"]


@contextmanager
def _interrupted_import(
    command: str, database: str, processes: list[Process], tmp_path: Path, *options: str
) -> Iterator[tuple[FakeClaude, Process, str, str, Process]]:
    """An API, and a ``command`` process (worker or serve) 3 calls into a slow import.

    Yields the fake Claude, the API, the import id, the environment's endpoint
    and the process running the import, for the test to interrupt.
    """
    with fake_claude(delay_s=0.3) as (fake, endpoint):
        env = service_env(endpoint)
        api = serve(processes, database, tmp_path / "api.log", env, "--migrate", "--no-worker")
        running = Process.start(command, database, tmp_path / "w1.log", env, *options)
        processes.append(running)
        answer = upload(api.url, "kim", user_export(tmp_path / "k.json", "Accra", conversations=10))
        assert answer.status_code == 202
        deadline = time.monotonic() + 60
        while fake.calls < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert fake.calls >= 3, (tmp_path / "w1.log").read_text()[-2000:]
        yield fake, api, answer.json()["id"], endpoint, running


def _finish_elsewhere(
    api: Process,
    import_id: str,
    endpoint: str,
    database: str,
    processes: list[Process],
    log: Path,
    *options: str,
) -> tuple[dict[str, Any], str]:
    """Start another worker; wait for the import; return it and kim's profile."""
    env = service_env(endpoint)
    processes.append(Process.start("worker", database, log, env, *(options or _TIMING)))
    with httpx.Client(base_url=api.url, timeout=30) as client:
        job = wait_for(client, import_id, timeout_s=180)
        return job, client.get("/users/kim/memory").text


_TIMING = ("--heartbeat", "0.5", "--stalled-after", "3")


def test_an_import_whose_worker_is_killed_finishes_on_another(
    pg_database: str, processes: list[Process], tmp_path: Path
) -> None:
    scenario = _interrupted_import("worker", pg_database, processes, tmp_path, *_TIMING)
    with scenario as (fake, api, import_id, endpoint, doomed):
        doomed.kill()  # SIGKILL mid-import: no goodbye, its heartbeat just stops
        calls_before = fake.calls
        job, memory = _finish_elsewhere(
            api, import_id, endpoint, pg_database, processes, tmp_path / "w2.log"
        )
        assert fake.calls > calls_before  # the survivor did the rest
    assert job["status"] == "complete", job
    assert job["attempts"] == 2
    assert "Lives in Accra" in memory


def test_an_import_whose_worker_dies_on_its_last_attempt_fails_and_is_cleaned_up(
    pg_database: str, processes: list[Process], tmp_path: Path
) -> None:
    options = (*_TIMING, "--attempts", "1")
    scenario = _interrupted_import("worker", pg_database, processes, tmp_path, *options)
    with scenario as (_fake, api, import_id, endpoint, doomed):
        doomed.kill()
        job, _memory = _finish_elsewhere(
            api, import_id, endpoint, pg_database, processes, tmp_path / "w2.log", *options
        )
    assert job["status"] == "failed", job  # not queued again and again
    assert "last attempt" in job["reason"]
    assert job["attempts"] == 1
    with psycopg.connect(pg_database) as connection:
        pieces = connection.execute("SELECT count(*) FROM service_upload_pieces").fetchone()
    assert pieces == (0,)


def test_an_import_hit_by_provider_errors_is_retried_and_completes(
    pg_database: str, processes: list[Process], tmp_path: Path
) -> None:
    with fake_claude(fail_first=6) as (fake, endpoint):
        server = serve(
            processes,
            pg_database,
            tmp_path / "s.log",
            service_env(endpoint),
            "--migrate",
            "--retry-base",
            "0",
        )
        answer = upload(server.url, "eve", user_export(tmp_path / "e.json", "Cusco"))
        with httpx.Client(base_url=server.url, timeout=30) as client:
            job = wait_for(client, answer.json()["id"])
            memory = client.get("/users/eve/memory").text
    assert job["status"] == "complete", job
    assert job["attempts"] == 2  # the first run ended with chunks failed, the second finished
    assert job["reason"] is None
    assert "Lives in Cusco" in memory
    assert fake.calls > fake.fail_first


def test_an_unreachable_database_is_a_clear_error_without_its_password() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "extraction",
            "worker",
            "--store",
            "postgresql://ana:s3cret@127.0.0.1:1/x",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "cannot be used" in done.stderr
    assert "Traceback" not in done.stderr
    assert "s3cret" not in done.stderr + done.stdout


@pytest.mark.parametrize("command", ["worker", "serve"])
def test_an_import_stopped_by_a_shutdown_past_its_grace_runs_again(
    command: str, pg_database: str, processes: list[Process], tmp_path: Path
) -> None:
    options = (*_TIMING, "--grace", "1")
    scenario = _interrupted_import(command, pg_database, processes, tmp_path, *options)
    with scenario as (_fake, api, import_id, endpoint, stopping):
        started = time.monotonic()
        stopping.stop()  # SIGTERM: one second of grace, then the import is stopped
        assert time.monotonic() - started < 15
        assert httpx.get(f"{api.url}/jobs/{import_id}").json()["status"] == "retrying"
        job, memory = _finish_elsewhere(
            api, import_id, endpoint, pg_database, processes, tmp_path / "w2.log"
        )
    assert job["status"] == "complete", job
    assert job["attempts"] == 2
    assert "Lives in Accra" in memory


def test_an_import_stopped_by_a_shutdown_on_its_last_attempt_fails(
    pg_database: str, processes: list[Process], tmp_path: Path
) -> None:
    options = (*_TIMING, "--grace", "1", "--attempts", "1")
    scenario = _interrupted_import("worker", pg_database, processes, tmp_path, *options)
    with scenario as (_fake, api, import_id, _endpoint, stopping):
        stopping.stop()
        job = httpx.get(f"{api.url}/jobs/{import_id}").json()
    assert job["status"] == "failed", job  # procrastinate will not run it again: it is over
    assert job["reason"] == "stopped by a shutdown"
    with psycopg.connect(pg_database) as connection:
        pieces = connection.execute("SELECT count(*) FROM service_upload_pieces").fetchone()
    assert pieces == (0,)


def test_an_upload_abandoned_by_a_dead_server_stops_counting_as_pending(
    pg_database: str, claude: tuple[FakeClaude, str], processes: list[Process], tmp_path: Path
) -> None:
    _fake, endpoint = claude
    server = serve(
        processes,
        pg_database,
        tmp_path / "s.log",
        service_env(endpoint),
        "--migrate",
        "--max-pending",
        "1",
        "--heartbeat",
        "0.5",
    )
    with psycopg.connect(pg_database, autocommit=True) as connection:
        connection.execute(  # what a server killed mid-upload leaves, an hour ago
            "INSERT INTO service_imports (id, user_id, status, updated_at) VALUES "
            "(gen_random_uuid(), 'zoe', 'uploading', now() - interval '1 hour')"
        )
        deadline = time.monotonic() + 30
        left: tuple[int, ...] | None = (1,)
        while left != (0,) and time.monotonic() < deadline:
            time.sleep(0.2)
            left = connection.execute("SELECT count(*) FROM service_imports").fetchone()
    assert left == (0,)
    assert upload(server.url, "zoe", user_export(tmp_path / "z.json", "Suva")).status_code == 202
