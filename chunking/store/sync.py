"""Import semantics shared by every backend: a streaming sync, one batch at a time.

An import is a sync of one user's conversations, read as a stream grouped by
conversation. It holds the user's import lock from start to end, so two
imports of one user run one after the other; other users' imports are not
held up. Conversations are gathered into batches bounded in rows and content
characters (a conversation is never split across batches). For each batch the
store reads the stored fingerprints of its conversations, validates every
chunk of the conversations that changed, and then, in one short write
transaction, deletes their old rows and inserts the new ones: conversations
whose fingerprint is unchanged cost nothing, and a batch with nothing to write
takes no write lock at all. Pruning (deleting conversations stored for the
user but absent from the stream) runs in its own transaction once the stream
has ended normally.

What an interrupted import leaves behind: every conversation is either as it
was or fully new, never half-replaced or doubled, because a conversation's
delete and insert commit together. The batches committed before the
interruption stay committed; the rest of the export is not yet imported, and
nothing is pruned. Running the same import again converges: the committed
conversations now match their fingerprints and cost nothing, the others are
written.

Memory is bounded by one batch (plus the ids of the conversations seen, to
refuse a stream whose conversations are not contiguous and to prune), not by
the size of the export.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Collection, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chunking.errors import InvalidChunkError
from chunking.model import Chunk
from chunking.store.base import SyncResult
from chunking.store.validate import validate_chunk, validate_user_id

__all__ = [
    "DEFAULT_BATCH_CHARS",
    "DEFAULT_BATCH_ROWS",
    "ConversationWrite",
    "SyncWriter",
    "fingerprint",
    "run_prune",
    "run_sync",
]

log = logging.getLogger(__name__)

DEFAULT_BATCH_ROWS = 5_000
"""Chunk rows gathered before a batch is written (a larger conversation is a batch alone)."""

DEFAULT_BATCH_CHARS = 8_000_000
"""Content characters gathered before a batch is written (about 8 MB of text)."""

_ID_SEPARATOR = "\x1e"


@dataclass(frozen=True, slots=True)
class ConversationWrite:
    """The new chunks of one conversation and whether they replace stored ones."""

    conversation_id: str
    chunks: tuple[Chunk, ...]
    fingerprint: str
    replaces: bool


class SyncWriter(Protocol):
    """What a backend provides to :func:`run_sync` and :func:`run_prune`."""

    def import_lock(self, user_id: str) -> AbstractContextManager[None]:
        """Held for a whole import: a second import of the same user waits for it."""
        ...

    def write_transaction(self, user_id: str) -> AbstractContextManager[None]:
        """One short write transaction; rolled back on any exception."""
        ...

    def fingerprints(self, user_id: str, conversation_ids: list[str]) -> dict[str, str]:
        """Conversation id -> stored fingerprint, for those of ``conversation_ids`` stored."""
        ...

    def absent_conversations(self, user_id: str, present: list[str]) -> list[str]:
        """The user's stored conversations that are not in ``present``, sorted."""
        ...

    def delete_conversations(self, user_id: str, conversation_ids: list[str]) -> int:
        """Delete the conversations' chunk rows and fingerprints; return the rows deleted."""
        ...

    def insert_chunks(self, user_id: str, chunks: Iterator[Chunk]) -> int:
        """Insert chunk rows; return how many."""
        ...

    def insert_fingerprints(self, user_id: str, writes: list[ConversationWrite]) -> None:
        """Record the fingerprint of each written conversation."""
        ...


