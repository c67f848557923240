"""Fact extraction over chunks: cached, bounded in concurrency, failures recorded.

Guarantees of :func:`extract_facts`:

- never more than ``concurrency`` LLM calls in flight, whatever the number of chunks;
- a chunk with an ``ok`` cache entry makes no call (an unchanged re-import costs 0 tokens);
- an answer holding no facts object is asked again once; a chunk that still
  fails is recorded (in the result and the cache) with the reason, and the run
  goes on; an invalid fact inside a usable answer is dropped and counted
  (:attr:`ExtractionResult.dropped_facts`), the others are kept;
- an answer cut at ``max_tokens`` is never parsed: a group of several chunks is
  split in two halves, each sent again; a single chunk is sent once more with
  twice the limit (at most :data:`MAX_OUTPUT_TOKENS`), then recorded as failed;
- a refusal no retry can change (:class:`~extraction.errors.LLMAccessError`:
  401, 403, an unknown model) stops the run at once: no new call starts, the
  calls in flight finish, and the error propagates;
- every call's usage goes to the ledger;
- an unexpected error (not a failed call or an unusable answer) stops every
  worker before it propagates: no call outlives the run;
- items are read a page at a time (at most ``page_items`` items and
  ``page_chars`` characters of turns), so memory is bounded by a page, not by
  the number of chunks; with an :class:`~extraction.offload.Offload`, pulling
  the next page and every cache read and write run on its thread, off the
  event loop;
- with the batch lever, requests go out in batches of at most
  :data:`BATCH_MAX_REQUESTS` requests and :data:`BATCH_MAX_CHARS` characters of
  prompt, each recorded (in the result and the cache) before the next is sent;
  a batch that fails is recorded as the failure of each of its chunks; when the
  cache is also a :class:`~extraction.batches.BatchJournal`, a batch cut short
  by a restart is collected by the next run instead of being sent again.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, runtime_checkable

from extraction.batches import BatchJournal, request_digest
from extraction.cache import CacheEntry, CacheKey, FactCache, entry_from_facts, facts_from_entry
from extraction.errors import LLMAccessError, LLMCallError, LLMOutputError
from extraction.facts import Bound, Fact, bind_facts, parse_output
from extraction.items import ExtractionItem
from extraction.ledger import Ledger
from extraction.levers import Levers
from extraction.llm import LLM, LLMRequest, LLMResponse
from extraction.offload import Offload
from extraction.prompts import build_request, prompt_version, reask_request

__all__ = [
    "BATCH_MAX_CHARS",
    "BATCH_MAX_REQUESTS",
    "MAX_OUTPUT_TOKENS",
    "BatchLLM",
    "ExtractionResult",
    "Failure",
    "extract_facts",
    "group_items",
]

log = logging.getLogger(__name__)

BATCH_MAX_REQUESTS = 5_000
"""Requests per Message Batch (the API allows 100,000)."""

BATCH_MAX_CHARS = 10_000_000
"""Prompt characters per Message Batch: its JSON body is built in memory, and
the service has 512 MB (the API allows 256 MB per batch)."""

MAX_OUTPUT_TOKENS = 8_192
"""The most output tokens a single chunk's call is given after a truncated answer."""

PAGE_ITEMS = 1_000
"""Items read and looked up in the cache at a time (without the batch lever)."""

PAGE_CHARS = 4_000_000
"""Characters of turns read at a time (without the batch lever)."""

Progress = Callable[[int, int], None]
T = TypeVar("T")


@runtime_checkable
class BatchLLM(Protocol):
    """An LLM that can also send many requests as one asynchronous batch."""

    async def complete_batch(
        self, requests: Sequence[LLMRequest], *, journal: BatchJournal | None = None
    ) -> list[LLMResponse | LLMCallError]: ...


@dataclass(frozen=True, slots=True)
class Failure:
    """A chunk whose extraction failed, and why."""

    chunk_id: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ExtractionResult:
    """Facts of every chunk that succeeded, the failures, and the counts."""

    facts: tuple[Fact, ...]
    failures: tuple[Failure, ...]
    chunks: int
    cached_chunks: int
    calls: int
    dropped_facts: int = 0


