"""Logs of a full run with a (fake) key never contain any part of it but the last four."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx2
import pytest

from extraction.anthropic_llm import AnthropicLLM
from extraction.cache import MemoryFactCache
from extraction.client import make_client
from extraction.items import Turn
from extraction.levers import DEFAULT_LEVERS
from extraction.offline import facts_of_turn
from extraction.pipeline import file_memory_sink, run_full_pass
from extraction.prompts import parse_prompt_chunks
from extraction.settings import load_settings
from tests.extraction.fakes import FakeChunkStore
from tests.extraction.synthetic import write_export

KEY = "sk-ant-api03-Zq81xPvL0mN4bR7tY2wK9cJ5hG3fD6sA-QxWc"


def answer(request: httpx2.Request) -> httpx2.Response:
    """A Messages API stand-in: the offline rules over the prompt, or errors for some."""
    body = json.loads(request.content)
    prompt = body["messages"][0]["content"]
    if "Bolota" in prompt:  # one conversation's call fails for good
        return httpx2.Response(
            400,
            json={"type": "error", "error": {"type": "invalid_request_error", "message": "bad"}},
        )
    facts = [
        {"chunk": ref, **fact}
        for ref, turns in parse_prompt_chunks(prompt)
        for turn in turns
        for fact in facts_of_turn(Turn(turn.role, turn.message_id, turn.text))
    ]
    return httpx2.Response(
        200,
        json={
            "id": "msg",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": [{"type": "text", "text": json.dumps({"facts": facts})}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": 500, "output_tokens": 60, "cache_read_input_tokens": 0},
        },
    )


def test_logs_of_a_full_run_hold_no_part_of_the_key(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    caplog.set_level(logging.DEBUG)
    settings = load_settings(max_retries=1)
    logging.getLogger("extraction").info("settings: %s", settings.describe())
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return answer(request)

    client = make_client(
        settings, http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(handler))
    )
    result = run_full_pass(
        user_id="u",
        fetch_export=lambda: write_export(tmp_path / "e.json", 6),
        store=FakeChunkStore(),
        llm=AnthropicLLM(client, model=settings.model),
        cache=MemoryFactCache(),
        save_memory=file_memory_sink(tmp_path),
        levers=DEFAULT_LEVERS.with_(chunks_per_call=1),
    )
    assert seen
    assert seen[0].headers.get("authorization") == f"Bearer {KEY}"
    assert result.failures
    assert result.status == "failed"
    logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
    assert "…" + KEY[-4:] in logged  # the masked form is what is shown
    for start in range(len(KEY) - 4):
        assert KEY[start : start + 5] not in logged, f"key fragment {start} leaked"
    assert KEY not in repr(result)
    assert KEY not in json.dumps(result.to_dict())
