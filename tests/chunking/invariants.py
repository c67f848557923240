"""Checks of every chunk invariant, shared by the property and example tests."""

from __future__ import annotations

import hashlib
import itertools
import uuid
from collections import defaultdict

import regex

from chunking import CHUNKING_VERSION, Chunk, ChunkingConfig, ChunkTier, Conversation
from chunking.chunker import CHUNK_ID_NAMESPACE
from chunking.render import render
from chunking.tokens import get_tokenizer


def grapheme_boundaries(text: str) -> set[int]:
    return {match.end() for match in regex.finditer(r"\X", text)} | {0}


def check_chunks(conversation: Conversation, chunks: list[Chunk], config: ChunkingConfig) -> None:
    """Assert every documented invariant of ``chunks`` made from ``conversation``."""
    encoding = get_tokenizer().encoding
    rendered = render(conversation)
    text = rendered.text
    if not text:
        assert chunks == []
        return
    by_tier: dict[ChunkTier, list[Chunk]] = defaultdict(list)
    for chunk in chunks:
        by_tier[chunk.chunk_tier].append(chunk)
    assert set(by_tier) == set(ChunkTier)
    by_id = {chunk.id: chunk for chunk in chunks}
    assert len(by_id) == len(chunks), "chunk ids are unique"
    graphemes = grapheme_boundaries(text)
    for tier, tier_chunks in by_tier.items():
        # A partition of the text, in order.
        assert [c.chunk_index for c in tier_chunks] == list(range(len(tier_chunks)))
        assert {c.total_chunks for c in tier_chunks} == {len(tier_chunks)}
        assert tier_chunks[0].start == 0
        assert tier_chunks[-1].end == len(text)
        for before, after in itertools.pairwise(tier_chunks):
            assert before.end == after.start
        for chunk in tier_chunks:
            check_chunk(chunk, conversation, text, config, graphemes, encoding)
            check_messages(chunk, rendered)
            parent_tier = tier.parent
            if parent_tier is None:
                assert chunk.parent_id is None
            else:
                parent = by_id[chunk.parent_id or ""]
                assert parent.chunk_tier is parent_tier
                assert parent.start <= chunk.start < chunk.end <= parent.end
                assert parent.conversation_id == chunk.conversation_id


def check_chunk(chunk, conversation, text, config, graphemes, encoding) -> None:  # type: ignore[no-untyped-def]
    assert chunk.conversation_id == conversation.id
    assert chunk.title == conversation.title
    assert chunk.content == text[chunk.start : chunk.end]
    assert chunk.start < chunk.end, "no empty chunk"
    assert chunk.token_count == len(encoding.encode_ordinary(chunk.content))
    within_budget = chunk.token_count <= config.budget(chunk.chunk_tier)
    single_grapheme = len(regex.findall(r"\X", chunk.content)) == 1
    assert within_budget or single_grapheme, (chunk.chunk_tier, chunk.token_count)
    assert chunk.start in graphemes or single_grapheme
    assert chunk.content_hash == hashlib.sha256(chunk.content.encode()).hexdigest()
    assert chunk.chunking_version == CHUNKING_VERSION
    name = f"{conversation.id}\x1f{chunk.chunk_tier.value}\x1f{chunk.start}\x1f{chunk.end}"
    expected_id = uuid.uuid5(CHUNK_ID_NAMESPACE, f"{name}\x1f{CHUNKING_VERSION}")
    assert chunk.id == str(expected_id)


def check_messages(chunk: Chunk, rendered) -> None:  # type: ignore[no-untyped-def]
    """The chunk names exactly the rendered messages its span overlaps."""
    expected = tuple(
        message.id
        for message, start, end in zip(
            rendered.messages, rendered.message_starts, rendered.message_ends, strict=True
        )
        if start < chunk.end and end > chunk.start
    )
    assert chunk.message_ids == expected
