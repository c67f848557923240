"""Hand-made chunks for the eval tests."""

from __future__ import annotations

from chunking import CHUNKING_VERSION, Chunk, ChunkTier


def chunk(
    ident: str,
    *,
    messages: tuple[str, ...] = (),
    conversation: str = "c",
    start: int = 0,
    end: int = 10,
    tier: str = "small",
    tokens: int = 10,
    content: str | None = None,
    parent: str | None = None,
    version: int = CHUNKING_VERSION,
) -> Chunk:
    text = content if content is not None else f"text of {ident}"
    return Chunk(
        conversation_id=conversation,
        title="",
        content=text,
        token_count=tokens,
        chunk_index=0,
        total_chunks=1,
        chunk_tier=ChunkTier(tier),
        created_at=None,
        id=ident,
        parent_id=parent,
        start=start,
        end=end,
        message_ids=messages,
        content_hash=str(hash(text)),
        chunking_version=version,
    )
