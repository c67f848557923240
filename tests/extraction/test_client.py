"""The real SDK over a mock transport: retries, timeouts, malformed bodies, usage, Bedrock."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import anthropic
import httpx2
import pytest

from extraction.anthropic_llm import AnthropicLLM
from extraction.batches import MemoryBatchJournal, request_digest
from extraction.client import ClaudeClient, make_client
from extraction.errors import LLMAccessError, LLMCallError, SettingsError
from extraction.llm import LLMMessage, LLMRequest
from extraction.settings import load_settings

KEY = "sk-ant-test-0123456789abcdefWXYZ"
REQUEST = LLMRequest(system="instructions", messages=(LLMMessage("user", "hello"),))


def message_body(text: str = '{"facts": []}', **usage: int) -> dict[str, Any]:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-haiku-4-5-20251001",
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 120, "output_tokens": 30, **usage},
    }


class Recorder:
    """A MockTransport handler answering from a script of responses (or exceptions)."""

    def __init__(self, *script: httpx2.Response | Exception) -> None:
        self.script = list(script)
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        step = self.script[min(len(self.requests), len(self.script)) - 1]
        if isinstance(step, Exception):
            raise step
        return step


def error(status: int) -> httpx2.Response:
    body = {"type": "error", "error": {"type": "api_error", "message": f"status {status}"}}
    return httpx2.Response(status, json=body, headers={"retry-after-ms": "1"})


def client(handler: Callable[[httpx2.Request], httpx2.Response], **settings: Any) -> ClaudeClient:
    options: dict[str, Any] = {"provider": "anthropic", "anthropic_api_key": KEY, **settings}
    transport = httpx2.MockTransport(handler)
    return make_client(
        load_settings(**options), http_client=httpx2.AsyncClient(transport=transport)
    )


@pytest.mark.parametrize("status", [429, 500, 529])
def test_retryable_statuses_are_retried_then_succeed(status: int) -> None:
    handler = Recorder(error(status), error(status), httpx2.Response(200, json=message_body()))
    result = asyncio.run(client(handler, max_retries=3).create(REQUEST))
    assert len(handler.requests) == 3
    assert result.text == '{"facts": []}'


@pytest.mark.parametrize("status", [429, 529])
def test_retries_are_bounded_by_max_retries(status: int) -> None:
    handler = Recorder(error(status))
    with pytest.raises(LLMCallError, match=str(status)) as caught:
        asyncio.run(client(handler, max_retries=2).create(REQUEST))
    assert len(handler.requests) == 3  # the first attempt and two retries
    assert isinstance(caught.value.__cause__, anthropic.APIStatusError)


def test_400_is_not_retried() -> None:
    handler = Recorder(error(400), httpx2.Response(200, json=message_body()))
    with pytest.raises(LLMCallError) as caught:
        asyncio.run(client(handler, max_retries=3).create(REQUEST))
    assert len(handler.requests) == 1
    assert isinstance(caught.value.__cause__, anthropic.BadRequestError)


def test_timeouts_are_retried_and_then_reported() -> None:
    handler = Recorder(httpx2.ReadTimeout("slow"), httpx2.Response(200, json=message_body()))
    assert asyncio.run(client(handler, max_retries=1).create(REQUEST)).text
    assert len(handler.requests) == 2

    always = Recorder(httpx2.ReadTimeout("slow"))
    with pytest.raises(LLMCallError) as caught:
        asyncio.run(client(always, max_retries=1).create(REQUEST))
    assert len(always.requests) == 2
    assert isinstance(caught.value.__cause__, anthropic.APITimeoutError)


def test_the_read_and_connect_timeouts_are_sent_with_each_request() -> None:
    handler = Recorder(httpx2.Response(200, json=message_body()))
    asyncio.run(client(handler, timeout_s=7.5, connect_timeout_s=2.5).create(REQUEST))
    timeout = handler.requests[0].extensions["timeout"]
    assert (timeout["read"], timeout["connect"]) == (7.5, 2.5)


@pytest.mark.parametrize(
    "body",
    [b"not json at all", b"{}", b'{"content": "a string", "usage": {}}'],
    ids=["not-json", "empty-object", "wrong-shape"],
)
def test_malformed_bodies_become_call_errors(body: bytes) -> None:
    handler = Recorder(
        httpx2.Response(200, content=body, headers={"content-type": "application/json"})
    )
    with pytest.raises(LLMCallError, match="malformed"):
        asyncio.run(client(handler, max_retries=0).create(REQUEST))


def test_usage_is_parsed_with_cache_fields() -> None:
    body = message_body(cache_creation_input_tokens=4100, cache_read_input_tokens=250)
    handler = Recorder(httpx2.Response(200, json=body))
    usage = asyncio.run(client(handler).create(REQUEST)).usage
    assert (usage.input_tokens, usage.output_tokens) == (120, 30)
    assert (usage.cache_write_tokens, usage.cache_read_tokens) == (4100, 250)
    assert not usage.estimated


def test_missing_cache_fields_count_zero_and_request_carries_model_and_cache_control() -> None:
    handler = Recorder(httpx2.Response(200, json=message_body()))
    llm = AnthropicLLM(client(handler, model="claude-haiku-4-5"), model="claude-haiku-4-5")
    request = LLMRequest(system="x", messages=(LLMMessage("user", "hi"),), cache_system=True)
    response = asyncio.run(llm.complete(request))
    assert response.usage.cache_write_tokens == response.usage.cache_read_tokens == 0
    sent = json.loads(handler.requests[0].content)
    assert sent["model"] == "claude-haiku-4-5-20251001"
    assert sent["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert handler.requests[0].url.path == "/v1/messages"
    assert llm.description == "anthropic:claude-haiku-4-5-20251001"


def test_no_cache_control_unless_asked() -> None:
    handler = Recorder(httpx2.Response(200, json=message_body()))
    asyncio.run(client(handler).create(REQUEST))
    assert "cache_control" not in json.loads(handler.requests[0].content)["system"][0]


BEDROCK = {
    "provider": "bedrock",
    "aws_region": "eu-west-1",
    "aws_access_key_id": "AKIAFAKEFAKEFAKE",
    "aws_secret_access_key": "fake-secret-access-key-0000",
}


@pytest.mark.parametrize(
    ("region", "prefix", "model_id"),
    [
        ("eu-west-1", None, "eu.anthropic.claude-haiku-4-5-20251001-v1:0"),
        ("us-east-1", None, "us.anthropic.claude-haiku-4-5-20251001-v1:0"),
        ("ap-northeast-1", None, "jp.anthropic.claude-haiku-4-5-20251001-v1:0"),
        ("sa-east-1", None, "global.anthropic.claude-haiku-4-5-20251001-v1:0"),
        ("eu-west-1", "global", "global.anthropic.claude-haiku-4-5-20251001-v1:0"),
    ],
)
def test_bedrock_sends_an_inference_profile_id_derived_from_the_region(
    region: str, prefix: str | None, model_id: str
) -> None:
    handler = Recorder(httpx2.Response(200, json=message_body()))
    options = {**BEDROCK, "aws_region": region, "model": "claude-haiku-4-5"}
    made = client(handler, **options, bedrock_region_prefix=prefix)
    assert isinstance(made.sdk, anthropic.AsyncAnthropicBedrock)
    assert made.model_id == model_id
    assert asyncio.run(made.create(REQUEST)).usage.input_tokens == 120
    sent = handler.requests[0]
    assert (
        str(sent.url) == f"https://bedrock-runtime.{region}.amazonaws.com/model/{model_id}/invoke"
    )
    assert sent.headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIAFAKEFAKEFAKE/")


def structured_request() -> LLMRequest:
    from extraction.prompts import OUTPUT_SCHEMA

    return LLMRequest(
        system="instructions", messages=(LLMMessage("user", "hello"),), output_schema=OUTPUT_SCHEMA
    )


def test_the_bedrock_body_is_exactly_what_bedrock_documents() -> None:
    from extraction.prompts import OUTPUT_SCHEMA

    handler = Recorder(httpx2.Response(200, json=message_body()))
    made = client(handler, **BEDROCK, model="claude-haiku-4-5")
    asyncio.run(made.create(structured_request()))
    body = json.loads(handler.requests[0].content)
    assert body == {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 2048,
        "system": [{"type": "text", "text": "instructions"}],
        "messages": [{"role": "user", "content": "hello"}],
        "output_config": {"format": {"type": "json_schema", "schema": OUTPUT_SCHEMA}},
    }


def test_haiku_5_5_on_bedrock_sends_no_schema_and_no_thinking() -> None:
    handler = Recorder(httpx2.Response(200, json=message_body()))
    made = client(handler, **BEDROCK, model="claude-haiku-5-5")
    asyncio.run(made.create(structured_request()))
    assert handler.requests[0].url.path == "/model/eu.anthropic.claude-haiku-5-5/invoke"
    body = json.loads(handler.requests[0].content)
    assert body["anthropic_version"] == "bedrock-2023-05-31"
    assert body["thinking"] == {"type": "disabled"}
    assert "output_config" not in body  # not confirmed for Haiku 5.5 on Bedrock


@pytest.mark.parametrize(
    ("model", "model_id", "extra"),
    [
        ("claude-haiku-4-5", "claude-haiku-4-5-20251001", {}),
        ("claude-haiku-5-5", "claude-haiku-5-5", {"thinking": {"type": "disabled"}}),
    ],
)
def test_the_direct_api_body_asks_for_structured_output(
    model: str, model_id: str, extra: dict[str, Any]
) -> None:
    from extraction.prompts import OUTPUT_SCHEMA

    handler = Recorder(httpx2.Response(200, json=message_body()))
    asyncio.run(client(handler, model=model).create(structured_request()))
    sent = handler.requests[0]
    assert str(sent.url) == "https://api.anthropic.com/v1/messages"
    body = json.loads(sent.content)
    assert body["model"] == model_id
    assert body["output_config"] == {"format": {"type": "json_schema", "schema": OUTPUT_SCHEMA}}
    assert "anthropic_version" not in body
    assert {k: body[k] for k in extra} == extra


def api_error(status: int, kind: str, message: str) -> httpx2.Response:
    body = {"type": "error", "error": {"type": kind, "message": message}}
    return httpx2.Response(status, json=body)


@pytest.mark.parametrize(
    "response",
    [
        api_error(401, "authentication_error", "invalid x-api-key"),
        api_error(403, "permission_error", "Your API key does not have permission"),
        api_error(404, "not_found_error", "model: claude-haiku-9"),
        api_error(
            400,
            "invalid_request_error",
            "Invocation of model ID anthropic.claude-haiku-4-5-20251001-v1:0 with on-demand "
            "throughput isn't supported. Retry your request with the ID or ARN of an inference "
            "profile that contains this model.",
        ),
        api_error(400, "invalid_request_error", "The provided model identifier is invalid."),
    ],
    ids=["401", "403", "404-model", "400-on-demand", "400-invalid-model"],
)
def test_refusals_no_retry_can_change_are_access_errors_sent_once(
    response: httpx2.Response,
) -> None:
    handler = Recorder(response)
    with pytest.raises(LLMAccessError, match="refuses every call") as caught:
        asyncio.run(client(handler, max_retries=3).create(REQUEST))
    assert len(handler.requests) == 1
    assert isinstance(caught.value.__cause__, anthropic.APIStatusError)


def test_another_400_fails_only_its_call() -> None:
    handler = Recorder(api_error(400, "invalid_request_error", "messages: text too long"))
    with pytest.raises(LLMCallError) as caught:
        asyncio.run(client(handler).create(REQUEST))
    assert not isinstance(caught.value, LLMAccessError)


@pytest.mark.parametrize(
    "usage",
    [{"input_tokens": "lots", "output_tokens": 3}, {"input_tokens": -5, "output_tokens": 3}],
    ids=["text", "negative"],
)
def test_a_malformed_usage_is_a_call_error_not_an_abort(usage: dict[str, Any]) -> None:
    body = {**message_body(), "usage": usage}
    handler = Recorder(httpx2.Response(200, json=body))
    with pytest.raises(LLMCallError, match=r"usage\.input_tokens"):
        asyncio.run(client(handler).create(REQUEST))


def test_the_stop_reason_reaches_the_response() -> None:
    body = {**message_body('{"facts": [{"chu'), "stop_reason": "max_tokens"}
    handler = Recorder(httpx2.Response(200, json=body))
    response = asyncio.run(AnthropicLLM(client(handler), model="m").complete(REQUEST))
    assert response.truncated
    assert response.stop_reason == "max_tokens"


def test_bedrock_retries_429() -> None:
    handler = Recorder(error(429), httpx2.Response(200, json=message_body()))
    asyncio.run(client(handler, **BEDROCK, max_retries=2).create(REQUEST))
    assert len(handler.requests) == 2


def test_direct_client_is_asyncanthropic_with_settings_applied() -> None:
    made = client(Recorder(httpx2.Response(200, json=message_body())), max_retries=5)
    assert isinstance(made.sdk, anthropic.AsyncAnthropic)
    assert made.sdk.max_retries == 5
    assert KEY not in repr(made)


def test_missing_credentials_name_the_variable() -> None:
    with pytest.raises(SettingsError, match="ANTHROPIC_API_KEY"):
        make_client(load_settings(provider="anthropic"))
    with pytest.raises(SettingsError, match="AWS_REGION"):
        make_client(load_settings(provider="bedrock"))


def batch_body(status: str = "ended", batch_id: str = "msgbatch_1") -> dict[str, Any]:
    return {
        "id": batch_id,
        "type": "message_batch",
        "processing_status": status,
        "request_counts": {
            "processing": 0,
            "succeeded": 1,
            "errored": 1,
            "canceled": 0,
            "expired": 0,
        },
        "created_at": "2026-01-01T00:00:00Z",
        "expires_at": "2026-01-02T00:00:00Z",
        "ended_at": "2026-01-01T01:00:00Z",
        "cancel_initiated_at": None,
        "archived_at": None,
        "results_url": f"https://api.anthropic.com/v1/messages/batches/{batch_id}/results",
    }


def test_message_batches_round_trip_over_the_mock_transport() -> None:
    other = LLMRequest(system="instructions", messages=(LLMMessage("user", "bye"),))
    ok, failed = (request_digest(r, "claude-haiku-4-5") for r in (REQUEST, other))
    results = "\n".join(
        json.dumps(line)
        for line in (
            {
                "custom_id": failed,
                "result": {
                    "type": "errored",
                    "error": {"type": "error", "error": {"type": "api_error", "message": "x"}},
                },
            },
            {"custom_id": ok, "result": {"type": "succeeded", "message": message_body("done")}},
        )
    )
    seen: list[str] = []
    sent: list[Any] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(f"{request.method} {request.url.path}")
        if request.method == "POST" and request.url.path.endswith("/batches"):
            sent.extend(r["custom_id"] for r in json.loads(request.content)["requests"])
        if request.url.path.endswith("/results"):
            return httpx2.Response(
                200, content=results.encode(), headers={"content-type": "application/x-jsonl"}
            )
        return httpx2.Response(200, json=batch_body())

    llm = AnthropicLLM(client(handler), model="claude-haiku-4-5")
    answers = asyncio.run(llm.complete_batch([REQUEST, other, REQUEST], poll_s=0))
    assert seen[0] == "POST /v1/messages/batches"
    assert sent == [ok, failed]  # custom ids are the requests' digests; the repeat is sent once
    assert [a.text if not isinstance(a, LLMCallError) else None for a in answers] == [
        "done",
        None,
        "done",
    ]
    assert "batch request errored" in str(answers[1])


def test_a_batch_that_outlives_the_wait_is_cancelled() -> None:
    seen: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(f"{request.method} {request.url.path}")
        return httpx2.Response(200, json=batch_body("in_progress"))

    llm = AnthropicLLM(client(handler), model="claude-haiku-4-5")
    with pytest.raises(LLMCallError, match="did not end within"):
        asyncio.run(llm.complete_batch([REQUEST], poll_s=0, max_wait_s=0))
    assert seen[-1] == "POST /v1/messages/batches/msgbatch_1/cancel"


def test_a_server_error_while_polling_a_batch_is_an_llm_call_error() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        if request.method == "GET":
            return httpx2.Response(500, json={"type": "error", "error": {"type": "api_error"}})
        return httpx2.Response(200, json=batch_body("in_progress"))

    llm = AnthropicLLM(client(handler, max_retries=0), model="claude-haiku-4-5")
    with pytest.raises(LLMCallError, match="HTTP 500") as caught:
        asyncio.run(llm.complete_batch([REQUEST], poll_s=0))
    assert isinstance(caught.value.__cause__, anthropic.APIStatusError)


def batch_results_body(custom_ids: list[str]) -> bytes:
    lines = [
        {"custom_id": custom_id, "result": {"type": "succeeded", "message": message_body("done")}}
        for custom_id in custom_ids
    ]
    return "\n".join(json.dumps(line) for line in lines).encode()


class BatchServer:
    """The Batches API over the mock transport: ``status`` answers polls; records requests.

    Created batches are ``msgbatch_{first}``, then the next numbers; ``unknown``
    answers 404; ``results_gone`` answers 404 for its results only; batches it
    did not create answer for the custom ids ``earlier``.
    """

    def __init__(
        self,
        status: str = "ended",
        *,
        fail_polls: int = 0,
        unknown: str = "",
        results_gone: str = "",
        first: int = 1,
        earlier: tuple[str, ...] = (),
    ) -> None:
        self.status, self.fail_polls = status, fail_polls
        self.unknown, self.results_gone, self.earlier = unknown, results_gone, list(earlier)
        self.seen: list[str] = []
        self.created, self.first = 0, first
        self.custom_ids: dict[str, list[str]] = {}

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        path = request.url.path
        self.seen.append(f"{request.method} {path}")
        if path == "/v1/messages/batches":
            batch_id = f"msgbatch_{self.first + self.created}"
            self.created += 1
            body = json.loads(request.content)
            self.custom_ids[batch_id] = [r["custom_id"] for r in body["requests"]]
            return httpx2.Response(200, json=batch_body(self.status, batch_id))
        batch_id = path.split("/")[4]
        gone = batch_id == self.unknown or (
            batch_id == self.results_gone and path.endswith("/results")
        )
        if gone:
            error = {"type": "error", "error": {"type": "not_found_error", "message": "no batch"}}
            return httpx2.Response(404, json=error)
        if path.endswith("/results"):
            return httpx2.Response(
                200,
                content=batch_results_body(self.custom_ids.get(batch_id, self.earlier)),
                headers={"content-type": "application/x-jsonl"},
            )
        if self.fail_polls:
            self.fail_polls -= 1
            return httpx2.Response(500, json={"type": "error", "error": {"type": "api_error"}})
        return httpx2.Response(200, json=batch_body(self.status, batch_id))


def batch_llm(server: BatchServer) -> AnthropicLLM:
    return AnthropicLLM(client(server, max_retries=0), model="claude-haiku-4-5")


OTHER = LLMRequest(system="s", messages=(LLMMessage("user", "other text"),))
DIGEST = request_digest(REQUEST, "claude-haiku-4-5")


def cut_short(journal: MemoryBatchJournal) -> None:
    """A run whose batch (msgbatch_1, holding REQUEST) is sent, then polling fails."""
    crashing = BatchServer("in_progress", fail_polls=1)
    with pytest.raises(LLMCallError, match="HTTP 500"):
        asyncio.run(batch_llm(crashing).complete_batch([REQUEST], journal=journal, poll_s=0))
    assert crashing.created == 1
    assert journal.batches == {DIGEST: "msgbatch_1"}  # written before the wait


def test_a_batch_cut_short_is_collected_by_the_next_run_not_sent_again() -> None:
    journal = MemoryBatchJournal()
    cut_short(journal)
    server = BatchServer(earlier=(DIGEST,), first=2)
    answers = asyncio.run(batch_llm(server).complete_batch([REQUEST], journal=journal, poll_s=0))
    assert server.created == 0
    assert "GET /v1/messages/batches/msgbatch_1/results" in server.seen
    assert [a.text for a in answers if not isinstance(a, LLMCallError)] == ["done"]
    assert journal.batches == {DIGEST: "msgbatch_1"}  # the caller forgets once results are stored


def test_only_the_requests_no_earlier_batch_holds_are_sent() -> None:
    journal = MemoryBatchJournal()
    cut_short(journal)
    server = BatchServer(earlier=(DIGEST,), first=2)
    answers = asyncio.run(
        batch_llm(server).complete_batch([OTHER, REQUEST], journal=journal, poll_s=0)
    )
    assert server.custom_ids == {"msgbatch_2": [request_digest(OTHER, "claude-haiku-4-5")]}
    assert not any(isinstance(a, LLMCallError) for a in answers)
    assert set(journal.batches.values()) == {"msgbatch_1", "msgbatch_2"}


def test_requests_of_an_earlier_batch_no_longer_asked_are_forgotten_when_it_is_collected() -> None:
    journal = MemoryBatchJournal()
    cut_short(journal)
    stale = request_digest(OTHER, "claude-haiku-4-5")
    journal.record_batch("msgbatch_1", [stale])  # also in that batch, but cached since
    server = BatchServer(earlier=(DIGEST, stale), first=2)
    asyncio.run(batch_llm(server).complete_batch([REQUEST], journal=journal, poll_s=0))
    assert journal.batches == {DIGEST: "msgbatch_1"}  # ours: forgotten by the caller once stored


@pytest.mark.parametrize("where", ["unknown", "results_gone"])
def test_a_recorded_batch_the_api_can_no_longer_give_is_sent_again(where: str) -> None:
    journal = MemoryBatchJournal()
    cut_short(journal)
    server = BatchServer(first=2, **{where: "msgbatch_1"})  # type: ignore[arg-type]
    answers = asyncio.run(batch_llm(server).complete_batch([REQUEST], journal=journal, poll_s=0))
    assert server.created == 1
    assert not isinstance(answers[0], LLMCallError)
    assert journal.batches == {DIGEST: "msgbatch_2"}
