"""Chunks as JSON Lines: one JSON object per chunk, written by ``chunk`` and read back here.

:func:`write_chunks` and :func:`read_chunks` are inverses:
``list(read_chunks(file)) == chunks`` for any chunks written to ``file``.
The fields are the :class:`~chunking.model.Chunk` fields, with the tier as
its enum value and times as ISO 8601.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from chunking.errors import ChunkFileError, InvalidMessageError, InvalidTierError
from chunking.model import Chunk

__all__ = ["chunk_from_dict", "chunk_to_dict", "read_chunks", "write_chunks"]

_TEXT = ("id", "conversation_id", "title", "content", "content_hash")
_COUNTS = ("chunk_index", "total_chunks", "start", "end", "token_count", "chunking_version")


def chunk_to_dict(chunk: Chunk) -> dict[str, Any]:
    """The chunk as a JSON-ready dict (tier as its enum value, time as ISO 8601)."""
    return {
        "id": chunk.id,
        "conversation_id": chunk.conversation_id,
        "title": chunk.title,
        "chunk_tier": chunk.chunk_tier.value,
        "chunk_index": chunk.chunk_index,
        "total_chunks": chunk.total_chunks,
        "parent_id": chunk.parent_id,
        "start": chunk.start,
        "end": chunk.end,
        "token_count": chunk.token_count,
        "message_ids": list(chunk.message_ids),
        "content_hash": chunk.content_hash,
        "chunking_version": chunk.chunking_version,
        "created_at": chunk.created_at.isoformat() if chunk.created_at else None,
        "content": chunk.content,
    }


def chunk_from_dict(row: Mapping[str, Any]) -> Chunk:
    """The chunk of a dict made by :func:`chunk_to_dict`.

    Raises:
        ChunkFileError: a field missing or of the wrong type, or a tier that
            is not a value of ``chunk_tier_enum`` (the message names the field).

    Example:
        >>> from chunking import Conversation, Message, chunk_conversations
        >>> chat = Conversation(id="c1", title="", messages=(Message(id="m1", role="user", content="hi"),))
        >>> chunk = next(iter(chunk_conversations([chat])))
        >>> chunk_from_dict(chunk_to_dict(chunk)) == chunk
        True
    """  # noqa: E501
    if not isinstance(row, Mapping):
        raise ChunkFileError(f"expected a JSON object per chunk, got {type(row).__name__}")
    for name in (*_TEXT, *_COUNTS, "chunk_tier", "message_ids"):
        if name not in row:
            raise ChunkFileError(f"chunk {row.get('id')!r}: field {name!r} is missing")
    for name in _TEXT:
        _expect(row, name, str)
    for name in _COUNTS:
        _expect(row, name, int)
    ids = row["message_ids"]
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise ChunkFileError(f"chunk {row['id']!r}: 'message_ids' must be a list of strings")
    parent = row.get("parent_id")
    if parent is not None and not isinstance(parent, str):
        raise ChunkFileError(f"chunk {row['id']!r}: 'parent_id' must be a string or null")
    try:
        return Chunk(
            conversation_id=row["conversation_id"],
            title=row["title"],
            content=row["content"],
            token_count=row["token_count"],
            chunk_index=row["chunk_index"],
            total_chunks=row["total_chunks"],
            chunk_tier=row["chunk_tier"],
            created_at=_time(row.get("created_at"), row["id"]),
            id=row["id"],
            parent_id=parent,
            start=row["start"],
            end=row["end"],
            message_ids=tuple(ids),
            content_hash=row["content_hash"],
            chunking_version=row["chunking_version"],
        )
    except (InvalidTierError, InvalidMessageError) as error:
        raise ChunkFileError(f"chunk {row['id']!r}: {error}") from error


def write_chunks(chunks: Iterable[Chunk], stream: IO[str]) -> int:
    """Write each chunk as one line of JSON to ``stream``; returns how many."""
    count = 0
    for chunk in chunks:
        stream.write(json.dumps(chunk_to_dict(chunk), ensure_ascii=False))
        stream.write("\n")
        count += 1
    return count


def read_chunks(source: str | os.PathLike[str] | IO[str]) -> Iterator[Chunk]:
    """The chunks of a JSON Lines file (a path or a text stream), one line at a time.

    Blank lines are skipped.

    Raises:
        ChunkFileError: a line that is not JSON or not a chunk, with its line number.
        FileNotFoundError: the path does not exist.
    """
    if isinstance(source, str | os.PathLike):
        with Path(source).open(encoding="utf-8") as stream:
            yield from _lines(stream, str(source))
    else:
        yield from _lines(source, str(getattr(source, "name", "<stream>")))


def _lines(stream: IO[str], name: str) -> Iterator[Chunk]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise ChunkFileError(f"{name}, line {number}: not JSON ({error})") from error
        try:
            yield chunk_from_dict(row)
        except ChunkFileError as error:
            raise ChunkFileError(f"{name}, line {number}: {error}") from error


def _expect(row: Mapping[str, Any], name: str, kind: type) -> None:
    value = row[name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ChunkFileError(
            f"chunk {row.get('id')!r}: {name!r} must be {kind.__name__}, got {type(value).__name__}"
        )


def _time(value: Any, chunk_id: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError) as error:
        raise ChunkFileError(
            f"chunk {chunk_id!r}: 'created_at' must be an ISO 8601 time or null, got {value!r}"
        ) from error
