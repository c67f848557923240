import dataclasses

import pytest

from chunking import (
    Chunk,
    ChunkingConfig,
    ChunkTier,
    Conversation,
    Message,
    Role,
    chunk_conversations,
)
from chunking.errors import ConfigError, InvalidMessageError, InvalidTierError


def test_default_budgets_nest():
    config = ChunkingConfig()
    assert config.small < config.medium < config.large
    assert [config.budget(tier) for tier in ChunkTier] == [96, 512, 2048]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"small": 0}, "small budget must be a positive"),
        ({"medium": -5}, "medium budget must be a positive"),
        ({"large": 1.5}, "large budget must be a positive"),
        ({"small": True}, "small budget must be a positive"),
        ({"medium": 4096}, "small <= medium <= large"),
        ({"small": 600}, "small <= medium <= large"),
    ],
)
def test_bad_budgets_are_rejected_with_a_reason(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        ChunkingConfig(**kwargs)


def test_options_are_keyword_only():
    with pytest.raises(TypeError):
        ChunkingConfig(64, 256, 1024)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"id": "", "role": "user", "content": "x"}, "message id must be"),
        ({"id": "m", "role": "robot", "content": "x"}, "role 'robot' is not one of"),
        ({"id": "m", "role": "user", "content": None}, "content must be a string"),
        ({"id": "m", "role": "user", "content": "x", "name": " Ana"}, "surrounding whitespace"),
        ({"id": "m", "role": "user", "content": "x", "name": 5}, "name must be a string"),
        (
            {"id": "m", "role": "user", "content": "x", "created_at": "2024-01-01"},
            "created_at must be a datetime or None, got str",
        ),
    ],
)
def test_invalid_messages_are_rejected(kwargs, message):
    with pytest.raises(InvalidMessageError, match=message):
        Message(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"id": "c", "title": None}, "title must be a string"),
        ({"id": "c", "title": "", "created_at": 1700000000}, "created_at must be a datetime"),
    ],
)
def test_invalid_conversations_are_rejected(kwargs, message):
    with pytest.raises(InvalidMessageError, match=message):
        Conversation(**kwargs)


def test_roles_are_coerced_to_the_enum():
    assert Message(id="m", role="assistant", content="x").role is Role.ASSISTANT  # type: ignore[arg-type]


def test_duplicate_message_ids_are_rejected():
    message = Message(id="m", role=Role.USER, content="x")
    with pytest.raises(InvalidMessageError, match="appears twice"):
        Conversation(id="c", title="", messages=(message, message))


def _chunk(**overrides):
    fields = {
        "conversation_id": "c", "title": "", "content": "x", "token_count": 1,
        "chunk_index": 0, "total_chunks": 1, "chunk_tier": "small", "created_at": None,
        "id": "i", "parent_id": None, "start": 0, "end": 1, "message_ids": (),
        "content_hash": "h", "chunking_version": 3,
    }  # fmt: skip
    return Chunk(**(fields | overrides))


def test_chunk_tier_outside_the_enum_is_rejected():
    assert _chunk().chunk_tier is ChunkTier.SMALL
    with pytest.raises(InvalidTierError):
        _chunk(chunk_tier="tiny")


def test_negative_or_reversed_spans_are_rejected():
    with pytest.raises(InvalidMessageError, match="not a valid span"):
        _chunk(start=-1)
    with pytest.raises(InvalidMessageError, match="not a valid span"):
        _chunk(start=5, end=2)


def test_chunks_made_by_the_chunker_equal_validated_chunks_and_are_frozen():
    """The chunker skips ``__post_init__``; its chunks must be what validation would give."""
    conversation = Conversation(
        id="c",
        title="t",
        messages=(
            Message(id="m1", role=Role.USER, content="I live in Lisbon. " * 40),
            Message(id="m2", role=Role.ASSISTANT, content="Nice!\n\nA cat?"),
        ),
    )
    chunks = list(chunk_conversations([conversation], config=ChunkingConfig(small=8, medium=30)))
    assert len(chunks) > 3
    for chunk in chunks:
        validated = Chunk(**{f.name: getattr(chunk, f.name) for f in dataclasses.fields(Chunk)})
        assert type(chunk) is Chunk
        assert validated == chunk
        assert hash(validated) == hash(chunk)
        assert type(chunk.chunk_tier) is ChunkTier
        with pytest.raises(dataclasses.FrozenInstanceError):
            chunk.content = "changed"  # type: ignore[misc]
