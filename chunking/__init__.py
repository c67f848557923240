"""Canonical multi-tier chunking of exported chat histories.

One chunker (:func:`chunk_conversations`) turns canonical conversations into
``small``, ``medium`` and ``large`` chunks whose tier values are exactly the
production enum ``chunk_tier_enum``.
"""

from chunking.chunker import chunk_conversations
from chunking.config import CHUNKING_VERSION, ChunkingConfig
from chunking.jsonl import read_chunks, write_chunks
from chunking.model import Chunk, Conversation, Message, Role
from chunking.render import conversation_text
from chunking.tiers import ChunkTier

__all__ = [
    "CHUNKING_VERSION",
    "Chunk",
    "ChunkTier",
    "ChunkingConfig",
    "Conversation",
    "Message",
    "Role",
    "chunk_conversations",
    "conversation_text",
    "read_chunks",
    "write_chunks",
]
