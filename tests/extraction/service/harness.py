"""Processes and a fake Claude endpoint for the service's tests, all on loopback.

:class:`FakeClaude` answers the Messages API from the chunks it is sent: for
each user turn that says "I live in <City>" it returns the fact "Lives in
<City>", so a profile can only hold a city its own user's export states. It
counts the calls in flight and keeps the highest count. :class:`Process`
runs ``python -m extraction serve`` or ``worker`` as the service deploys them.
"""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.extraction.synthetic import make_export
from tests.json_server import facts_message, serve_json, without_provider_env
from tests.rss import status_mb

_CHUNK = re.compile(r'<chunk id="(?P<id>c\d+)"[^>]*>(?P<body>.*?)</chunk>', re.DOTALL)
_USER_TURN = re.compile(r'<user id="(?P<mid>m\d+)">(?P<text>.*?)</user>', re.DOTALL)
_LIVES = re.compile(r"I live in (?P<city>[A-Z][a-z]+)")


@dataclass
class FakeClaude:
    """Answers ``POST /v1/messages``; ``delay_s`` per call; counts calls in flight."""

    delay_s: float = 0.0
    fail_first: int = 0
    """The first this many requests are answered 500 (an overloaded provider)."""
    calls: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        text = " ".join(_content(m["content"]) for m in body["messages"] if m["role"] == "user")
        facts = []
        for chunk in _CHUNK.finditer(text):
            for turn in _USER_TURN.finditer(chunk["body"]):
                for lives in _LIVES.finditer(turn["text"]):
                    city = lives["city"]
                    facts.append(
                        {
                            "chunk": chunk["id"],
                            "category": "places",
                            "key": "home_city",
                            "value": city,
                            "status": "current",
                            "text": f"Lives in {city}",
                            "messages": [turn["mid"]],
                        }
                    )
        return facts_message(
            facts, model=body.get("model", "fake"), input_tokens=500, output_tokens=40
        )


_OVERLOADED = {"type": "error", "error": {"type": "api_error", "message": "overloaded"}}


def _content(content: Any) -> str:
    if isinstance(content, str):
        return content
    return " ".join(block.get("text", "") for block in content)


@contextmanager
def fake_claude(delay_s: float = 0.0, fail_first: int = 0) -> Iterator[tuple[FakeClaude, str]]:
    """A :class:`FakeClaude` served on 127.0.0.1; yields it and its base URL."""
    fake = FakeClaude(delay_s=delay_s, fail_first=fail_first)

    def answer(_path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with fake.lock:
            fake.calls += 1
            fake.in_flight += 1
            fake.peak_in_flight = max(fake.peak_in_flight, fake.in_flight)
            failing = fake.calls <= fake.fail_first
        try:
            time.sleep(fake.delay_s)
            return (500, _OVERLOADED) if failing else (200, fake.answer(body))
        finally:
            with fake.lock:
                fake.in_flight -= 1

    with serve_json(answer) as url:
        yield fake, url


def user_export(path: Path, city: str, *, conversations: int = 6, seed: int = 7) -> Path:
    """A plain-format export whose user lives in ``city`` (and says so once)."""
    export = make_export(conversations, seed=seed, assistant_words=60)
    raw = json.dumps(export).replace("Coimbra", city).replace("Berlin", city)
    path.write_text(raw, encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def service_env(endpoint: str) -> dict[str, str]:
    """The environment of a service process that calls ``endpoint`` as Claude."""
    clean = without_provider_env()
    return {
        **clean,
        "EXTRACTION_PROVIDER": "anthropic",
        "ANTHROPIC_API_KEY": "sk-ant-fake-0123456789abcdef",
        "ANTHROPIC_BASE_URL": endpoint,
        "EXTRACTION_CHUNKS_PER_CALL": "1",
        "EXTRACTION_CONCURRENCY": "3",
        "EXTRACTION_MAX_RETRIES": "1",
    }


@dataclass
class Process:
    """A service process (``serve`` or ``worker``) and its log file."""

    popen: subprocess.Popen[bytes]
    log: Path
    url: str | None = None

    @classmethod
    def start(
        cls, command: str, store: str, log: Path, env: dict[str, str], *options: str
    ) -> Process:
        args = [sys.executable, "-m", "extraction", command, "--store", store, *options]
        url = None
        if command == "serve":
            port = free_port()
            args += ["--port", str(port)]
            url = f"http://127.0.0.1:{port}"
        out = log.open("wb")
        popen = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
        out.close()
        return cls(popen, log, url)

    def wait_healthy(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise AssertionError(f"the service exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/health", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"the service never became healthy: {self.log.read_text()[-3000:]}")

    def peak_rss_mb(self) -> float:
        """The process's peak RSS (``VmHWM``), read while it runs."""
        return status_mb(self.popen.pid, "VmHWM")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()

    def kill(self) -> None:
        self.popen.kill()
        self.popen.wait()


def wait_for(
    client: httpx.Client,
    import_id: str,
    timeout_s: float = 120,
    ended: tuple[str, ...] = ("complete", "failed"),
) -> dict[str, Any]:
    """Poll ``GET /jobs/{id}`` until the import ends; returns its last status."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/jobs/{import_id}").json()
        if job["status"] in ended:
            return job
        time.sleep(0.2)
    raise AssertionError(f"import {import_id} did not end in {timeout_s} s: {job}")
