"""Chunks as JSON objects (one per line in the CLI's output)."""

from __future__ import annotations

from typing import Any

from chunking.model import Chunk

__all__ = ["chunk_to_dict"]


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
