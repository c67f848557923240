"""The full pass: load export -> chunk -> sync store -> extract -> build memory -> save.

Every outside effect is injected: how the export is fetched, the chunk store,
the LLM, the result cache, where the memory document goes and how the user's
profile status is updated. The status always ends ``complete`` or ``failed``
(with a reason); a pass where some chunks failed saves the memory of the rest,
ends ``failed`` naming them, and the next pass retries only those.

Memory is bounded whatever the size of the export: the export streams through
the chunker into the store in batches (:mod:`chunking.store.sync`), and the
chunks to extract are read back from the store a page at a time. So the
profile covers every conversation stored for the user, not only this export's.

:func:`run_full_pass_async` keeps the event loop free: every blocking step
(fetching, loading, chunking, the store, the cache, building and saving the
memory, the status updates) runs on one worker thread (:class:`Offload`), and
only the LLM calls run on the loop, at most ``concurrency`` at a time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

from chunking.chunker import chunk_conversations
from chunking.config import ChunkingConfig
from chunking.errors import ChunkingError
from chunking.formats import ExportReport, export_size, load_export
from chunking.formats.sources import Source
from chunking.model import Chunk, Conversation
from chunking.store.base import SyncResult
from chunking.tiers import ChunkTier
from extraction.cache import FactCache
from extraction.errors import ExtractionError
from extraction.extract import ExtractionResult, Failure, extract_facts
from extraction.items import item_from_chunk
from extraction.ledger import Ledger, LedgerSummary
from extraction.levers import DEFAULT_LEVERS, Levers
from extraction.llm import LLM
from extraction.memory import MemoryDocument, build_memory
from extraction.memory_files import file_memory_sink
from extraction.models import DEFAULT_MODEL, ModelPrices, get_model
from extraction.offload import Offload
from extraction.prompts import SYSTEM_PROMPT
from extraction.store import ChunkStore

__all__ = ["PassResult", "file_memory_sink", "run_full_pass", "run_full_pass_async"]

log = logging.getLogger(__name__)

Status = Literal["processing", "complete", "failed"]
ExportFetcher = Callable[[], Source]
"""Returns the export: a path, or a binary file object (read, not closed, by the pass)."""
MemorySink = Callable[[str, MemoryDocument], str]
ProfileUpdater = Callable[[str, Status, "str | None"], None]
Progress = Callable[[str, int, int], None]


class PassCancelledError(ExtractionError):
    """The pass was cancelled while its worker thread was reading the export."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PassResult:
    """How a full pass ended and what it cost."""

    status: Literal["complete", "failed"]
    reason: str | None
    user_id: str
    ledger: LedgerSummary
    llm: str
    memory_location: str | None = None
    conversations: int = 0
    conversation_tokens: int = 0
    chunks_stored: int = 0
    chunks_extracted: int = 0
    facts: int = 0
    facts_dropped: int = 0
    """Facts of usable answers that did not validate (or named no chunk of their call)."""
    failures: tuple[Failure, ...] = ()
    sync: Any = None
    input_error: bool = False
    """The pass failed on its input (an unreadable export, a bad store or setting), not a step."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the CLI's ``--json`` output)."""
        return {
            "status": self.status,
            "reason": self.reason,
            "user_id": self.user_id,
            "llm": self.llm,
            "ledger": self.ledger.to_dict(),
            "memory_path": self.memory_location,
            "conversations": self.conversations,
            "conversation_tokens": self.conversation_tokens,
            "chunks_stored": self.chunks_stored,
            "chunks_extracted": self.chunks_extracted,
            "facts": self.facts,
            "facts_dropped": self.facts_dropped,
            "failures": [{"chunk_id": f.chunk_id, "reason": f.reason} for f in self.failures],
            "input_error": self.input_error,
        }


@dataclass(slots=True)
class _Chunked:
    conversations: int = 0
    conversation_tokens: int = 0
    chunks: int = 0