@dataclass(slots=True)
class _Run:
    llm: LLM
    cache: FactCache
    levers: Levers
    ledger: Ledger
    cache_system: bool
    total: int
    on_progress: Progress | None
    semaphore: asyncio.Semaphore
    offload: Offload | None
    concurrency: int = 1
    facts: list[Fact] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    done: int = 0
    wanted: int = 0
    dropped: int = 0
    refused: LLMAccessError | None = None

    def key(self, item: ExtractionItem) -> CacheKey:
        version = prompt_version(assistant_chars=self.levers.assistant_chars)
        return CacheKey(item.content_hash, version, self.llm.model)

    async def blocking(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` on the offload thread, or here without one."""
        if self.offload is None:
            return function(*args)
        return await self.offload(function, *args)

    async def finish(self, group: Sequence[ExtractionItem], bound: Bound | str) -> None:
        entries: list[tuple[CacheKey, CacheEntry]] = []
        if not isinstance(bound, str):
            self.dropped += bound.dropped
        for item in group:
            if isinstance(bound, str):
                self.failures.append(Failure(item.chunk_id, bound))
                entries.append((self.key(item), CacheEntry(status="failed", reason=bound)))
            else:
                facts = bound.facts.get(item.chunk_id, [])
                self.facts.extend(facts)
                entries.append((self.key(item), entry_from_facts(facts, item)))
        await self.blocking(_put_all, self.cache, entries)
        self.done += len(group)
        self.progress()

    def progress(self) -> None:
        if self.on_progress is not None:
            self.on_progress(self.done, max(self.total, self.wanted))


async def extract_facts(
    items: Iterable[ExtractionItem],
    *,
    llm: LLM,
    cache: FactCache,
    ledger: Ledger,
    levers: Levers,
    concurrency: int = 3,
    system_prompt_tokens: int = 0,
    min_cache_prefix_tokens: int = 4096,
    on_progress: Progress | None = None,
    offload: Offload | None = None,
    total: int | None = None,
) -> ExtractionResult:
    """Extract the facts of ``items`` whose tier is one of ``levers.tiers``.

    Args:
        items: the chunks (any order; grouped into calls in the given order);
            consumed lazily, a page at a time.
        llm: who answers.
        cache: results of earlier runs; updated with this run's.
        ledger: receives every call's usage.
        levers: tiers, trimming, chunks per call, caching and batching.
        concurrency: the most calls in flight.
        system_prompt_tokens: size of the shared prefix (decides prompt caching).
        min_cache_prefix_tokens: the model's minimum cacheable prefix.
        on_progress: called with ``(chunks done, chunks total)``.
        offload: runs the blocking steps (reading ``items``, the cache) off
            the event loop; without it they run on the loop.
        total: how many wanted items there are, when known, for progress
            (otherwise the count read so far).

    Returns:
        The facts, the failures and the counts; never raises for a failed chunk.

    Raises:
        LLMAccessError: the provider refused a call in a way no retry changes;
            the results stored before it are kept in ``cache``.
    """
    if concurrency < 1:
        raise ValueError(f"concurrency must be >= 1, got {concurrency}")
    cache_system = levers.prompt_caching and system_prompt_tokens >= min_cache_prefix_tokens
    run = _Run(
        llm,
        cache,
        levers,
        ledger,
        cache_system,
        total or 0,
        on_progress,
        asyncio.Semaphore(concurrency),
        offload,
        concurrency,
    )
    calls_before = ledger.calls
    cached = 0
    batch_llm = llm if levers.batch and isinstance(llm, BatchLLM) else None
    # A batch lever's page is one Message Batch at most; otherwise a page feeds the workers.
    limits = (PAGE_ITEMS, PAGE_CHARS)
    if batch_llm is not None:
        limits = (BATCH_MAX_REQUESTS * levers.chunks_per_call, BATCH_MAX_CHARS)
    wanted = (item for item in items if item.tier in levers.tiers)
    async for page in _pages(run, wanted, *limits):
        run.wanted += len(page)
        pending = await _from_cache(run, page)
        cached += len(page) - len(pending)
        groups = group_items(pending, levers)
        log.info(
            "extraction: %d chunks read, %d cached, %d calls to make (%s)",
            len(page),
            len(page) - len(pending),
            len(groups),
            llm.description,
        )
        if batch_llm is not None and groups:
            requests = [_request(run, group) for group in groups]
            for part in batch_parts(requests):
                await _run_batch(
                    run,
                    batch_llm,
                    groups[part.start : part.stop],
                    requests[part.start : part.stop],
                )
        else:
            await _run_workers(run, (_Job(group) for group in groups), concurrency)
        if run.refused is not None:
            raise run.refused
    ledger.cached_chunks += cached
    return ExtractionResult(
        facts=tuple(run.facts),
        failures=tuple(run.failures),
        chunks=run.wanted,
        cached_chunks=cached,
        calls=ledger.calls - calls_before,
        dropped_facts=run.dropped,
    )


async def _pages(
    run: _Run, items: Iterator[ExtractionItem], max_items: int, max_chars: int
) -> AsyncIterator[list[ExtractionItem]]:
    """Consecutive items, at most ``max_items`` and about ``max_chars`` characters a page."""
    while True:
        page = await run.blocking(_take, items, max_items, max_chars)
        if not page:
            return
        yield page


def _take(items: Iterator[ExtractionItem], max_items: int, max_chars: int) -> list[ExtractionItem]:
    page: list[ExtractionItem] = []
    chars = 0
    for item in items:
        page.append(item)
        chars += sum(len(turn.text) for turn in item.turns)
        if len(page) >= max_items or chars >= max_chars:
            break
    return page


async def _from_cache(run: _Run, page: list[ExtractionItem]) -> list[ExtractionItem]:
    """The items of ``page`` without an ``ok`` cache entry; the others' facts are taken."""
    entries = await run.blocking(_get_all, run.cache, [run.key(item) for item in page])
    pending: list[ExtractionItem] = []
    for item, entry in zip(page, entries, strict=True):
        if entry is not None and entry.status == "ok":
            run.facts.extend(facts_from_entry(entry, item))
            run.done += 1
        else:
            pending.append(item)
    if len(pending) < len(page):
        run.progress()
    return pending


def _get_all(cache: FactCache, keys: list[CacheKey]) -> list[CacheEntry | None]:
    return [cache.get(key) for key in keys]


def _put_all(cache: FactCache, entries: list[tuple[CacheKey, CacheEntry]]) -> None:
    for key, entry in entries:
        cache.put(key, entry)


def group_items(items: Sequence[ExtractionItem], levers: Levers) -> list[list[ExtractionItem]]:
    """Consecutive items, at most ``chunks_per_call`` and ``call_token_budget`` tokens a call."""
    groups: list[list[ExtractionItem]] = []
    tokens = 0
    for item in items:
        if (
            not groups
            or len(groups[-1]) >= levers.chunks_per_call
            or tokens + item.token_count > levers.call_token_budget
        ):
            groups.append([])
            tokens = 0
        groups[-1].append(item)
        tokens += item.token_count
    return groups


def batch_parts(requests: Sequence[LLMRequest]) -> list[range]:
    """Consecutive positions of ``requests``, cut at the batch limits (at least one each)."""
    parts: list[range] = []
    start = chars = 0
    for index, request in enumerate(requests):
        size = len(request.system) + sum(len(message.text) for message in request.messages)
        if index > start and (
            index - start >= BATCH_MAX_REQUESTS or chars + size > BATCH_MAX_CHARS
        ):
            parts.append(range(start, index))
            start, chars = index, 0
        chars += size
    if start < len(requests):
        parts.append(range(start, len(requests)))
    return parts


@dataclass(frozen=True, slots=True)
class _Job:
    """One call to make: its chunks, its output limit, and whether that was raised already."""

    group: list[ExtractionItem]
    max_tokens: int | None = None
    raised: bool = False


async def _run_workers(run: _Run, jobs: Iterable[_Job], concurrency: int) -> None:
    queue = deque(jobs)
    workers = [
        asyncio.create_task(_worker(run, queue)) for _ in range(min(concurrency, len(queue)))
    ]
    try:
        await asyncio.gather(*workers)
    finally:  # on an unexpected error or a cancellation, no worker goes on calling
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)


async def _worker(run: _Run, queue: deque[_Job]) -> None:
    while queue and run.refused is None:
        job = queue.popleft()
        request = _request(run, job.group, job.max_tokens)
        try:
            response = await _call(run, request)
            if response.truncated:
                queue.extendleft(reversed(_after_truncation(job, request.max_tokens)))
                continue
            if response.stop_reason == "refusal":
                raise LLMOutputError("the model declined to answer (stop_reason: refusal)")
            bound = await _parse_or_reask(run, request, response, job.group)
        except LLMAccessError as error:
            log.error("extraction stopped: %s", error)
            run.refused = run.refused or error
            queue.clear()
            return
        except (LLMCallError, LLMOutputError) as error:
            log.warning("extraction of %d chunks failed: %s", len(job.group), error)
            await run.finish(job.group, f"{type(error).__name__}: {error}")
        else:
            await run.finish(job.group, bound)


def _after_truncation(job: _Job, max_tokens: int) -> list[_Job]:
    """What an answer cut at ``max_tokens`` needs: two halves, or one chunk with a higher limit.

    Raises:
        LLMOutputError: a single chunk's answer was cut even at the raised limit.
    """
    group = job.group
    if len(group) > 1:
        half = len(group) // 2
        log.info("answer cut at max_tokens=%d; splitting %d chunks in two", max_tokens, len(group))
        return [
            _Job(group[:half], job.max_tokens, job.raised),
            _Job(group[half:], job.max_tokens, job.raised),
        ]
    if job.raised or max_tokens >= MAX_OUTPUT_TOKENS:
        raise LLMOutputError(
            f"the answer for one chunk was cut at max_tokens={max_tokens} (the most it is given)"
        )
    raised = min(2 * max_tokens, MAX_OUTPUT_TOKENS)
    log.info("answer for one chunk cut at max_tokens=%d; asking with %d", max_tokens, raised)
    return [_Job(group, raised, raised=True)]


async def _run_batch(
    run: _Run, llm: BatchLLM, groups: list[list[ExtractionItem]], requests: list[LLMRequest]
) -> None:
    journal = run.cache if isinstance(run.cache, BatchJournal) else None
    try:
        answers = await llm.complete_batch(requests, journal=journal)
    except LLMAccessError as error:
        run.refused = error
        return
    except LLMCallError as error:
        log.warning("message batch of %d requests failed: %s", len(requests), error)
        for group in groups:
            await run.finish(group, f"LLMCallError: {error}")
        return
    unusable = []
    cut: list[_Job] = []
    for group, request, answer in zip(groups, requests, answers, strict=True):
        if isinstance(answer, LLMCallError):
            await run.finish(group, f"LLMCallError: {answer}")
            continue
        run.ledger.record(answer.usage, batch=True)
        if answer.truncated:  # sent again as normal calls, split or with a higher limit
            try:
                cut.extend(_after_truncation(_Job(group), request.max_tokens))
            except LLMOutputError as error:
                await run.finish(group, f"LLMOutputError: {error}")
            continue
        try:
            bound = bind_facts(parse_output(answer.text), group)
        except LLMOutputError as error:
            unusable.append((group, request, answer, error))
        else:
            await run.finish(group, bound)
    if journal is not None:  # every answer is stored, or is re-asked below (a normal call)
        digests = [request_digest(r, run.llm.model) for r in requests]
        await run.blocking(journal.forget_requests, digests)
    for group, request, answer, problem in unusable:
        if run.refused is not None:
            break
        try:
            bound = await _reask(run, request, answer, problem, group)
        except LLMAccessError as error:
            run.refused = error
            break
        except (LLMCallError, LLMOutputError) as error:
            await run.finish(group, f"{type(error).__name__}: {error}")
        else:
            await run.finish(group, bound)
    if cut and run.refused is None:
        await _run_workers(run, cut, run.concurrency)


def _request(
    run: _Run, group: Sequence[ExtractionItem], max_tokens: int | None = None
) -> LLMRequest:
    options = {} if max_tokens is None else {"max_tokens": max_tokens}
    return build_request(
        group,
        assistant_chars=run.levers.assistant_chars,
        cache_system=run.cache_system,
        **options,
    )


async def _call(run: _Run, request: LLMRequest) -> LLMResponse:
    async with run.semaphore:
        response = await run.llm.complete(request)
    run.ledger.record(response.usage)
    return response


async def _parse_or_reask(
    run: _Run, request: LLMRequest, response: LLMResponse, group: Sequence[ExtractionItem]
) -> Bound:
    try:
        return bind_facts(parse_output(response.text), group)
    except LLMOutputError as error:
        return await _reask(run, request, response, error, group)


async def _reask(
    run: _Run,
    request: LLMRequest,
    response: LLMResponse,
    error: LLMOutputError,
    group: Sequence[ExtractionItem],
) -> Bound:
    """Ask once more, showing the model its unusable answer and why."""
    log.info("unusable answer (%s); asking once more", error)
    again = await _call(run, reask_request(request, response.text, str(error)))
    return bind_facts(parse_output(again.text), group)