def fingerprint(chunks: Iterable[Chunk]) -> str:
    """A digest of every stored field of a conversation's chunks, in stream order.

    Every column enters it except ``content``, which enters through its
    ``content_hash``; so equal fingerprints mean equal rows, and an unchanged
    conversation is recognised without reading its rows. Fields of unexpected
    types give a digest that matches nothing stored.
    """
    parts = []
    last_moment: object = None
    moment = ""
    for c in chunks:
        if c.created_at is not last_moment:  # chunks of a conversation share a few datetimes
            last_moment = c.created_at
            moment = c.created_at.isoformat() if isinstance(c.created_at, datetime) else "?"
        try:
            ids = _ID_SEPARATOR.join(c.message_ids)
        except TypeError:
            ids = repr(c.message_ids)
        parts.append(
            f"{c.id}\x1f{c.parent_id}\x1f{c.chunk_tier}\x1f{c.chunk_index}\x1f{c.total_chunks}"
            f"\x1f{c.token_count}\x1f{c.start}\x1f{c.end}\x1f{c.chunking_version}\x1f"
            f"{c.content_hash}\x1f{c.title}\x1f{moment}\x1f{ids}\x1d"
        )
    return hashlib.sha256("".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def run_sync(
    writer: SyncWriter,
    user_id: str,
    chunks: Iterable[Chunk],
    *,
    prune: bool = False,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    batch_chars: int = DEFAULT_BATCH_CHARS,
) -> SyncResult:
    """Sync ``chunks`` into the store behind ``writer``; see the module docstring.

    Args:
        writer: the backend.
        user_id: whose chunks these are.
        chunks: grouped by conversation (all tiers of one conversation
            contiguous), as ``chunk_conversations`` yields them; read once.
        prune: once the stream has ended, delete the user's conversations
            that were not in it.
        batch_rows: rows gathered before a batch is written.
        batch_chars: content characters gathered before a batch is written.

    Raises:
        InvalidChunkError: a chunk that fails validation, a conversation that
            appears in two separate runs of the stream, or a chunk id twice in
            a conversation. The batch holding it is not written; the batches
            before it are.
        ValueError: a batch limit below 1.
    """
    validate_user_id(user_id)
    if batch_rows < 1 or batch_chars < 1:
        raise ValueError(
            f"batch_rows and batch_chars must be >= 1, got {batch_rows} and {batch_chars}"
        )
    totals = _Totals()
    seen: set[str] = set()
    with writer.import_lock(user_id):
        for batch in _batches(_grouped(chunks, seen), batch_rows, batch_chars):
            _write_batch(writer, user_id, batch, totals)
        if prune:
            totals.pruned, totals.deleted_rows = _prune(writer, user_id, seen, totals.deleted_rows)
    result = totals.result()
    log.info("sync of user chunks: %s", result)
    return result


def run_prune(writer: SyncWriter, user_id: str, keep: Collection[str]) -> SyncResult:
    """Delete the user's stored conversations whose ids are not in ``keep``, atomically."""
    validate_user_id(user_id)
    with writer.import_lock(user_id):
        pruned, deleted = _prune(writer, user_id, keep, 0)
    result = SyncResult(pruned=pruned, rows_written=deleted)
    log.info("prune of user chunks: %s", result)
    return result


@dataclass(slots=True)
class _Totals:
    inserted: int = 0
    replaced: int = 0
    unchanged: int = 0
    pruned: int = 0
    inserted_rows: int = 0
    deleted_rows: int = 0

    def result(self) -> SyncResult:
        return SyncResult(
            inserted=self.inserted,
            replaced=self.replaced,
            unchanged=self.unchanged,
            pruned=self.pruned,
            rows_written=self.inserted_rows + self.deleted_rows,
        )


def _write_batch(
    writer: SyncWriter, user_id: str, batch: list[tuple[str, list[Chunk]]], totals: _Totals
) -> None:
    """Decide, validate, then write one batch in one transaction (none if nothing changed)."""
    stored = writer.fingerprints(user_id, [conversation_id for conversation_id, _ in batch])
    writes: list[ConversationWrite] = []
    for conversation_id, group in batch:
        digest = fingerprint(group)
        previous = stored.get(conversation_id)
        if previous == digest:  # rows equal, column for column, rows validated when written
            totals.unchanged += 1
            continue
        for chunk in group:
            validate_chunk(chunk)
        _check_ids_unique(group)
        writes.append(
            ConversationWrite(conversation_id, tuple(group), digest, previous is not None)
        )
    if not writes:
        return
    doomed = [write.conversation_id for write in writes if write.replaces]
    with writer.write_transaction(user_id):
        deleted = writer.delete_conversations(user_id, doomed) if doomed else 0
        inserted = writer.insert_chunks(
            user_id, (chunk for write in writes for chunk in write.chunks)
        )
        writer.insert_fingerprints(user_id, writes)
    totals.replaced += len(doomed)
    totals.inserted += len(writes) - len(doomed)
    totals.inserted_rows += inserted
    totals.deleted_rows += deleted
    log.debug("sync batch: %d conversations written, %d rows", len(writes), inserted)


def _prune(
    writer: SyncWriter, user_id: str, keep: Collection[str], deleted_before: int
) -> tuple[int, int]:
    """Delete the absent conversations in one transaction; (conversations, total rows deleted)."""
    with writer.write_transaction(user_id):
        absent = writer.absent_conversations(user_id, sorted(keep))
        deleted = writer.delete_conversations(user_id, absent) if absent else 0
    return len(absent), deleted_before + deleted


def _batches(
    groups: Iterator[tuple[str, list[Chunk]]], rows: int, chars: int
) -> Iterator[list[tuple[str, list[Chunk]]]]:
    """Consecutive conversations, up to ``rows`` chunks and ``chars`` characters a batch."""
    batch: list[tuple[str, list[Chunk]]] = []
    batch_rows = batch_chars = 0
    for conversation_id, group in groups:
        size = sum(len(chunk.content) if isinstance(chunk.content, str) else 0 for chunk in group)
        if batch and (batch_rows + len(group) > rows or batch_chars + size > chars):
            yield batch
            batch, batch_rows, batch_chars = [], 0, 0
        batch.append((conversation_id, group))
        batch_rows += len(group)
        batch_chars += size
    if batch:
        yield batch


def _grouped(chunks: Iterable[Chunk], seen: set[str]) -> Iterator[tuple[str, list[Chunk]]]:
    """Yield runs of consecutive chunks of one conversation, each conversation once."""
    current: str | None = None
    group: list[Chunk] = []
    for chunk in chunks:
        if not isinstance(chunk, Chunk):
            validate_chunk(chunk)  # raises, naming the type
        if chunk.conversation_id != current:
            if current is not None:
                yield current, group
            current, group = chunk.conversation_id, []
            if current in seen:
                raise InvalidChunkError(
                    "the conversation's chunks are not contiguous in the stream; "
                    "pass chunks grouped by conversation, as chunk_conversations yields them",
                    chunk_id=chunk.id,
                    conversation_id=current,
                )
            seen.add(current)
        group.append(chunk)
    if current is not None:
        yield current, group


def _check_ids_unique(group: list[Chunk]) -> None:
    ids = {chunk.id for chunk in group}
    if len(ids) != len(group):
        first = group[0]
        raise InvalidChunkError(
            "the same chunk id appears twice in the conversation",
            chunk_id=first.id,
            conversation_id=first.conversation_id,
        )
