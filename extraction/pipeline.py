"""The full pass: load export -> chunk -> sync store -> extract -> build memory -> save.

Every outside effect is injected: how the export is fetched, the chunk store,
the LLM, the result cache, where the memory document goes and how the user's
profile status is updated. The status always ends ``complete`` or ``failed``
(with a reason); a pass where some chunks failed saves the memory of the rest,
ends ``failed`` naming them, and the next pass retries only those.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from chunking.chunker import chunk_conversations
from chunking.config import ChunkingConfig
from chunking.formats import load_export
from chunking.render import render
from chunking.tiers import ChunkTier
from extraction.cache import FactCache
from extraction.extract import ExtractionResult, Failure, extract_facts
from extraction.items import ExtractionItem, item_from_chunk
from extraction.ledger import Ledger, LedgerSummary
from extraction.levers import DEFAULT_LEVERS, Levers
from extraction.llm import LLM
from extraction.memory import MemoryDocument, build_memory
from extraction.models import DEFAULT_MODEL, get_model
from extraction.prompts import SYSTEM_PROMPT
from extraction.store import ChunkStore

__all__ = ["PassResult", "file_memory_sink", "run_full_pass", "run_full_pass_async"]

log = logging.getLogger(__name__)

Status = Literal["processing", "complete", "failed"]
ExportFetcher = Callable[[], Path | str]
MemorySink = Callable[[str, MemoryDocument], str]
ProfileUpdater = Callable[[str, Status, "str | None"], None]
Progress = Callable[[str, int, int], None]


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
    failures: tuple[Failure, ...] = ()
    sync: Any = None

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
            "failures": [{"chunk_id": f.chunk_id, "reason": f.reason} for f in self.failures],
        }


def file_memory_sink(directory: str | Path) -> MemorySink:
    """A sink that writes ``<directory>/<user_id>.md`` and returns its path.

    The document is written beside its final name and renamed over it, so a
    reader (or a crash) never sees a half-written profile.
    """
    root = Path(directory)

    def save(user_id: str, document: MemoryDocument) -> str:
        root.mkdir(parents=True, exist_ok=True)
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in user_id) or "user"
        path = root / f"{safe}.md"
        partial = path.with_name(f".{path.name}.partial")
        partial.write_text(document.markdown, encoding="utf-8")
        partial.replace(path)  # atomic: a crash mid-write leaves the previous document whole
        return str(path)

    return save


@dataclass(slots=True)
class _Chunked:
    items: list[ExtractionItem] = field(default_factory=list)
    conversations: int = 0
    conversation_tokens: int = 0
    chunks: int = 0


def run_full_pass(**options: Any) -> PassResult:
    """:func:`run_full_pass_async` in a new event loop (same arguments)."""
    return asyncio.run(run_full_pass_async(**options))


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
    export_format: str | None = None,
    chunking: ChunkingConfig | None = None,
    on_progress: Progress | None = None,
) -> PassResult:
    """Run the whole pass for ``user_id``; never raises for a failure of a step.

    Args:
        user_id: whose export it is.
        fetch_export: returns the local path of the export.
        store: the chunk store (synced with every tier's chunks).
        llm: who extracts facts.
        cache: earlier results, by chunk content, prompt and model.
        save_memory: stores the memory document; returns where.
        update_profile: told ``processing`` first, then the final status and reason.
        levers: the cost levers (tier, trimming, chunks per call, caching, batches).
        concurrency: the most LLM calls in flight.
        model: the logical model whose prices the ledger uses.
        export_format: the export's format (detected when ``None``).
        chunking: tier budgets and session gap.
        on_progress: called with ``(stage, done, total)``.

    Returns:
        The result; ``status`` is ``complete`` or ``failed`` with a ``reason``.

    Raises:
        Exception: whatever ``update_profile`` raises: a status that cannot be
            recorded is not hidden (the pass's own result is logged first).
    """
    spec = get_model(model)
    ledger = Ledger(spec.prices, estimated=llm.estimates)
    notify = update_profile or (lambda _user, _status, _reason: None)
    report = on_progress or (lambda _stage, _done, _total: None)
    notify(user_id, "processing", None)
    result = PassResult(
        status="failed",
        reason="not started",
        user_id=user_id,
        ledger=ledger.summary(),
        llm=llm.description,
    )
    try:
        result = await _run(
            user_id,
            fetch_export,
            store,
            llm,
            cache,
            save_memory,
            levers,
            concurrency,
            spec.min_cache_prefix_tokens,
            export_format,
            chunking or ChunkingConfig(),
            report,
            ledger,
        )
    except Exception as error:  # the status must always end, with the reason
        log.exception("full pass for user %s failed", user_id)
        result = PassResult(
            status="failed",
            reason=f"{type(error).__name__}: {error}",
            user_id=user_id,
            ledger=ledger.summary(),
            llm=llm.description,
        )
    finally:  # the status ends even when the pass is cancelled
        log.info(
            "full pass for user %s: %s%s",
            user_id,
            result.status,
            f" ({result.reason})" if result.reason else "",
        )
        notify(user_id, result.status, result.reason)
    return result


async def _run(
    user_id: str,
    fetch_export: ExportFetcher,
    store: ChunkStore,
    llm: LLM,
    cache: FactCache,
    save_memory: MemorySink,
    levers: Levers,
    concurrency: int,
    min_cache_prefix: int,
    export_format: str | None,
    config: ChunkingConfig,
    report: Progress,
    ledger: Ledger,
) -> PassResult:
    path = Path(fetch_export())
    report("load", 0, 1)
    chunked = _Chunked()
    conversations = load_export(path, format=export_format)
    sync = store.sync(user_id, _chunks(conversations, config, levers.tiers, chunked))
    report("sync", chunked.chunks, chunked.chunks)
    log.info(
        "synced %d chunks of %d conversations: %s", chunked.chunks, chunked.conversations, sync
    )
    extracted = await extract_facts(
        chunked.items,
        llm=llm,
        cache=cache,
        ledger=ledger,
        levers=levers,
        concurrency=concurrency,
        system_prompt_tokens=_tokens(SYSTEM_PROMPT),
        min_cache_prefix_tokens=min_cache_prefix,
        on_progress=lambda done, total: report("extract", done, total),
    )
    document = build_memory(extracted.facts)
    location = save_memory(user_id, document)
    report("save", 1, 1)
    return PassResult(
        status="complete" if not extracted.failures else "failed",
        reason=_failure_reason(extracted),
        user_id=user_id,
        ledger=ledger.summary(),
        llm=llm.description,
        memory_location=location,
        conversations=chunked.conversations,
        conversation_tokens=chunked.conversation_tokens,
        chunks_stored=chunked.chunks,
        chunks_extracted=extracted.chunks,
        facts=len(document.entries),
        failures=extracted.failures,
        sync=sync,
    )


def _chunks(
    conversations: Any, config: ChunkingConfig, tiers: tuple[ChunkTier, ...], into: _Chunked
) -> Iterator[Any]:
    """Every chunk, one conversation at a time; the wanted tiers' items are kept aside."""
    for conversation in conversations:
        rendered = render(conversation)
        into.conversations += 1
        for chunk in chunk_conversations([conversation], config=config):
            into.chunks += 1
            if chunk.chunk_tier is ChunkTier.LARGE:
                into.conversation_tokens += chunk.token_count
            if chunk.chunk_tier in tiers:
                into.items.append(item_from_chunk(chunk, rendered))
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
