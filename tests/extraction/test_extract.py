"""Extraction: bounded concurrency, the cache, re-asks and failures."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chunking.tiers import ChunkTier
from extraction.batches import request_digest
from extraction.cache import MemoryFactCache
from extraction.errors import LLMAccessError, LLMCallError
from extraction.extract import extract_facts, group_items
from extraction.ledger import Ledger
from extraction.levers import DEFAULT_LEVERS, NAIVE, Levers
from extraction.llm import LLMMessage, LLMRequest, LLMResponse, Usage
from extraction.models import MODELS
from extraction.offline import OfflineLLM
from tests.extraction.fakes import FlakyLLM, InstrumentedLLM, ScriptedLLM
from tests.extraction.helpers import fake_items, sample_items

PRICES = MODELS["claude-haiku-4-5"].prices
ONE_PER_CALL = DEFAULT_LEVERS.with_(chunks_per_call=1)


def run(
    items: Any, llm: Any, cache: Any = None, levers: Levers = ONE_PER_CALL, **options: Any
) -> Any:
    ledger = Ledger(PRICES)
    result = asyncio.run(
        extract_facts(
            items,
            llm=llm,
            cache=cache if cache is not None else MemoryFactCache(),
            ledger=ledger,
            levers=levers,
            **options,
        )
    )
    return result, ledger


@pytest.mark.parametrize("limit", [1, 3, 7])
def test_calls_in_flight_never_exceed_the_limit_with_1000_chunks(limit: int) -> None:
    llm = InstrumentedLLM()
    result, ledger = run(fake_items(1000), llm, concurrency=limit)
    assert llm.calls == 1000 == ledger.calls
    assert llm.max_in_flight == limit  # reached, never exceeded
    assert result.chunks == 1000
    assert not result.failures


def test_an_unchanged_rerun_makes_zero_calls() -> None:
    cache = MemoryFactCache()
    llm = OfflineLLM()
    first, first_ledger = run(sample_items(), llm, cache, DEFAULT_LEVERS)
    again, ledger = run(sample_items(), llm, cache, DEFAULT_LEVERS)
    assert first_ledger.calls > 0
    assert first.facts
    assert ledger.calls == 0
    assert ledger.summary().total_tokens == 0
    assert ledger.cached_chunks == again.chunks == first.chunks
    assert sorted(f.text for f in again.facts) == sorted(f.text for f in first.facts)
    assert {f.message_ids for f in again.facts} == {f.message_ids for f in first.facts}


def test_the_cache_key_includes_prompt_version_and_model() -> None:
    cache = MemoryFactCache()
    run(fake_items(3), InstrumentedLLM(), cache)
    keys = set(cache.entries)
    assert {k.model for k in keys} == {"test-double"}
    other = OfflineLLM()
    _, ledger = run(fake_items(3), other, cache)
    assert ledger.calls == 3  # another model's results are not reused


def test_results_of_trimmed_turns_are_not_reused_for_untrimmed_ones() -> None:
    cache = MemoryFactCache()
    _, trimmed = run(sample_items(), OfflineLLM(), cache, DEFAULT_LEVERS)
    _, untrimmed = run(
        sample_items(), OfflineLLM(), cache, DEFAULT_LEVERS.with_(assistant_chars=None)
    )
    _, again = run(sample_items(), OfflineLLM(), cache, DEFAULT_LEVERS)
    assert trimmed.calls > 0
    assert untrimmed.calls == trimmed.calls  # nothing reused across renderings
    assert again.calls == 0


def test_unparseable_output_is_asked_again_once() -> None:
    good = (
        '{"facts": [{"chunk": "c1", "category": "pets", "text": "Has a cat", "messages": ["m1"]}]}'
    )
    llm = ScriptedLLM("Sure! Here are the facts: none", good)
    result, ledger = run(fake_items(1), llm)
    assert ledger.calls == 2
    assert not result.failures
    assert [f.text for f in result.facts] == ["Has a cat"]
    assert result.facts[0].message_ids == ("m-0",)
    assert [m.role for m in llm.requests[1].messages] == ["user", "assistant", "user"]


def test_output_that_fails_twice_is_recorded_with_the_reason_and_retried_later() -> None:
    cache = MemoryFactCache()
    llm = ScriptedLLM("nope", '{"facts": "still none"}')
    result, ledger = run(fake_items(2), llm, cache)
    assert ledger.calls == 4  # two chunks, each asked twice
    assert len(result.failures) == 2
    assert "LLMOutputError" in result.failures[0].reason
    assert {e.status for e in cache.entries.values()} == {"failed"}
    retry = ScriptedLLM('{"facts": []}')
    again, ledger = run(fake_items(2), retry, cache)
    assert not again.failures
    assert ledger.calls == 2
    assert {e.status for e in cache.entries.values()} == {"ok"}


def fact_json(chunk: str, text: str, **fields: str) -> str:
    import json

    return json.dumps({"chunk": chunk, "category": "pets", "text": text, **fields})


def test_an_invalid_fact_is_dropped_and_counted_and_its_neighbours_kept() -> None:
    bad_category = '{"chunk": "c2", "category": "hobbies", "text": "Plays chess"}'
    too_long = fact_json("c3", "x" * 501)
    answer = (
        f'{{"facts": [{fact_json("c1", "Has a cat")}, {bad_category}, {too_long}, '
        f"{fact_json('c9', 'Has a dog')}, {fact_json('c4', 'Has a parrot')}]}}"
        "\nNote: I skipped {x} and the assistant's turns."
    )
    result, ledger = run(fake_items(4), ScriptedLLM(answer), levers=DEFAULT_LEVERS)
    assert ledger.calls == 1  # a usable answer is not asked again
    assert not result.failures
    assert sorted(f.text for f in result.facts) == ["Has a cat", "Has a parrot"]
    assert result.dropped_facts == 3  # off-list category, over-long text, unknown chunk c9


def cut(text: str = '{"facts": [{"chunk": "c1", "cat') -> LLMResponse:
    return LLMResponse(text, Usage(input_tokens=100, output_tokens=2048), "max_tokens")


def test_a_truncated_answer_is_never_parsed_a_group_is_split_in_halves() -> None:
    whole = '{"facts": []}'
    llm = ScriptedLLM(cut(), whole, whole)
    result, ledger = run(fake_items(8), llm, levers=DEFAULT_LEVERS, concurrency=1)
    assert not result.failures
    assert ledger.calls == 3  # the cut answer, then one call per half
    sizes = [m.text.count("<chunk ") for r in llm.requests for m in r.messages[:1]]
    assert sizes == [8, 4, 4]
    assert ledger.output_tokens == 2048 + 40  # the cut answer is paid for, and counted


def test_a_single_truncated_chunk_is_asked_once_with_twice_the_limit_then_fails() -> None:
    llm = ScriptedLLM(cut(), cut())
    result, ledger = run(fake_items(1), llm)
    assert ledger.calls == 2
    assert [r.max_tokens for r in llm.requests] == [2048, 4096]
    assert len(result.failures) == 1
    assert "cut at max_tokens=4096" in result.failures[0].reason
    fixed = ScriptedLLM(cut(), fact_json("c1", "Has a cat").join(['{"facts": [', "]}"]))
    again, _ = run(fake_items(1), fixed)
    assert [f.text for f in again.facts] == ["Has a cat"]


@pytest.mark.parametrize("concurrency", [1, 3])
def test_a_refusal_no_retry_can_change_stops_the_run_at_once(concurrency: int) -> None:
    cache = MemoryFactCache()
    llm = ScriptedLLM(LLMAccessError("AuthenticationError (HTTP 401): invalid x-api-key"))
    with pytest.raises(LLMAccessError, match="401"):
        run(fake_items(40), llm, cache, concurrency=concurrency)
    assert len(llm.requests) <= concurrency  # the calls in flight, nothing after
    assert not cache.entries  # a refused call is no chunk's failure


def test_a_failed_call_is_a_failure_of_its_group_only() -> None:
    llm = ScriptedLLM(LLMCallError("malformed usage"), '{"facts": []}')
    result, ledger = run(fake_items(2), llm, concurrency=1)
    assert [f.chunk_id for f in result.failures] == ["chunk-0"]
    assert ledger.calls == 1  # the failed call gave no usage to record


def test_a_later_run_retries_only_the_failed_chunks() -> None:
    cache = MemoryFactCache()
    items = fake_items(200)
    flaky = FlakyLLM(fail_share=0.1)
    first, _ = run(items, flaky, cache)
    assert 5 < len(first.failures) < 40
    assert all("429" in f.reason for f in first.failures)
    flaky.failing = False
    calls_before = flaky.calls
    second, ledger = run(items, flaky, cache)
    assert flaky.calls - calls_before == len(first.failures) == ledger.calls
    assert not second.failures
    assert len(second.facts) == 200


def test_several_chunks_per_call_split_facts_back_to_their_chunks() -> None:
    result, ledger = run(fake_items(20), OfflineLLM(), levers=DEFAULT_LEVERS)
    assert ledger.calls == 3  # 8 + 8 + 4
    by_chunk = {f.chunk_id: f for f in result.facts}
    assert len(by_chunk) == 20
    assert by_chunk["chunk-13"].text == "Has a cat named Cat13"
    assert by_chunk["chunk-13"].message_ids == ("m-13",)


def test_only_the_chosen_tiers_are_extracted() -> None:
    _, medium = run(sample_items(), OfflineLLM(), levers=DEFAULT_LEVERS.with_(chunks_per_call=1))
    _, every = run(sample_items(), OfflineLLM(), levers=NAIVE)
    assert medium.calls == len(sample_items((ChunkTier.MEDIUM,)))
    assert every.calls == len(sample_items())


def test_prompt_caching_switches_on_only_at_the_minimum_prefix() -> None:
    llm = ScriptedLLM('{"facts": []}')
    run(fake_items(1), llm, system_prompt_tokens=4095, min_cache_prefix_tokens=4096)
    run(fake_items(1), llm, system_prompt_tokens=4096, min_cache_prefix_tokens=4096)
    assert [r.cache_system for r in llm.requests] == [False, True]


def test_batch_lever_uses_the_batch_path_at_half_price() -> None:
    _, normal = run(sample_items(), OfflineLLM(), levers=DEFAULT_LEVERS)
    _, batched = run(sample_items(), OfflineLLM(), levers=DEFAULT_LEVERS.with_(batch=True))
    assert batched.summary().total_tokens == normal.summary().total_tokens
    assert batched.cost_usd == pytest.approx(normal.cost_usd / 2)


@settings(max_examples=40, deadline=None)
@given(
    tokens=st.lists(st.integers(1, 900), max_size=40),
    per_call=st.integers(1, 10),
    budget=st.integers(1, 3000),
)
def test_grouping_keeps_order_and_respects_both_limits(
    tokens: list[int], per_call: int, budget: int
) -> None:
    items = [
        item.__class__(**{**{s: getattr(item, s) for s in item.__slots__}, "token_count": t})
        for item, t in zip(fake_items(len(tokens)), tokens, strict=True)
    ]
    levers = DEFAULT_LEVERS.with_(chunks_per_call=per_call, call_token_budget=budget)
    groups = group_items(items, levers)
    assert [i for g in groups for i in g] == items
    for group in groups:
        assert 1 <= len(group) <= per_call
        assert len(group) == 1 or sum(i.token_count for i in group) <= budget


class BrokenAfter(InstrumentedLLM):
    """Raises an unexpected error (not a failed call) on its ``fail_on``-th call."""

    def __init__(self, fail_on: int) -> None:
        super().__init__(delay=0.001)
        self.fail_on = fail_on

    async def complete(self, request: LLMRequest) -> LLMResponse:
        if self.calls + 1 == self.fail_on:
            self.calls += 1
            raise RuntimeError("bug in a test double")
        return await super().complete(request)


def test_an_unexpected_error_stops_every_worker_before_it_propagates() -> None:
    llm = BrokenAfter(fail_on=9)

    async def scenario() -> int:
        with pytest.raises(RuntimeError, match="bug in a test double"):
            await extract_facts(
                fake_items(200),
                llm=llm,
                cache=MemoryFactCache(),
                ledger=Ledger(PRICES),
                levers=ONE_PER_CALL,
                concurrency=3,
            )
        calls_when_raised = llm.calls
        await asyncio.sleep(0.05)  # the loop keeps running, as in a long-lived service
        assert llm.in_flight == 0
        return llm.calls - calls_when_raised

    assert asyncio.run(scenario()) == 0
    assert llm.calls < 200


class FailingBatchLLM(OfflineLLM):
    """Answers single calls, but every batch fails; records batch sizes."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[int] = []

    async def complete_batch(self, requests: Any, *, journal: Any = None) -> Any:
        self.batches.append(len(requests))
        self.journal = journal
        raise LLMCallError("message batch msgbatch_x did not end within 60s")


