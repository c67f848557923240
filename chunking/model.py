"""The canonical model: every export format is parsed into these types."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from chunking.errors import InvalidMessageError, shown
from chunking.tiers import ChunkTier

__all__ = ["Chunk", "Conversation", "Message", "Role"]


class Role(StrEnum):
    """Who wrote a message."""

    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"
    TOOL = "tool"


# Reading an enum member's ``value`` is a descriptor call; rendering reads a label per message.
_ROLE_LABELS = {role: role.value.capitalize() for role in Role}


def _check_date(value: object, owner: str) -> None:
    if value is not None and not isinstance(value, datetime):
        raise InvalidMessageError(
            f"{owner}: created_at must be a datetime or None, got {type(value).__name__} "
            f"{shown(value)}; parse it first (the readers do)"
        )


def _check_unicode(value: str, what: str) -> None:
    """Refuse an id holding a lone surrogate: no database or UTF-8 file can store it."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidMessageError(
            f"{what} {shown(value)} holds a lone surrogate (not valid Unicode); an id must be "
            "storable as UTF-8. The export readers never produce one"
        ) from None


@dataclass(frozen=True, slots=True)
class Message:
    """One message of a conversation.

    Attributes:
        id: unique within its conversation; chunks refer to messages by it.
        role: who wrote it.
        content: the text; may be empty (an empty message is not rendered).
        name: the speaker's label in the rendered text (defaults to the role).
        created_at: when it was written, if the export says.
    """

    id: str
    role: Role
    content: str
    name: str | None = None
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise InvalidMessageError(
                f"message id must be a non-empty string, got {shown(self.id)}"
            )
        _check_unicode(self.id, "message id")
        if not isinstance(self.content, str):
            raise InvalidMessageError(
                f"message {shown(self.id)}: content must be a string, "
                f"got {type(self.content).__name__}"
            )
        try:
            object.__setattr__(self, "role", Role(self.role))
        except ValueError:
            valid = ", ".join(role.value for role in Role)
            raise InvalidMessageError(
                f"message {shown(self.id)}: role {shown(self.role)} is not one of {valid}"
            ) from None
        _check_date(self.created_at, f"message {shown(self.id)}")
        if self.name is not None and not isinstance(self.name, str):
            raise InvalidMessageError(
                f"message {shown(self.id)}: name must be a string or None, got "
                f"{type(self.name).__name__}"
            )
        if self.name is not None and (not self.name.strip() or self.name != self.name.strip()):
            raise InvalidMessageError(
                f"message {shown(self.id)}: name {shown(self.name)} must be non-empty, without "
                "surrounding whitespace"
            )

    @property
    def label(self) -> str:
        """The speaker label used in the rendered conversation."""
        return self.name or _ROLE_LABELS[self.role]


@dataclass(frozen=True, slots=True)
class Conversation:
    """A conversation: an id, a title and its messages in order."""

    id: str
    title: str
    messages: tuple[Message, ...] = field(default_factory=tuple)
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise InvalidMessageError(
                f"conversation id must be a non-empty string, got {shown(self.id)}"
            )
        _check_unicode(self.id, "conversation id")
        if not isinstance(self.title, str):
            raise InvalidMessageError(
                f"conversation {shown(self.id)}: title must be a string (may be empty), got "
                f"{type(self.title).__name__}"
            )
        _check_date(self.created_at, f"conversation {shown(self.id)}")
        object.__setattr__(self, "messages", tuple(self.messages))
        seen: set[str] = set()
        for message in self.messages:
            if not isinstance(message, Message):
                raise InvalidMessageError(
                    f"conversation {shown(self.id)}: expected Message objects, got "
                    f"{type(message).__name__}"
                )
            if message.id in seen:
                raise InvalidMessageError(
                    f"conversation {shown(self.id)}: message id {shown(message.id)} appears twice; "
                    "message ids must be unique within a conversation"
                )
            seen.add(message.id)


@dataclass(frozen=True, slots=True)
class Chunk:
    """A span of a conversation's canonical text at one tier.

    Invariants (checked by the test suite, established by the chunker):
    ``content == conversation_text(conversation)[start:end]``,
    ``token_count == len(encode_ordinary(content))`` under cl100k, and
    ``token_count`` is within the tier's budget.

    The first eight fields are the production ``conversation_chunks`` row;
    the rest make chunks traceable and re-chunking safe.
    """

    conversation_id: str
    title: str
    content: str
    token_count: int
    chunk_index: int
    total_chunks: int
    chunk_tier: ChunkTier
    created_at: datetime | None
    id: str
    parent_id: str | None
    start: int
    end: int
    message_ids: tuple[str, ...]
    content_hash: str
    chunking_version: int

    def __post_init__(self) -> None:
        if type(self.chunk_tier) is not ChunkTier:
            object.__setattr__(self, "chunk_tier", ChunkTier.parse(self.chunk_tier))
        if not 0 <= self.start <= self.end:
            raise InvalidMessageError(
                f"chunk {shown(self.id)}: span [{self.start}, {self.end}) is not a valid span"
            )
        if not self.id:
            raise InvalidMessageError("chunk id must be a non-empty string")


class _WritableChunk:
    """``Chunk``'s exact slot layout without its frozen ``__setattr__``.

    Python lets an object change ``__class__`` between classes whose slots are
    the same, so the chunker fills one of these with plain attribute stores and
    then makes it a ``Chunk``: a third of the cost of calling each slot's
    descriptor, and a sixth of the generated frozen ``__init__``.
    """

    __slots__ = Chunk.__slots__


_new_object = object.__new__


def _unchecked_chunk(
    conversation_id: str,
    title: str,
    content: str,
    token_count: int,
    chunk_index: int,
    total_chunks: int,
    chunk_tier: ChunkTier,
    created_at: datetime | None,
    id: str,  # noqa: A002 - the field's name
    parent_id: str | None,
    start: int,
    end: int,
    message_ids: tuple[str, ...],
    content_hash: str,
    chunking_version: int,
) -> Chunk:
    """``Chunk(...)`` of the same arguments, without ``__post_init__``'s checks.

    Only for the chunker, whose chunks satisfy every check by construction
    (a ``ChunkTier``, a valid span, a non-empty id). The result is an
    ordinary, immutable ``Chunk``, equal to ``Chunk(...)`` of the same values.
    """
    chunk: Any = _new_object(_WritableChunk)
    chunk.conversation_id = conversation_id
    chunk.title = title
    chunk.content = content
    chunk.token_count = token_count
    chunk.chunk_index = chunk_index
    chunk.total_chunks = total_chunks
    chunk.chunk_tier = chunk_tier
    chunk.created_at = created_at
    chunk.id = id
    chunk.parent_id = parent_id
    chunk.start = start
    chunk.end = end
    chunk.message_ids = message_ids
    chunk.content_hash = content_hash
    chunk.chunking_version = chunking_version
    chunk.__class__ = Chunk
    return chunk  # type: ignore[no-any-return]
