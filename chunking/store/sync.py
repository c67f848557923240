"""Import semantics shared by every backend: plan a sync, then apply it atomically.

An import is a sync of one user's conversations. Inside one transaction that
holds the user's lock, the store reads the fingerprint of every conversation
it has for the user, reads the whole chunk stream (validating every chunk and
fingerprinting each conversation), and only then writes: conversations whose
fingerprint is unchanged cost nothing, changed ones have their rows deleted
and the new rows inserted, new ones are inserted, and absent ones are deleted
only when pruning. A failure anywhere rolls the transaction back, so each
conversation is either as it was or fully new.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from chunking.errors import InvalidChunkError
from chunking.model import Chunk
from chunking.store.base import SyncResult
from chunking.store.validate import validate_chunk, validate_user_id

__all__ = [
    "ConversationWrite",
    "SyncPlan",
    "SyncWriter",
    "fingerprint",
    "plan_sync",
    "run_sync",
]

log = logging.getLogger(__name__)

_ID_SEPARATOR = "\x1e"


@dataclass(frozen=True, slots=True)
class ConversationWrite:
    """The new chunks of one conversation and whether they replace stored ones."""

    conversation_id: str
    chunks: tuple[Chunk, ...]
    fingerprint: str
    replaces: bool


@dataclass(slots=True)
class SyncPlan:
    """Everything a sync will write, decided before the first write."""

    writes: list[ConversationWrite] = field(default_factory=list)
    unchanged: int = 0
    pruned: list[str] = field(default_factory=list)


class SyncWriter(Protocol):
    """What a backend provides to :func:`run_sync`; every call runs inside ``locked``."""

    def locked(self, user_id: str) -> AbstractContextManager[None]:
        """A transaction holding the user's import lock; rolled back on any exception."""
        ...

    def fingerprints(self, user_id: str) -> dict[str, str]:
        """Conversation id -> fingerprint of every conversation stored for the user."""
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


def plan_sync(
    chunks: Iterable[Chunk], existing: Mapping[str, str], *, prune: bool = False
) -> SyncPlan:
    """Read the whole stream, validate what is to be written, and decide.

    A conversation whose fingerprint equals the stored one is unchanged: its
    chunks equal, column for column, rows that were validated when written
    (the content through its hash), and nothing of it is written, so its
    chunks are not validated again; this keeps a re-import cheap. Every chunk
    of every other conversation is validated before the first write.

    Raises:
        InvalidChunkError: a chunk that fails validation, a conversation that
            appears in two separate runs of the stream, or a chunk id twice.
    """
    plan = SyncPlan()
    seen: set[str] = set()
    for conversation_id, group in _grouped(chunks):
        if conversation_id in seen:
            raise InvalidChunkError(
                "the conversation's chunks are not contiguous in the stream; "
                "pass chunks grouped by conversation, as chunk_conversations yields them",
                chunk_id=group[0].id,
                conversation_id=conversation_id,
            )
        seen.add(conversation_id)
        digest = fingerprint(group)
        stored = existing.get(conversation_id)
        if stored == digest:
            plan.unchanged += 1
        else:
            for chunk in group:
                validate_chunk(chunk)
            _check_ids_unique(group)
            plan.writes.append(
                ConversationWrite(conversation_id, tuple(group), digest, stored is not None)
            )
    if prune:
        plan.pruned = sorted(set(existing) - seen)
    return plan


def run_sync(
    writer: SyncWriter, user_id: str, chunks: Iterable[Chunk], *, prune: bool = False
) -> SyncResult:
    """Sync ``chunks`` into the store behind ``writer``; see the module docstring."""
    validate_user_id(user_id)
    with writer.locked(user_id):
        plan = plan_sync(chunks, writer.fingerprints(user_id), prune=prune)
        deleted = 0
        inserted = 0
        doomed = [write.conversation_id for write in plan.writes if write.replaces]
        if doomed or plan.pruned:
            deleted = writer.delete_conversations(user_id, doomed + plan.pruned)
        if plan.writes:
            inserted = writer.insert_chunks(
                user_id, (chunk for write in plan.writes for chunk in write.chunks)
            )
            writer.insert_fingerprints(user_id, plan.writes)
    replaced = len(doomed)
    result = SyncResult(
        inserted=len(plan.writes) - replaced,
        replaced=replaced,
        unchanged=plan.unchanged,
        pruned=len(plan.pruned),
        rows_written=inserted + deleted,
    )
    log.info("sync of user chunks: %s", result)
    return result


def _grouped(chunks: Iterable[Chunk]) -> Iterator[tuple[str, list[Chunk]]]:
    """Yield runs of consecutive chunks of one conversation."""
    current: str | None = None
    group: list[Chunk] = []
    for chunk in chunks:
        if not isinstance(chunk, Chunk):
            validate_chunk(chunk)  # raises, naming the type
        if chunk.conversation_id != current:
            if current is not None:
                yield current, group
            current, group = chunk.conversation_id, []
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
