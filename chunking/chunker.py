"""The chunker: the one place in the code base where chunks are made."""

from __future__ import annotations

import hashlib
import uuid
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from datetime import datetime

from chunking.atoms import Atoms, split_into_atoms
from chunking.config import CHUNKING_VERSION, ChunkingConfig
from chunking.model import Chunk, Conversation, _unchecked_chunk
from chunking.packing import Packer
from chunking.render import RenderedConversation, clean_text, render
from chunking.sessions import session_starts
from chunking.tiers import ChunkTier
from chunking.tokens import Tokenizer, get_tokenizer

__all__ = ["CHUNK_ID_NAMESPACE", "chunk_conversations", "tier_runs"]

CHUNK_ID_NAMESPACE = uuid.UUID("6b1f0c52-8f1e-5d59-9a57-2f8b8f7c3e10")
"""UUID namespace of chunk ids (``uuid5`` of conversation, tier, span and version)."""

_NAMESPACE_SHA1 = hashlib.sha1(CHUNK_ID_NAMESPACE.bytes, usedforsecurity=False)
# The variant digit of a UUID given the hex digit it replaces: bits 10 then its two low bits.
_VARIANT_DIGIT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}
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
        config: tier budgets and the session gap.
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
    atoms, large, medium, small = tier_runs(rendered, config, tokenizer)
    messages = _Messages(conversation, rendered)
    parents: list[int] = []
    parent_ids: list[str] = []
    for tier, runs in (
        (ChunkTier.LARGE, large),
        (ChunkTier.MEDIUM, medium),
        (ChunkTier.SMALL, small),
    ):
        chunks = _make_chunks(conversation, messages, atoms, tier, runs, parents, parent_ids)
        yield from chunks
        parents, parent_ids = runs, [chunk.id for chunk in chunks]


def tier_runs(
    rendered: RenderedConversation, config: ChunkingConfig, tokenizer: Tokenizer
) -> tuple[Atoms, list[int], list[int], list[int]]:
    """A rendered conversation's atoms and the first atom of each large, medium and small run.

    Everything that decides where chunks are cut, without making the chunks
    (the chunker's benchmark times it alone).
    """
    sessions = (
        session_starts(rendered.messages, rendered.message_starts, config.session_gap)
        if config.session_gap is not None
        else frozenset()
    )
    atoms = split_into_atoms(
        rendered.text,
        frozenset(rendered.message_starts),
        tokenizer,
        config.small,
        session_starts=sessions,
    )
    packer = Packer(atoms)
    large = packer.pack(0, len(atoms), config.large)
    medium = _pack_within(packer, large, len(atoms), config.medium)
    small = _pack_within(packer, medium, len(atoms), config.small)
    return atoms, large, medium, small


def _pack_within(packer: Packer, parent_runs: list[int], end: int, budget: int) -> list[int]:
    """Pack each parent run separately, so that children never cross a parent."""
    runs: list[int] = []
    for lo, hi in zip(parent_runs, [*parent_runs[1:], end], strict=True):
        runs.extend(packer.pack(lo, hi, budget))
    return runs


def _make_chunks(
    conversation: Conversation,
    messages: _Messages,
    atoms: Atoms,
    tier: ChunkTier,
    runs: list[int],
    parent_runs: list[int],
    parent_ids: list[str],
) -> list[Chunk]:
    text, starts, prefix = messages.text, atoms.starts, atoms.prefix
    message_starts, message_ends, message_ids = messages.starts, messages.ends, messages.ids
    created_at = messages.created_at
    conversation_id, title, total = conversation.id, clean_text(conversation.title), len(runs)
    id_prefix = f"{conversation_id}\x1f{tier.value}\x1f"
    id_suffix = f"\x1f{CHUNKING_VERSION}"
    sha256 = hashlib.sha256
    chunks: list[Chunk] = []
    for index, (lo, hi) in enumerate(zip(runs, [*runs[1:], len(atoms)], strict=True)):
        start, end = starts[lo], starts[hi]
        content = text[start:end]
        first = bisect_right(message_ends, start)
        last = bisect_left(message_starts, end)
        parent_id = parent_ids[bisect_right(parent_runs, lo) - 1] if parent_ids else None
        chunks.append(
            _unchecked_chunk(  # the Chunk fields, in order
                conversation_id,
                title,
                content,
                prefix[hi] - prefix[lo],
                index,
                total,
                tier,
                created_at(first, last),
                _uuid5(f"{id_prefix}{start}\x1f{end}{id_suffix}"),
                parent_id,
                start,
                end,
                message_ids[first:last],
                sha256(content.encode("utf-8")).hexdigest(),
                CHUNKING_VERSION,
            )
        )
    return chunks


def _uuid5(name: str) -> str:
    """``str(uuid.uuid5(CHUNK_ID_NAMESPACE, name))``, without building UUID objects.

    UUID version 5 is SHA-1 of namespace and name with the version nibble set
    to 5 and the variant bits to 10 (RFC 9562, section 5.5).
    """
    digest = _NAMESPACE_SHA1.copy()  # copying is cheaper than a new OpenSSL context
    digest.update(name.encode("utf-8"))
    hexed = digest.hexdigest()
    variant = _VARIANT_DIGIT[hexed[16]]  # a lookup: parsing the digit with int() costs more
    return f"{hexed[:8]}-{hexed[8:12]}-5{hexed[13:16]}-{variant}{hexed[17:20]}-{hexed[20:32]}"


class _Messages:
    """A rendered conversation's messages, indexed for the chunks of all three tiers.

    ``dated`` lists the indexes of the messages that have a date, so that each
    chunk finds its date by bisection instead of scanning its messages.
    """

    __slots__ = ("_dated", "_default", "_messages", "ends", "ids", "starts", "text")

    def __init__(self, conversation: Conversation, rendered: RenderedConversation) -> None:
        self.text, self.starts, self.ends = (
            rendered.text,
            rendered.message_starts,
            rendered.message_ends,
        )
        messages = self._messages = rendered.messages
        self.ids = tuple([message.id for message in messages])
        self._dated = [i for i, message in enumerate(messages) if message.created_at is not None]
        self._default = conversation.created_at

    def created_at(self, first: int, last: int) -> datetime | None:
        """When the first dated message of ``first..last-1`` was written, else the conversation."""
        dated = self._dated
        position = bisect_left(dated, first)
        if position < len(dated) and dated[position] < last:
            return self._messages[dated[position]].created_at
        return self._default
