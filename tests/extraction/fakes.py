"""Test doubles: an in-memory chunk store and instrumented LLMs."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field

from chunking.config import CHUNKING_VERSION
from chunking.model import Chunk
from chunking.tiers import ChunkTier
from extraction.errors import LLMCallError
from extraction.llm import LLMRequest, LLMResponse, Usage
from extraction.offline import OfflineLLM


@dataclass(frozen=True, slots=True)
class SyncResult:
    inserted: int = 0
    replaced: int = 0
    unchanged: int = 0
    pruned: int = 0
    skipped: int = 0
    rows_written: int = 0


@dataclass
class FakeChunkStore:
    """The chunk store contract, in a dict: user -> chunk id -> chunk."""

    rows: dict[str, dict[str, Chunk]] = field(default_factory=dict)
    closed: bool = False
    migrated: bool = False

    def migrate(self) -> None:
        self.migrated = True

    def verify_schema(self) -> None:
        if not self.migrated:
            raise RuntimeError("schema not migrated")

    def sync(self, user_id: str, chunks: Iterable[Chunk], *, prune: bool = False) -> SyncResult:
        rows = self.rows.setdefault(user_id, {})
        inserted = replaced = unchanged = 0
        seen: set[str] = set()
        for chunk in chunks:
            seen.add(chunk.id)
            old = rows.get(chunk.id)
            if old is None:
                inserted += 1
            elif old.content_hash == chunk.content_hash:
                unchanged += 1
                continue
            else:
                replaced += 1
            rows[chunk.id] = chunk
        pruned = 0
        if prune:
            for chunk_id in [c for c in rows if c not in seen]:
                del rows[chunk_id]
                pruned += 1
        return SyncResult(inserted, replaced, unchanged, pruned, 0, inserted + replaced)

    def chunks(
        self,
        user_id: str,
        *,
        tier: ChunkTier | None = None,
        version: int = CHUNKING_VERSION,
        conversation_id: str | None = None,
    ) -> list[Chunk]:
        return [
            c
            for c in self.rows.get(user_id, {}).values()
            if (tier is None or c.chunk_tier is tier)
            and c.chunking_version == version
            and (conversation_id is None or c.conversation_id == conversation_id)
        ]

    def iter_chunks(
        self,
        user_id: str,
        *,
        tiers: Collection[ChunkTier] | None = None,
        version: int = CHUNKING_VERSION,
        page_rows: int = 2_000,
    ) -> Iterator[Chunk]:
        rank = {ChunkTier.LARGE: 0, ChunkTier.MEDIUM: 1, ChunkTier.SMALL: 2}
        wanted = [
            c
            for c in self.rows.get(user_id, {}).values()
            if (tiers is None or c.chunk_tier in tiers) and c.chunking_version == version
        ]
        wanted.sort(key=lambda c: (c.conversation_id, rank[c.chunk_tier], c.chunk_index))
        yield from wanted

    def count_chunks(
        self,
        user_id: str,
        *,
        tiers: Collection[ChunkTier] | None = None,
        version: int = CHUNKING_VERSION,
    ) -> int:
        return sum(1 for _ in self.iter_chunks(user_id, tiers=tiers, version=version))

    def prune(self, user_id: str, *, keep: Collection[str]) -> SyncResult:
        rows = self.rows.get(user_id, {})
        doomed = [chunk_id for chunk_id, c in rows.items() if c.conversation_id not in keep]
        for chunk_id in doomed:
            del rows[chunk_id]
        return SyncResult(pruned=len(doomed), rows_written=len(doomed))

    def close(self) -> None:
        self.closed = True

    def __enter__(self) -> FakeChunkStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class InstrumentedLLM:
    """Answers with no facts after yielding to the loop; records the most calls in flight."""

    estimates = False
    description = "instrumented test double"
    model = "test-double"

    def __init__(self, *, delay: float = 0.0) -> None:
        self.in_flight = 0
        self.max_in_flight = 0
        self.calls = 0
        self.delay = delay

    async def complete(self, request: LLMRequest) -> LLMResponse:
        self.in_flight += 1
        self.calls += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
            return LLMResponse('{"facts": []}', Usage(input_tokens=10, output_tokens=3))
        finally:
            self.in_flight -= 1


class FlakyLLM:
    """The offline LLM, but a fixed share of requests fail (chosen by a hash of the request).

    ``fail_share`` of the distinct first-user-messages fail while ``failing`` is true.
    """

    estimates = True

    def __init__(self, *, fail_share: float = 0.1) -> None:
        self.inner = OfflineLLM()
        self.fail_share = fail_share
        self.failing = True
        self.calls = 0
        self.failed_calls = 0

    @property
    def model(self) -> str:
        return self.inner.model

    @property
    def description(self) -> str:
        return f"flaky wrapper of: {self.inner.description}"

    async def complete(self, request: LLMRequest) -> LLMResponse:
        self.calls += 1
        digest = hashlib.sha256(request.messages[0].text.encode()).digest()
        if self.failing and int.from_bytes(digest[:4], "big") / 2**32 < self.fail_share:
            self.failed_calls += 1
            raise LLMCallError("simulated: RateLimitError (HTTP 429) after retries")
        return await self.inner.complete(request)


class ScriptedLLM:
    """Returns the given answers in order (then repeats the last).

    An answer is a text, a whole response (e.g. one cut at ``max_tokens``), or
    an exception to raise.
    """

    estimates = False
    description = "scripted test double"
    model = "scripted"

    def __init__(self, *answers: str | LLMResponse | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[LLMRequest] = []

    async def complete(self, request: LLMRequest) -> LLMResponse:
        self.requests.append(request)
        answer = self.answers[min(len(self.requests), len(self.answers)) - 1]
        await asyncio.sleep(0)
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, LLMResponse):
            return answer
        return LLMResponse(answer, Usage(input_tokens=100, output_tokens=20), "end_turn")
