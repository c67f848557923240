"""The batch journal: which Message Batch holds which request, so that a restart collects it.

A Message Batch can take up to a day, and is billed as its requests complete.
If the process stops while it waits (a deploy, a crash), the batch goes on and
its results are paid for; without its id, the next run would send the same
requests again and pay twice. So every request of a batch is written down,
under its digest (which is also its ``custom_id`` in the batch), before the
wait begins. A later run looks its requests up, collects the batches that
hold them, and sends only the others. The caller forgets the requests once
their results are stored (:func:`extraction.extract.extract_facts`).

The digest is per request, so a run whose batches are cut differently (some
chunks cached since, some failed) still finds every request it sent before.
The fact caches keep the journal in their own database, or in memory.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from extraction.llm import LLMRequest

__all__ = ["BatchJournal", "MemoryBatchJournal", "request_digest"]


def request_digest(request: LLMRequest, model: str) -> str:
    """What a request asks of ``model``: 64 hex digits, usable as a batch ``custom_id``."""
    content = {
        "model": model,
        "system": request.system,
        "cache_system": request.cache_system,
        "max_tokens": request.max_tokens,
        "messages": [[message.role, message.text] for message in request.messages],
        "output_schema": request.output_schema,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


@runtime_checkable
class BatchJournal(Protocol):
    """Batch ids by the digest of each request they hold."""

    def pending_batches(self, digests: Sequence[str]) -> dict[str, str]:
        """The batch id of each of ``digests`` sent and not yet collected (digest: id)."""
        ...

    def record_batch(self, batch_id: str, digests: Sequence[str]) -> None:
        """Note that ``batch_id`` holds the requests of ``digests``."""
        ...

    def forget_requests(self, digests: Sequence[str]) -> None:
        """The results of ``digests`` are stored: nothing left to collect for them."""
        ...

    def forget_batch(self, batch_id: str) -> None:
        """``batch_id`` was cancelled, or can no longer be read: send its requests again."""
        ...


class MemoryBatchJournal:
    """A journal in a dict (tests, one-off runs: it does not survive the process)."""

    def __init__(self) -> None:
        self.batches: dict[str, str] = {}

    def pending_batches(self, digests: Sequence[str]) -> dict[str, str]:
        """The batch id of each of ``digests`` sent and not yet collected (digest: id)."""
        return {d: self.batches[d] for d in digests if d in self.batches}

    def record_batch(self, batch_id: str, digests: Sequence[str]) -> None:
        """Note that ``batch_id`` holds the requests of ``digests``."""
        self.batches.update(dict.fromkeys(digests, batch_id))

    def forget_requests(self, digests: Sequence[str]) -> None:
        """The results of ``digests`` are stored: nothing left to collect for them."""
        for digest in digests:
            self.batches.pop(digest, None)

    def forget_batch(self, batch_id: str) -> None:
        """``batch_id`` was cancelled, or can no longer be read: send its requests again."""
        self.batches = {d: b for d, b in self.batches.items() if b != batch_id}
