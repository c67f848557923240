"""The contract between :func:`~chunking.formats.load_export` and each format's reader.

A reader turns one raw conversation (the JSON value as parsed, not yet
trusted) into canonical :class:`~chunking.model.Conversation` objects and says
which messages it dropped and why. Readers are pure: no I/O, no logging.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

from chunking.errors import ConfigError, MalformedExportError
from chunking.formats.guard import (
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_STRING_BYTES,
    MIN_MAX_STRING_BYTES,
)
from chunking.formats.sources import Decompression
from chunking.formats.values import conversation_id
from chunking.model import Conversation

__all__ = ["Location", "Parsed", "ReadOptions", "Reader", "locate_conversation"]


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """What a reader keeps beyond the visible conversation.

    Attributes:
        keep_hidden: keep messages the export marks hidden and tool calls
            addressed to a tool rather than the user (dropped by default).
        abandoned_branches: also yield each abandoned branch of a ChatGPT
            conversation (an edit or a regeneration the user moved away from)
            as its own conversation, with id ``"<id>:branch:<leaf node id>"``
            and the messages from the root to that leaf.
        thinking: keep the model's reasoning (ChatGPT ``thoughts`` and
            ``reasoning_recap`` messages, Claude ``thinking`` blocks).
        max_message_chars: a longer message is cut to this many characters,
            ending with a marker that says how many were cut (``None``: no
            limit). The default, 500,000 characters (about 125,000 tokens),
            is reached only by a paste: a log, a file, an encoded image.
        max_conversation_chars: a conversation keeps its messages, in order,
            while their text stays within this many characters; the rest are
            left out and counted as dropped (``None``: no limit).
        max_depth: JSON nesting levels allowed before a file is refused as
            not an export (an export nests about ten; the parser's memory
            grows with the square of the depth).
        max_string_bytes: a JSON string longer than this many bytes (at
            least 512 KiB) is cut there before it is parsed, and ends with
            ``[cut: ...]``: the parser holds a string several times over
            while it builds it. The default, 6 MiB, holds 500,000 characters
            however they are written (UTF-8, or escapes of surrogate pairs at
            12 bytes each), so it cuts only what ``max_message_chars`` cuts.
        decompression: how far a zip member or a gzip file may grow
            (a guard against decompression bombs).

    Raises:
        ConfigError: a limit below 1.
    """

    keep_hidden: bool = False
    abandoned_branches: bool = False
    thinking: bool = True
    max_message_chars: int | None = 500_000
    max_conversation_chars: int | None = 4_000_000
    max_depth: int = DEFAULT_MAX_DEPTH
    max_string_bytes: int = DEFAULT_MAX_STRING_BYTES
    decompression: Decompression = field(default_factory=Decompression)

    def __post_init__(self) -> None:
        for name, what in (
            ("max_message_chars", "characters >= 1 or None"),
            ("max_conversation_chars", "characters >= 1 or None"),
            ("max_depth", "levels >= 1"),
            ("max_string_bytes", f"bytes >= {MIN_MAX_STRING_BYTES:,}"),
        ):
            value = getattr(self, name)
            if value is None and name in ("max_message_chars", "max_conversation_chars"):
                continue
            least = MIN_MAX_STRING_BYTES if name == "max_string_bytes" else 1
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise ConfigError(
                    f"ReadOptions.{name} must be a whole number of {what}, got {value!r}"
                )


@dataclass(frozen=True, slots=True)
class Parsed:
    """What a reader made of one raw conversation.

    Attributes:
        conversations: usually one; more with ``abandoned_branches``.
        dropped: messages left out, by reason (e.g. ``"hidden"``).
        placeholders: content the reader could only represent by a short
            placeholder such as ``[image]``, by content type.
    """

    conversations: tuple[Conversation, ...]
    dropped: Counter[str] = field(default_factory=Counter)
    placeholders: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True, slots=True)
class Location:
    """Where a reader is, so that its errors name the file and the conversation."""

    path: str | None
    conversation_id: str | None = None

    def error(self, reason: str, *, kind: str, node_id: str | None = None) -> MalformedExportError:
        """A :class:`MalformedExportError` located here (the caller raises it)."""
        return MalformedExportError(
            reason,
            path=self.path,
            conversation_id=self.conversation_id,
            node_id=node_id,
            kind=kind,
        )


class Reader(Protocol):
    """Reads one raw conversation of one format.

    Raises:
        MalformedExportError: the conversation cannot be read; names the file,
            the conversation and, where there is one, the node.
    """

    def __call__(self, item: Any, *, index: int, path: str, options: ReadOptions) -> Parsed: ...


def locate_conversation(
    item: Any, *, path: str, index: int, id_keys: tuple[str, ...]
) -> tuple[dict[str, Any], Location]:
    """``item`` checked to be an object, and the location naming its id (see ``conversation_id``).

    Raises:
        MalformedExportError: ``item`` is not a JSON object (kind ``"wrong type"``).
    """
    if not isinstance(item, dict):
        raise Location(path).error(
            f"conversation #{index} is a {type(item).__name__}; expected an object",
            kind="wrong type",
        )
    return item, Location(path, conversation_id(item, id_keys, index=index))
