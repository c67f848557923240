"""``python -m extraction run`` against a local fake endpoint, as a new user tests a deploy.

The command runs in a subprocess with the real SDK; only the base URL points
at a server in this process, which records every request and answers from a
script. Nothing here reaches the network.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.extraction.synthetic import write_export
from tests.json_server import facts_message, serve_json, without_provider_env

Reply = Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]


@dataclass
class FakeEndpoint:
    """Records each request's path and JSON body; answers with ``reply``."""

    reply: Reply
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def facts_reply(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """A valid answer naming one fact of the first chunk of the request."""
    fact = {
        "chunk": "c1",
        "category": "places",
        "key": "home_city",
        "value": "Coimbra",
        "status": "current",
        "text": "Lives in Coimbra",
        "messages": ["m1"],
    }
    return 200, facts_message([fact], input_tokens=900, output_tokens=60)


def unauthorized(_body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return 401, {
        "type": "error",
        "error": {"type": "authentication_error", "message": "invalid x-api-key"},
    }


@pytest.fixture
def endpoint() -> Iterator[tuple[FakeEndpoint, str]]:
    fake = FakeEndpoint(facts_reply)

    def answer(path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with fake.lock:
            fake.requests.append((path, body))
        return fake.reply(body)

    with serve_json(answer) as url:
        yield fake, url


def run_cli(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    export = write_export(tmp_path / "export.json", 12)
    clean = without_provider_env()
    command = [
        sys.executable,
        "-m",
        "extraction",
        "run",
        str(export),
        "--user",
        "u1",
        "--store",
        f"sqlite:///{tmp_path / 'chunks.sqlite3'}",
        "--migrate",
        "--out",
        str(tmp_path / "memory.md"),
        "--json",
    ]
    return subprocess.run(
        command,
        env={**clean, "EXTRACTION_MAX_RETRIES": "2", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_bedrock_requests_name_an_inference_profile_and_bedrocks_version(
    endpoint: tuple[FakeEndpoint, str], tmp_path: Path
) -> None:
    fake, url = endpoint
    done = run_cli(
        tmp_path,
        {
            "EXTRACTION_PROVIDER": "bedrock",
            "EXTRACTION_MODEL": "claude-haiku-4-5",
            "AWS_REGION": "eu-west-1",
            "AWS_ACCESS_KEY_ID": "AKIAFAKEFAKEFAKE",
            "AWS_SECRET_ACCESS_KEY": "fake-secret-access-key-0000",
            "ANTHROPIC_BEDROCK_BASE_URL": url,
        },
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert fake.requests
    for path, body in fake.requests:
        assert path == "/model/eu.anthropic.claude-haiku-4-5-20251001-v1:0/invoke"
        assert body["anthropic_version"] == "bedrock-2023-05-31"
        assert "model" not in body
        assert body["output_config"]["format"]["type"] == "json_schema"
    report = json.loads(done.stdout)
    assert report["status"] == "complete"
    assert report["llm"] == "bedrock:eu.anthropic.claude-haiku-4-5-20251001-v1:0"
    memory = Path(report["memory_path"]).read_text(encoding="utf-8")
    assert "Lives in Coimbra" in memory
    assert "fake-secret" not in done.stderr


def test_the_direct_api_asks_for_structured_output(
    endpoint: tuple[FakeEndpoint, str], tmp_path: Path
) -> None:
    fake, url = endpoint
    key = "sk-ant-fake-0123456789abcdef"
    done = run_cli(
        tmp_path,
        {"EXTRACTION_PROVIDER": "anthropic", "ANTHROPIC_API_KEY": key, "ANTHROPIC_BASE_URL": url},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    for path, body in fake.requests:
        assert path == "/v1/messages"
        assert body["model"] == "claude-haiku-5-5"
        assert body["output_config"]["format"]["schema"]["required"] == ["facts"]
        assert body["thinking"] == {"type": "disabled"}
    assert key not in done.stderr
    assert key not in done.stdout


def test_a_401_stops_the_run_within_ten_requests(
    endpoint: tuple[FakeEndpoint, str], tmp_path: Path
) -> None:
    fake, url = endpoint
    fake.reply = unauthorized
    done = run_cli(
        tmp_path,
        {
            "EXTRACTION_PROVIDER": "anthropic",
            "ANTHROPIC_API_KEY": "sk-ant-wrong-0123456789abcdef",
            "ANTHROPIC_BASE_URL": url,
            "EXTRACTION_CHUNKS_PER_CALL": "1",
        },
    )
    assert 1 <= len(fake.requests) <= 10
    assert done.returncode == 2  # a setting to fix, not a step that failed
    report = json.loads(done.stdout)
    assert report["status"] == "failed"
    assert "LLMAccessError" in report["reason"]
    assert "401" in report["reason"]
    assert report["memory_path"] is None  # no profile is built from a refused run
    assert not (tmp_path / "memory.md").exists()