def test_a_failed_batch_is_recorded_for_each_chunk_and_the_run_goes_on() -> None:
    cache = MemoryFactCache()
    items = sample_items()
    llm = FailingBatchLLM()
    result, ledger = run(items, llm, cache, DEFAULT_LEVERS.with_(batch=True))
    assert result.chunks > 0
    assert len(result.failures) == result.chunks
    assert all("did not end within" in f.reason for f in result.failures)
    assert {e.status for e in cache.entries.values()} == {"failed"}
    assert ledger.calls == 0
    assert llm.journal is cache  # the cache keeps the batch ids, to resume after a restart


def test_batches_are_cut_at_the_request_and_character_limits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import extraction.extract as extract

    monkeypatch.setattr(extract, "BATCH_MAX_REQUESTS", 3)
    llm = FailingBatchLLM()
    items = fake_items(10)
    run(items, llm, levers=ONE_PER_CALL.with_(batch=True))
    assert llm.batches == [3, 3, 3, 1]
    requests = [
        LLMRequest(system="s", messages=(LLMMessage("user", "x" * size),))
        for size in (5, 5, 20, 1, 1)
    ]
    monkeypatch.setattr(extract, "BATCH_MAX_CHARS", 12)
    parts = extract.batch_parts(requests)
    assert parts == [range(0, 2), range(2, 3), range(3, 5)]  # an oversized one goes alone


class HalfUsableBatchLLM(OfflineLLM):
    """A batch whose second answer does not parse; the re-ask then crashes the process."""

    async def complete_batch(self, requests: Any, *, journal: Any = None) -> Any:
        journal.record_batch("msgbatch_1", [request_digest(r, self.model) for r in requests])
        answers = [await OfflineLLM.complete(self, request) for request in requests]
        answers[1] = LLMResponse("not json", answers[1].usage)
        return answers

    async def complete(self, request: LLMRequest) -> LLMResponse:  # only the re-ask calls it
        raise RuntimeError("the process was stopped")


def test_batch_answers_are_stored_before_the_batch_is_forgotten() -> None:
    cache = MemoryFactCache()
    items = fake_items(3)
    with pytest.raises(RuntimeError, match="stopped"):
        run(items, HalfUsableBatchLLM(), cache, ONE_PER_CALL.with_(batch=True))
    assert [e.status for e in cache.entries.values()] == ["ok", "ok"]  # paid for, kept
    assert cache.batches == {}  # nothing left to collect: the next run re-sends one request
