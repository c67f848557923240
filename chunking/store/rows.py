"""The mapping between a :class:`Chunk` and a ``conversation_chunks`` row."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from chunking.model import Chunk
from chunking.tiers import ChunkTier

__all__ = [
    "CHUNK_COLUMNS",
    "READ_COLUMNS",
    "as_utc",
    "chunk_from_values",
    "chunk_values",
    "quoted",
]

CHUNK_COLUMNS = (
    "user_id",
    "id",
    "conversation_id",
    "title",
    "content",
    "token_count",
    "chunk_index",
    "total_chunks",
    "chunk_tier",
    "created_at",
    "parent_id",
    "start",
    "end",
    "message_ids",
    "content_hash",
    "chunking_version",
)
"""The columns an import writes, in row order."""

READ_COLUMNS = CHUNK_COLUMNS[1:]
"""The columns a read returns, in the order :func:`chunk_from_values` takes them."""


def quoted(columns: Sequence[str]) -> str:
    """The column names as a quoted SQL list (``start`` and ``end`` are keywords)."""
    return ", ".join(f'"{column}"' for column in columns)


def as_utc(moment: datetime | None) -> datetime | None:
    """An aware datetime; a naive one is taken to be UTC (the same in every backend)."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def chunk_from_values(values: Sequence[Any]) -> Chunk:
    """Build a chunk from ``READ_COLUMNS`` values already decoded to Python types."""
    (
        chunk_id,
        conversation_id,
        title,
        content,
        token_count,
        chunk_index,
        total_chunks,
        tier,
        created_at,
        parent_id,
        start,
        end,
        message_ids,
        content_hash,
        version,
    ) = values
    return Chunk(
        conversation_id=conversation_id,
        title=title,
        content=content,
        token_count=token_count,
        chunk_index=chunk_index,
        total_chunks=total_chunks,
        chunk_tier=ChunkTier.parse(tier),
        created_at=created_at,
        id=chunk_id,
        parent_id=parent_id,
        start=start,
        end=end,
        message_ids=tuple(message_ids),
        content_hash=content_hash,
        chunking_version=version,
    )


def chunk_values(
    user_id: str,
    chunk: Chunk,
    *,
    encode_time: Callable[[datetime | None], Any],
    encode_ids: Callable[[tuple[str, ...]], Any],
) -> tuple[Any, ...]:
    """The row of ``chunk`` in ``CHUNK_COLUMNS`` order, with the backend's encodings.

    ``encode_time`` gets the creation time in UTC; ``encode_ids`` the message ids.
    """
    return (
        user_id,
        chunk.id,
        chunk.conversation_id,
        chunk.title,
        chunk.content,
        chunk.token_count,
        chunk.chunk_index,
        chunk.total_chunks,
        str(chunk.chunk_tier),
        encode_time(as_utc(chunk.created_at)),
        chunk.parent_id,
        chunk.start,
        chunk.end,
        encode_ids(chunk.message_ids),
        chunk.content_hash,
        chunk.chunking_version,
    )