def run_full_pass(**options: Any) -> PassResult:
    """:func:`run_full_pass_async` to completion (same arguments), from synchronous code.

    With no event loop running in this thread, the pass runs in a new one.
    Called from code that runs in a loop, it runs in a new loop on another
    thread and blocks this one until it ends; async code should rather
    ``await run_full_pass_async(...)``.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(run_full_pass_async(**options))
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="full-pass") as pool:
        return pool.submit(lambda: asyncio.run(run_full_pass_async(**options))).result()


async def run_full_pass_async(
    *,
    user_id: str,
    fetch_export: ExportFetcher,
    store: ChunkStore,
    llm: LLM,
    cache: FactCache,
    save_memory: MemorySink,
    update_profile: ProfileUpdater | None = None,
    levers: Levers = DEFAULT_LEVERS,
    concurrency: int = 3,
    model: str = DEFAULT_MODEL,
    prices: ModelPrices | None = None,
    export_format: str | None = None,
    strict: bool = False,
    chunking: ChunkingConfig | None = None,
    on_progress: Progress | None = None,
) -> PassResult:
    """Run the whole pass for ``user_id``; never raises for a failure of a step.

    Args:
        user_id: whose export it is.
        fetch_export: returns the export, a path or a binary file object (an
            upload); called on the worker thread, so it may block.
        store: the chunk store (synced with every tier's chunks); the chunks
            to extract are read back from it.
        llm: who extracts facts.
        cache: earlier results, by chunk content, prompt and model.
        save_memory: stores the memory document; returns where.
        update_profile: told ``processing`` first, then the final status and reason.
        levers: the cost levers (tier, trimming, chunks per call, caching, batches).
        concurrency: the most LLM calls in flight.
        model: the logical model: its prices (unless ``prices``), tokenizer and
            caching minimum.
        prices: what calls cost, when not the model's direct-API prices (e.g.
            :meth:`~extraction.settings.ExtractionSettings.prices` on Bedrock).
        export_format: the export's format (detected when ``None``).
        strict: fail the pass at the export's first malformed conversation
            (by default it is skipped, logged and counted).
        chunking: tier budgets and session gap.
        on_progress: called on the event loop's thread with ``(stage, done, total)``:
            ``read`` in bytes of the export (``total`` 0 when unknown),
            ``extract`` in chunks, ``save`` once.

    Returns:
        The result; ``status`` is ``complete`` or ``failed`` with a ``reason``.

    Raises:
        Exception: whatever ``update_profile`` raises: a status that cannot be
            recorded is not hidden (the pass's own result is logged first).
        asyncio.CancelledError: the pass was cancelled; the status still ends
            ``failed``, after the worker thread has stopped.
    """
    spec = get_model(model)
    ledger = Ledger(prices or spec.prices, estimated=llm.estimates)
    notify = update_profile or (lambda _user, _status, _reason: None)
    report = on_progress or (lambda _stage, _done, _total: None)
    async with Offload() as offload:
        await offload(notify, user_id, "processing", None)
        result = PassResult(
            status="failed",
            reason="cancelled",
            user_id=user_id,
            ledger=ledger.summary(),
            llm=llm.description,
        )
        try:
            result = await _run(
                _Pass(
                    user_id=user_id,
                    fetch_export=fetch_export,
                    store=store,
                    llm=llm,
                    cache=cache,
                    save_memory=save_memory,
                    levers=levers,
                    concurrency=concurrency,
                    min_cache_prefix=spec.min_cache_prefix_tokens,
                    prompt_tokens=round(_tokens(SYSTEM_PROMPT) * spec.tokens_per_haiku_4_5_token),
                    export_format=export_format,
                    strict=strict,
                    config=chunking or ChunkingConfig(),
                    report=report,
                    ledger=ledger,
                    offload=offload,
                )
            )
        except Exception as error:  # the status must always end, with the reason
            bad_input = isinstance(
                error, ChunkingError | ExtractionError | MemoryError | RecursionError
            )
            if bad_input:  # the export, the store or a setting: the reason says it all
                log.warning("full pass for user %s failed: %s", user_id, error)
            else:  # a bug, or a failure nothing here foresaw: keep the traceback
                log.exception("full pass for user %s failed", user_id)
            result = PassResult(
                status="failed",
                reason=f"{type(error).__name__}: {error}",
                user_id=user_id,
                ledger=ledger.summary(),
                llm=llm.description,
                input_error=bad_input,
            )
        finally:  # the status ends even when the pass is cancelled
            log.info(
                "full pass for user %s: %s%s",
                user_id,
                result.status,
                f" ({result.reason})" if result.reason else "",
            )
            offload.stopping.set()
            await asyncio.shield(offload.drain())
            await asyncio.shield(offload(notify, user_id, result.status, result.reason))
    return result


@dataclass(frozen=True, slots=True, kw_only=True)
class _Pass:
    user_id: str
    fetch_export: ExportFetcher
    store: ChunkStore
    llm: LLM
    cache: FactCache
    save_memory: MemorySink
    levers: Levers
    concurrency: int
    min_cache_prefix: int
    prompt_tokens: int
    export_format: str | None
    strict: bool
    config: ChunkingConfig
    report: Progress
    ledger: Ledger
    offload: Offload


async def _run(p: _Pass) -> PassResult:
    chunked = _Chunked()
    sync = await p.offload(_sync, p, chunked, _from_worker(p.report))
    log.info(
        "synced %d chunks of %d conversations: %s", chunked.chunks, chunked.conversations, sync
    )
    tiers = p.levers.tiers
    total = await p.offload(lambda: p.store.count_chunks(p.user_id, tiers=tiers))
    stored = p.store.iter_chunks(p.user_id, tiers=tiers)  # read on the worker thread, by page
    extracted = await extract_facts(
        (item_from_chunk(chunk) for chunk in stored),
        llm=p.llm,
        cache=p.cache,
        ledger=p.ledger,
        levers=p.levers,
        concurrency=p.concurrency,
        system_prompt_tokens=p.prompt_tokens,
        min_cache_prefix_tokens=p.min_cache_prefix,
        on_progress=lambda done, total: p.report("extract", done, total),
        offload=p.offload,
        total=total,
    )
    document = await p.offload(
        lambda: build_memory(extracted.facts, produced_by=p.llm.description, user_id=p.user_id)
    )
    location = await p.offload(p.save_memory, p.user_id, document)
    p.report("save", 1, 1)
    return PassResult(
        status="complete" if not extracted.failures else "failed",
        reason=_failure_reason(extracted),
        user_id=p.user_id,
        ledger=p.ledger.summary(),
        llm=p.llm.description,
        memory_location=location,
        conversations=chunked.conversations,
        conversation_tokens=chunked.conversation_tokens,
        chunks_stored=chunked.chunks,
        chunks_extracted=extracted.chunks,
        facts=len(document.entries),
        facts_dropped=extracted.dropped_facts,
        failures=extracted.failures,
        sync=sync,
    )


def _sync(p: _Pass, into: _Chunked, report: Progress) -> SyncResult:
    """Fetch, load, chunk and sync the export (on the worker thread)."""
    source = p.fetch_export()
    read = ExportReport()
    total = export_size(source) or 0
    conversations = load_export(source, format=p.export_format, strict=p.strict, report=read)
    report("read", 0, total)
    chunks = _counted(
        _stoppable(_read_progress(conversations, read, total, report), p.offload), p.config, into
    )
    result = p.store.sync(p.user_id, chunks)
    report("read", read.bytes_read, total)
    return result


def _from_worker(report: Progress) -> Progress:
    """``report`` called from the worker thread, run on the event loop's thread."""
    loop = asyncio.get_running_loop()

    def reported(stage: str, done: int, total: int) -> None:
        loop.call_soon_threadsafe(report, stage, done, total)

    return reported


def _read_progress(
    conversations: Iterable[Conversation], read: ExportReport, total: int, report: Progress
) -> Iterator[Conversation]:
    """The conversations, reporting the bytes read every 1% of ``total`` (or 4 MiB)."""
    step = max(total // 100, 1) if total else 4 << 20
    reported = 0
    for conversation in conversations:
        if read.bytes_read - reported >= step:
            reported = read.bytes_read
            report("read", reported, total)
        yield conversation


def _stoppable(conversations: Iterable[Conversation], offload: Offload) -> Iterator[Conversation]:
    """The conversations, until the pass is stopped (checked between conversations)."""
    for conversation in conversations:
        if offload.stopping.is_set():
            raise PassCancelledError(
                "the pass was stopped while reading the export; the conversations written "
                "so far are whole, and the next pass writes the rest"
            )
        yield conversation


def _counted(
    conversations: Iterable[Conversation], config: ChunkingConfig, into: _Chunked
) -> Iterator[Chunk]:
    """Every chunk, one conversation at a time, counted."""
    for conversation in conversations:
        into.conversations += 1
        for chunk in chunk_conversations([conversation], config=config):
            into.chunks += 1
            if chunk.chunk_tier is ChunkTier.LARGE:
                into.conversation_tokens += chunk.token_count
            yield chunk


def _failure_reason(result: ExtractionResult) -> str | None:
    if not result.failures:
        return None
    first = result.failures[0].reason
    return (
        f"{len(result.failures)} of {result.chunks} chunks failed extraction (first: {first}); "
        "the memory holds the others, and the next run retries only the failed chunks"
    )


def _tokens(text: str) -> int:
    from chunking.tokens import get_tokenizer

    return get_tokenizer().count(text)
