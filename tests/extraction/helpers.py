"""Building extraction items from conversations, for tests."""

from __future__ import annotations

from collections.abc import Iterable

from chunking import chunk_conversations
from chunking.formats import load_export
from chunking.model import Conversation
from chunking.render import render
from chunking.tiers import ChunkTier
from extraction.items import ExtractionItem, item_from_chunk
from tests.extraction.conftest import SAMPLE_EXPORT


def items_of(
    conversations: Iterable[Conversation], tiers: tuple[ChunkTier, ...] = tuple(ChunkTier)
) -> list[ExtractionItem]:
    items = []
    for conversation in conversations:
        rendered = render(conversation)
        for chunk in chunk_conversations([conversation]):
            if chunk.chunk_tier in tiers:
                items.append(item_from_chunk(chunk, rendered))
    return items


def sample_items(tiers: tuple[ChunkTier, ...] = tuple(ChunkTier)) -> list[ExtractionItem]:
    return items_of(load_export(SAMPLE_EXPORT), tiers)


def fake_items(count: int) -> list[ExtractionItem]:
    """``count`` distinct one-turn medium items."""
    from extraction.items import Turn

    return [
        ExtractionItem(
            chunk_id=f"chunk-{index}",
            conversation_id=f"conv-{index // 10}",
            tier=ChunkTier.MEDIUM,
            content_hash=f"hash-{index}",
            token_count=50,
            date=None,
            message_ids=(f"m-{index}",),
            turns=(Turn("user", f"m-{index}", f"I have a cat called Cat{index}."),),
        )
        for index in range(count)
    ]
