"""Checks a chunk must pass before the store writes anything."""

from __future__ import annotations

import re
from datetime import datetime

from chunking.errors import InvalidChunkError, shown
from chunking.model import Chunk
from chunking.tiers import ChunkTier

__all__ = ["UUID_PATTERN", "validate_chunk", "validate_user_id"]

_TIER_VALUES = frozenset(tier.value for tier in ChunkTier)
UUID_PATTERN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_uuid = UUID_PATTERN.fullmatch
_sha256 = _SHA256.fullmatch
_INT_MAX = 2**31 - 1  # Postgres ``integer``


def validate_user_id(user_id: object) -> str:
    """Return ``user_id`` if it is a non-empty string without NUL, else raise."""
    if not isinstance(user_id, str) or not user_id or "\x00" in user_id:
        raise InvalidChunkError(
            f"user id {shown(user_id)} must be a non-empty string without NUL characters"
        )
    try:
        user_id.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidChunkError(
            f"user id {shown(user_id)} holds a lone surrogate (not valid Unicode; a command "
            "line given bytes that are not UTF-8 makes one); pass the id as UTF-8 text"
        ) from None
    return user_id


def validate_chunk(chunk: Chunk) -> None:
    """Raise ``InvalidChunkError`` unless every field of ``chunk`` fits the schema.

    The dataclass validates on construction, but a store must not trust that:
    objects can be altered after construction or built by other code. Checks
    ids (canonical UUID strings), the tier (a ``chunk_tier_enum`` label), the
    span, counts and version (non-negative ``integer`` values), the content
    hash, and that no text holds a NUL character (Postgres ``text`` cannot).
    """
    if not isinstance(chunk, Chunk):
        raise InvalidChunkError(f"expected a Chunk, got {type(chunk).__name__}")
    if _looks_valid(chunk):
        return
    reason = _problem(chunk) or "a field has a value of an unexpected type"
    raise InvalidChunkError(
        reason,
        chunk_id=getattr(chunk, "id", None),
        conversation_id=getattr(chunk, "conversation_id", None),
    )


def _looks_valid(c: Chunk) -> bool:
    """Every check at once, in one expression: the fast path (an import's hot loop).

    ``_problem`` repeats them one by one to name the first failure.
    """
    try:
        return (
            type(c.id) is str
            and _uuid(c.id) is not None
            and (
                c.parent_id is None or (type(c.parent_id) is str and _uuid(c.parent_id) is not None)
            )
            and c.chunk_tier in _TIER_VALUES
            and type(c.content_hash) is str
            and _sha256(c.content_hash) is not None
            and type(c.conversation_id) is str
            and c.conversation_id != ""
            and "\x00" not in c.conversation_id
            and type(c.title) is str
            and "\x00" not in c.title
            and type(c.content) is str
            and "\x00" not in c.content
            and type(c.message_ids) is tuple
            and "\x00" not in "".join(c.message_ids)
            and (c.created_at is None or isinstance(c.created_at, datetime))
            and type(c.token_count) is int
            and type(c.chunk_index) is int
            and type(c.total_chunks) is int
            and type(c.start) is int
            and type(c.end) is int
            and type(c.chunking_version) is int
            and 0 <= c.token_count <= _INT_MAX
            and 0 <= c.chunk_index < c.total_chunks <= _INT_MAX
            and 0 <= c.start <= c.end <= _INT_MAX
            and 1 <= c.chunking_version <= _INT_MAX
        )
    except TypeError:  # an unhashable tier, a non-string message id...
        return False


def _problem(chunk: Chunk) -> str | None:
    return _id_problem(chunk) or _text_problem(chunk) or _number_problem(chunk)


def _id_problem(chunk: Chunk) -> str | None:
    if not isinstance(chunk.id, str) or not chunk.id:
        return "the chunk id is missing"
    if not UUID_PATTERN.fullmatch(chunk.id):
        return "the chunk id is not a lowercase canonical UUID"
    parent = chunk.parent_id
    if parent is not None and (not isinstance(parent, str) or not UUID_PATTERN.fullmatch(parent)):
        return f"parent_id {parent!r} is not a lowercase canonical UUID"
    tier = chunk.chunk_tier
    if not isinstance(tier, str) or tier not in _TIER_VALUES:
        valid = ", ".join(sorted(_TIER_VALUES))
        return f"tier {tier!r} is not a value of chunk_tier_enum ({valid})"
    if not isinstance(chunk.content_hash, str) or not _SHA256.fullmatch(chunk.content_hash):
        return f"content_hash {chunk.content_hash!r} is not a lowercase SHA-256 hex digest"
    return None


def _text_problem(chunk: Chunk) -> str | None:
    for name in ("conversation_id", "title", "content"):
        value = getattr(chunk, name)
        if not isinstance(value, str) or "\x00" in value:
            return f"{name} must be a string without NUL characters"
    if not chunk.conversation_id:
        return "conversation_id is empty"
    ids = chunk.message_ids
    if not isinstance(ids, tuple) or not all(
        isinstance(one, str) and "\x00" not in one for one in ids
    ):
        return "message_ids must be a tuple of strings without NUL characters"
    if chunk.created_at is not None and not isinstance(chunk.created_at, datetime):
        return f"created_at must be a datetime or None, got {type(chunk.created_at).__name__}"
    return None


def _number_problem(chunk: Chunk) -> str | None:
    for name in ("token_count", "chunk_index", "total_chunks", "start", "end"):
        value = getattr(chunk, name)
        if type(value) is not int or not 0 <= value <= _INT_MAX:
            return f"{name} {value!r} is not an integer in [0, {_INT_MAX}]"
    if chunk.end < chunk.start:
        return f"span [{chunk.start}, {chunk.end}) ends before it starts"
    if chunk.chunk_index >= chunk.total_chunks:
        return f"chunk_index {chunk.chunk_index} is not below total_chunks {chunk.total_chunks}"
    version = chunk.chunking_version
    if type(version) is not int or not 1 <= version <= _INT_MAX:
        return f"chunking_version {version!r} is not a positive integer"
    return None
