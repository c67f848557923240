"""Chunkers under evaluation: each turns conversations into chunks the retrievers search.

``CHUNKERS`` maps a name to a function ``(conversations) -> list[Chunk]``.
Peer chunkers (added later) register here and produce :class:`chunking.Chunk`
objects with the same offsets contract, so every retriever and metric applies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from chunking import Chunk, Conversation, chunk_conversations

__all__ = ["CHUNKERS", "Chunker", "tiers"]

Chunker = Callable[[Iterable[Conversation]], list[Chunk]]


def tiers(conversations: Iterable[Conversation]) -> list[Chunk]:
    """This project's three-tier chunks (default budgets)."""
    return list(chunk_conversations(conversations))


CHUNKERS: dict[str, Chunker] = {"tiers": tiers}
