"""The batch journal: which Message Batch holds which requests, so that a restart resumes it.

A Message Batch can take up to a day, and is billed as its requests complete.
If the process stops while it waits (a deploy, a crash), the batch goes on
and its results are paid for; without its id, the next run would submit the
same requests again and pay twice. So the id is written down, under a digest
of the requests, before the wait begins, and forgotten once the results are
read or the batch is cancelled. A run that sends the same requests (same
export, prompt, levers and model) finds the id and collects that batch.

The fact caches keep the journal in their own database
(:class:`~extraction.cache.SqliteFactCache`, the PostgreSQL one) or in memory.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["BatchJournal", "MemoryBatchJournal"]


@runtime_checkable
class BatchJournal(Protocol):
    """Batch ids by the digest of their requests."""

    def pending_batch(self, digest: str) -> str | None:
        """The id of the batch sent for ``digest`` and not yet collected, if any."""
        ...

    def record_batch(self, digest: str, batch_id: str) -> None:
        """Note that ``batch_id`` holds the requests of ``digest``."""
        ...

    def forget_batch(self, digest: str) -> None:
        """The batch of ``digest`` is collected or cancelled."""
        ...


class MemoryBatchJournal:
    """A journal in a dict (tests, one-off runs: it does not survive the process)."""

    def __init__(self) -> None:
        self.batches: dict[str, str] = {}

    def pending_batch(self, digest: str) -> str | None:
        """The id of the batch sent for ``digest`` and not yet collected, if any."""
        return self.batches.get(digest)

    def record_batch(self, digest: str, batch_id: str) -> None:
        """Note that ``batch_id`` holds the requests of ``digest``."""
        self.batches[digest] = batch_id

    def forget_batch(self, digest: str) -> None:
        """The batch of ``digest`` is collected or cancelled."""
        self.batches.pop(digest, None)
