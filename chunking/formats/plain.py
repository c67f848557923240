"""The plain format: a JSON list of conversations with flat message lists.

::

    [{"id": "c1", "title": "Trip", "create_time": 1714000000,
      "messages": [{"role": "user", "content": "..."}, ...]}]

``create_time`` (Unix seconds or ISO 8601) and a message ``id`` are optional;
a message without an id gets ``"<conversation id>:<index>"``. The file may be
gzip-compressed (``.gz``).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chunking.errors import InvalidMessageError, MalformedExportError
from chunking.model import Conversation, Message

__all__ = ["parse_conversation", "read"]


def read(path: Path) -> Iterator[Conversation]:
    """Yield the conversations of a plain export file."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as file:
            data = json.load(file)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, EOFError) as error:
        raise MalformedExportError(
            f"not a readable JSON file ({error}); expected a JSON list of conversations",
            path=str(path),
        ) from error
    if not isinstance(data, list):
        raise MalformedExportError(
            f"top level is a {type(data).__name__}; expected a JSON list of conversations",
            path=str(path),
        )
    for index, item in enumerate(data):
        yield parse_conversation(item, index=index, path=str(path))


def parse_conversation(item: Any, *, index: int, path: str | None = None) -> Conversation:
    """Build a :class:`Conversation` from one plain-format object.

    Raises:
        MalformedExportError: a missing or mistyped field, naming where.
    """
    if not isinstance(item, dict):
        raise MalformedExportError(
            f"conversation #{index} is a {type(item).__name__}; expected an object", path=path
        )
    conversation_id = str(item.get("id") or f"conversation-{index}")
    messages = item.get("messages")
    if not isinstance(messages, list):
        raise MalformedExportError(
            "field 'messages' must be a list of {role, content} objects",
            path=path,
            conversation_id=conversation_id,
        )
    try:
        return Conversation(
            id=conversation_id,
            title=str(item.get("title") or ""),
            messages=tuple(
                _parse_message(message, conversation_id, position, path)
                for position, message in enumerate(messages)
            ),
            created_at=_parse_time(item.get("create_time")),
        )
    except InvalidMessageError as error:
        raise MalformedExportError(
            str(error), path=path, conversation_id=conversation_id
        ) from error


def _parse_message(message: Any, conversation_id: str, position: int, path: str | None) -> Message:
    node = f"message #{position}"
    if not isinstance(message, dict):
        raise MalformedExportError(
            f"expected an object, got {type(message).__name__}",
            path=path,
            conversation_id=conversation_id,
            node_id=node,
        )
    content = message.get("content")
    if not isinstance(content, str):
        raise MalformedExportError(
            "a message needs its text as a string in 'content'"
            + (" (missing)" if content is None else f", got {type(content).__name__}"),
            path=path,
            conversation_id=conversation_id,
            node_id=str(message.get("id") or node),
        )
    return Message(
        id=str(message.get("id") or f"{conversation_id}:{position}"),
        role=message.get("role"),  # type: ignore[arg-type]  # Message validates it
        content=content,
        name=message.get("name"),
        created_at=_parse_time(message.get("create_time")),
    )


def _parse_time(value: Any) -> datetime | None:
    """Unix seconds or an ISO 8601 string as an aware datetime; else ``None``."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None
