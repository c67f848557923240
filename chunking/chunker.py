"""The chunker: the one place in the code base where chunks are made."""

from __future__ import annotations

import hashlib
import uuid
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from datetime import datetime

from chunking.atoms import Atoms, split_into_atoms
from chunking.config import CHUNKING_VERSION, ChunkingConfig
from chunking.model import Chunk, Conversation
from chunking.packing import pack
from chunking.render import RenderedConversation, render
from chunking.tiers import ChunkTier
from chunking.tokens import Tokenizer, get_tokenizer

__all__ = ["CHUNK_ID_NAMESPACE", "chunk_conversations"]

CHUNK_ID_NAMESPACE = uuid.UUID("6b1f0c52-8f1e-5d59-9a57-2f8b8f7c3e10")
"""UUID namespace of chunk ids (``uuid5`` of conversation, tier, span and version)."""

_NAMESPACE_BYTES = CHUNK_ID_NAMESPACE.bytes
_DEFAULT_CONFIG = ChunkingConfig()


def chunk_conversations(
    conversations: Iterable[Conversation],
    *,
    config: ChunkingConfig = _DEFAULT_CONFIG,
    tokenizer: Tokenizer | None = None,
) -> Iterator[Chunk]:
    """Chunk each conversation into the three tiers, lazily, one conversation at a time.

    For every conversation, yields its ``large`` chunks, then ``medium``, then
    ``small``, each tier in text order. Guarantees, for every chunk ``c`` of a
    conversation whose canonical text is ``text``:

    - ``c.content == text[c.start:c.end]``;
    - ``c.token_count == len(encode_ordinary(c.content))`` (cl100k) and
      ``c.token_count <= config.budget(c.chunk_tier)``, unless the chunk is a
      single grapheme cluster longer than the budget;
    - the chunks of each tier partition ``text`` in order, without gaps or
      overlaps;
    - each ``small`` chunk lies inside exactly one ``medium`` chunk and each
      ``medium`` inside one ``large`` (``parent_id``);
    - the same input gives the same chunks and ids, byte for byte.

    A conversation with no rendered text yields no chunks. Each conversation's
    text is tokenized once; all tiers are derived from that pass.

    Args:
        conversations: any iterable; consumed lazily.
        config: tier budgets.
        tokenizer: cl100k tokenizer (defaults to the shared offline one).

    Example:
        >>> from chunking import Conversation, Message
        >>> conv = Conversation(id="c1", title="Hi", messages=(
        ...     Message(id="m1", role="user", content="I live in Lisbon."),))
        >>> [(c.chunk_tier.value, c.content) for c in chunk_conversations([conv])]
        [('large', 'User: I live in Lisbon.'), ('medium', 'User: I live in Lisbon.'), \
('small', 'User: I live in Lisbon.')]
    """
    tokenizer = tokenizer or get_tokenizer()
    for conversation in conversations:
        rendered = render(conversation)
        if rendered.text:
            yield from _chunk_one(conversation, rendered, config, tokenizer)


def _chunk_one(
    conversation: Conversation,
    rendered: RenderedConversation,
    config: ChunkingConfig,
    tokenizer: Tokenizer,
) -> Iterator[Chunk]:
    atoms = split_into_atoms(
        rendered.text, frozenset(rendered.message_starts), tokenizer, config.small
    )
    large = pack(atoms, 0, len(atoms), config.large)
    medium = _pack_within(atoms, large, config.medium)
    small = _pack_within(atoms, medium, config.small)
    parents: list[int] = []
    parent_ids: list[str] = []
    for tier, runs in (
        (ChunkTier.LARGE, large),
        (ChunkTier.MEDIUM, medium),
        (ChunkTier.SMALL, small),
    ):
        chunks = _make_chunks(conversation, rendered, atoms, tier, runs, parents, parent_ids)
        yield from chunks
        parents, parent_ids = runs, [chunk.id for chunk in chunks]


def _pack_within(atoms: Atoms, parent_runs: list[int], budget: int) -> list[int]:
    """Pack each parent run separately, so that children never cross a parent."""
    runs: list[int] = []
    ends = [*parent_runs[1:], len(atoms)]
    for lo, hi in zip(parent_runs, ends, strict=True):
        runs.extend(pack(atoms, lo, hi, budget))
    return runs


def _make_chunks(
    conversation: Conversation,
    rendered: RenderedConversation,
    atoms: Atoms,
    tier: ChunkTier,
    runs: list[int],
    parent_runs: list[int],
    parent_ids: list[str],
) -> list[Chunk]:
    text, starts, prefix = rendered.text, atoms.starts, atoms.prefix
    message_ids = [message.id for message in rendered.messages]
    ends = [*runs[1:], len(atoms)]
    chunks: list[Chunk] = []
    for index, (lo, hi) in enumerate(zip(runs, ends, strict=True)):
        start, end = starts[lo], starts[hi]
        content = text[start:end]
        first = bisect_right(rendered.message_ends, start)
        last = bisect_left(rendered.message_starts, end)
        parent_id = parent_ids[bisect_right(parent_runs, lo) - 1] if parent_ids else None
        chunk_id = _uuid5(
            f"{conversation.id}\x1f{tier.value}\x1f{start}\x1f{end}\x1f{CHUNKING_VERSION}"
        )
        chunks.append(
            Chunk(
                conversation_id=conversation.id,
                title=conversation.title,
                content=content,
                token_count=prefix[hi] - prefix[lo],
                chunk_index=index,
                total_chunks=len(runs),
                chunk_tier=tier,
                created_at=_created_at(conversation, rendered, first, last),
                id=chunk_id,
                parent_id=parent_id,
                start=start,
                end=end,
                message_ids=tuple(message_ids[first:last]),
                content_hash=hashlib.sha256(content.encode("utf-8")).hexdigest(),
                chunking_version=CHUNKING_VERSION,
            )
        )
    return chunks


def _uuid5(name: str) -> str:
    """``str(uuid.uuid5(CHUNK_ID_NAMESPACE, name))``, without building UUID objects.

    UUID version 5 is SHA-1 of namespace and name with the version nibble set
    to 5 and the variant bits to 10 (RFC 9562, section 5.5).
    """
    digest = hashlib.sha1(_NAMESPACE_BYTES + name.encode("utf-8"), usedforsecurity=False)
    hexed = digest.hexdigest()
    variant = "89ab"[int(hexed[16], 16) & 3]
    return f"{hexed[:8]}-{hexed[8:12]}-5{hexed[13:16]}-{variant}{hexed[17:20]}-{hexed[20:32]}"


def _created_at(
    conversation: Conversation, rendered: RenderedConversation, first: int, last: int
) -> datetime | None:
    """When the chunk's first dated message was written, else the conversation."""
    for message in rendered.messages[first:last]:
        if message.created_at is not None:
            return message.created_at
    return conversation.created_at
