"""A bounded load test of the HTTP service on loopback: many users, two instances, one cap.

Two ``python -m extraction serve`` processes (each with its worker) share a
fresh PostgreSQL database; ``BENCH_LOAD_USERS`` users (default 20) each
upload ``BENCH_LOAD_IMPORTS`` exports (default 2) of ``BENCH_LOAD_CONVERSATIONS``
conversations (default 30), all at once, spread over both instances. Claude is
the tests' fake endpoint (50 ms a call) reached through the real SDK.

Reported: wall time, peak RSS of each process against its RSS when idle
(healthy, before any upload), the most LLM calls ever in flight against the
cap, and jobs lost (accepted but never ``complete``). The bars: no job lost,
never more calls in flight than the cap, every process under 256 MB.
"""

from __future__ import annotations

import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from benchmarks.export_generator import write_chatgpt_export
from tests.extraction.service.harness import (
    Process,
    fake_claude,
    service_env,
    user_export,
    wait_for,
)
from tests.rss import status_mb

RSS_BAR_MB = 256
CAP = 4


@pytest.mark.postgres
def test_load_many_users_two_instances(
    benchmark: Any, pg_database: str, report: list[str], tmp_path: Path
) -> None:
    users = int(os.environ.get("BENCH_LOAD_USERS", "20"))
    per_user = int(os.environ.get("BENCH_LOAD_IMPORTS", "2"))
    conversations = int(os.environ.get("BENCH_LOAD_CONVERSATIONS", "30"))
    options = ("--llm-cap", str(CAP), "--jobs", "2", "--retry-base", "0")
    options += ("--max-pending", str(per_user))
    with fake_claude(delay_s=0.05) as (fake, endpoint):
        env = service_env(endpoint)
        servers = [
            Process.start("serve", pg_database, tmp_path / "a.log", env, "--migrate", *options)
        ]
        servers[0].wait_healthy()
        servers.append(Process.start("serve", pg_database, tmp_path / "b.log", env, *options))
        servers[1].wait_healthy()
        try:
            idle = [status_mb(s.popen.pid, "VmRSS") for s in servers]
            exports = [
                (user, _export(tmp_path / f"u{user}-{n}.json", conversations, seed=user * 10 + n))
                for user in range(users)
                for n in range(per_user)
            ]
            exported_mb = sum(p.stat().st_size for _, p in exports) / 1e6

            def run() -> list[dict[str, Any]]:
                def send(index: int) -> httpx.Response:
                    user, path = exports[index]
                    url = servers[index % 2].url
                    return httpx.post(
                        f"{url}/users/u{user}/imports", content=path.read_bytes(), timeout=120
                    )

                with ThreadPoolExecutor(16) as pool:
                    answers = list(pool.map(send, range(len(exports))))
                accepted = [a.json()["id"] for a in answers if a.status_code == 202]
                assert len(accepted) == len(exports), [a.text for a in answers][:3]
                with httpx.Client(base_url=servers[0].url, timeout=60) as client:
                    return [wait_for(client, job, timeout_s=900) for job in accepted]

            started = time.perf_counter()
            jobs = benchmark.pedantic(run, rounds=1, iterations=1)
            seconds = time.perf_counter() - started
            peaks = [s.peak_rss_mb() for s in servers]
        finally:
            for server in servers:
                server.stop()
    lost = sum(job["status"] != "complete" for job in jobs)
    calls = sum(job["result"]["ledger"]["calls"] for job in jobs if job["result"])
    report.append(
        f"service load: {len(jobs)} imports of {users} users ({exported_mb:.1f} MB in all) on 2 "
        f"instances in {seconds:.1f} s; jobs lost {lost}; LLM calls {calls}, at most "
        f"{fake.peak_in_flight} in flight (cap {CAP}); peak RSS "
        + ", ".join(f"{p:.1f} MB (idle {i:.1f} MB)" for p, i in zip(peaks, idle, strict=True))
    )
    benchmark.extra_info.update(
        {"jobs_lost": lost, "peak_in_flight": fake.peak_in_flight, "peak_rss_mb": peaks}
    )
    assert lost == 0
    assert fake.peak_in_flight <= CAP
    assert max(peaks) < RSS_BAR_MB


def _export(path: Path, conversations: int, *, seed: int) -> Path:
    return user_export(path, "Porto", conversations=conversations, seed=seed)


@pytest.mark.postgres
def test_one_export_at_scale_through_the_service(
    benchmark: Any, pg_database: str, report: list[str], tmp_path: Path
) -> None:
    """One generated ChatGPT export of ``BENCH_EXPORT_MB`` MB (default 100), uploaded over HTTP.

    One ``serve`` process with its worker; Claude answers at once, with the
    default levers (8 chunks a call). Reported: the server's peak RSS against
    its idle RSS, the upload's and the import's wall time.
    """
    megabytes = int(os.environ.get("BENCH_EXPORT_MB", "100"))
    export = tmp_path / "conversations.json"
    size_mb = write_chatgpt_export(export, megabytes=megabytes) / 1e6
    with fake_claude(delay_s=0.0) as (fake, endpoint):
        env = {**service_env(endpoint), "EXTRACTION_CHUNKS_PER_CALL": "8"}
        server = Process.start("serve", pg_database, tmp_path / "s.log", env, "--migrate")
        try:
            server.wait_healthy()
            idle = status_mb(server.popen.pid, "VmRSS")
            timings: dict[str, float] = {}
            latencies: list[float] = []  # of GET /jobs/{id} while the import runs

            def run() -> dict[str, Any]:
                started = time.perf_counter()
                with export.open("rb") as body:  # streamed from the file, not read whole
                    answer = httpx.post(
                        f"{server.url}/users/big/imports", content=body, timeout=600
                    )
                timings["upload"] = time.perf_counter() - started
                assert answer.status_code == 202, answer.text
                with httpx.Client(base_url=server.url, timeout=60) as client:
                    job = _poll(client, answer.json()["id"], latencies)
                timings["total"] = time.perf_counter() - started
                return job

            job = benchmark.pedantic(run, rounds=1, iterations=1)
            peak = server.peak_rss_mb()
        finally:
            server.stop()
    assert job["status"] == "complete", job
    result = job["result"]
    report.append(
        f"service, one {size_mb:.0f} MB export: upload {timings['upload']:.1f} s, import "
        f"{timings['total']:.1f} s in all; {result['conversations']} conversations, "
        f"{result['chunks_stored']} chunks stored, {result['ledger']['calls']} LLM calls "
        f"(at most {fake.peak_in_flight} in flight); server peak RSS {peak:.1f} MB "
        f"(idle {idle:.1f} MB); GET /jobs while importing: {len(latencies)} polls, median "
        f"{1000 * statistics.median(latencies):.1f} ms, max {1000 * max(latencies):.1f} ms"
    )
    benchmark.extra_info.update({"peak_rss_mb": peak, "idle_rss_mb": idle})
    assert peak < RSS_BAR_MB


def _poll(client: httpx.Client, import_id: str, latencies: list[float]) -> dict[str, Any]:
    """Poll the import every 100 ms until it ends, timing each answer."""
    while True:
        started = time.perf_counter()
        job: dict[str, Any] = client.get(f"/jobs/{import_id}").json()
        latencies.append(time.perf_counter() - started)
        if job["status"] in ("complete", "failed"):
            return job
        time.sleep(0.1)
