"""Small synthetic exports for the store tests."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from chunking import Chunk, Conversation, Message, chunk_conversations
from chunking.config import ChunkingConfig

_TEXT = "the cat sat on a mat while Ana moved to Lisbon and wrote code for data pipelines"
WORDS = _TEXT.split(" ")
CONFIG = ChunkingConfig(small=16, medium=48, large=128)
"""Small budgets, so that short conversations still have several chunks per tier."""


def conversation(conversation_id: str, seed: int, *, messages: int = 6) -> Conversation:
    """A deterministic conversation; a different seed gives different text."""
    rng = random.Random(f"{conversation_id}:{seed}")
    return Conversation(
        id=conversation_id,
        title=f"Conversation {conversation_id}",
        created_at=datetime(2024, 5, 1, tzinfo=UTC),
        messages=tuple(
            Message(
                id=f"{conversation_id}-m{index}",
                role="user" if index % 2 == 0 else "assistant",  # type: ignore[arg-type]
                content=" ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 40))),
            )
            for index in range(messages)
        ),
    )


def export(count: int, *, seed: int = 0, prefix: str = "c") -> list[Conversation]:
    return [conversation(f"{prefix}{index}", seed) for index in range(count)]


def chunked(conversations: list[Conversation]) -> list[Chunk]:
    return list(chunk_conversations(conversations, config=CONFIG))


def by_conversation(chunks: list[Chunk]) -> dict[str, list[Chunk]]:
    """Chunks grouped by conversation, each group in the chunker's order."""
    groups: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        groups.setdefault(chunk.conversation_id, []).append(chunk)
    return groups
