"""What extraction sends about one chunk: its turns, by role, and where they came from."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from chunking.model import Chunk
from chunking.render import MESSAGE_SEPARATOR, RenderedConversation
from chunking.tiers import ChunkTier

__all__ = ["ExtractionItem", "Turn", "item_from_chunk"]

_LABEL = re.compile(r"(?:^|\n\n)(User|Assistant|System|Tool): ")


@dataclass(frozen=True, slots=True)
class Turn:
    """The part of one message that lies in a chunk (label removed)."""

    role: str
    message_id: str
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ExtractionItem:
    """One chunk as extraction sees it."""

    chunk_id: str
    conversation_id: str
    tier: ChunkTier
    content_hash: str
    token_count: int
    date: datetime | None
    message_ids: tuple[str, ...]
    turns: tuple[Turn, ...]
    title: str = ""
    start: int = 0
    """The chunk's offset in its rendered conversation (orders the facts of one date)."""


def item_from_chunk(chunk: Chunk, rendered: RenderedConversation | None = None) -> ExtractionItem:
    """The chunk's turns: exact from its conversation's rendering when given.

    Without ``rendered`` (a chunk read back from a store), turns are found by
    the default labels ``User:``/``Assistant:``/... at message starts; a
    leading part without a label keeps the role ``"unknown"`` and is never
    trimmed.
    """
    turns = _exact_turns(chunk, rendered) if rendered is not None else _parsed_turns(chunk)
    return ExtractionItem(
        chunk_id=chunk.id,
        conversation_id=chunk.conversation_id,
        tier=chunk.chunk_tier,
        content_hash=chunk.content_hash,
        token_count=chunk.token_count,
        date=chunk.created_at,
        message_ids=chunk.message_ids,
        turns=turns,
        title=chunk.title,
        start=chunk.start,
    )


def _exact_turns(chunk: Chunk, rendered: RenderedConversation) -> tuple[Turn, ...]:
    turns: list[Turn] = []
    text = rendered.text
    # A chunk may end at a blank line inside a message (a paragraph cut); that
    # blank line is dropped as the separator after a message is, so that the
    # parsed turns of stored text are these.
    chunk_end = chunk.end
    if chunk.content.endswith(MESSAGE_SEPARATOR):
        chunk_end -= len(MESSAGE_SEPARATOR)
    for message, start, end in zip(
        rendered.messages, rendered.message_starts, rendered.message_ends, strict=True
    ):
        lo, hi = max(start, chunk.start), min(end, chunk_end)
        if lo >= hi:
            continue
        label = f"{message.label}: "
        if lo == start and text.startswith(label, start):
            lo += len(label)
        if lo < hi:
            turns.append(Turn(role=message.role.value, message_id=message.id, text=text[lo:hi]))
    return tuple(turns)


def _parsed_turns(chunk: Chunk) -> tuple[Turn, ...]:
    content = chunk.content
    if content.endswith(MESSAGE_SEPARATOR):  # the chunk ends just past a separator
        content = content[: -len(MESSAGE_SEPARATOR)]
    ids = list(chunk.message_ids)
    marks = list(_LABEL.finditer(content))
    turns: list[Turn] = []
    if not marks or marks[0].start() > 0:
        head = content[: marks[0].start() if marks else len(content)]
        if head.strip():
            turns.append(Turn(role="unknown", message_id=ids[0] if ids else "", text=head))
    offset = len(turns) if turns else 0
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(content)
        position = offset + index
        message_id = ids[position] if position < len(ids) else ""
        text = content[mark.end() : end]
        if text:
            turns.append(Turn(role=mark.group(1).lower(), message_id=message_id, text=text))
    return tuple(turns)
