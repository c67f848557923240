"""The plain format: conversations with flat message lists.

::

    [{"id": "c1", "title": "Trip", "create_time": 1714000000,
      "messages": [{"role": "user", "content": "..."}, ...]}]

The same objects may come one per line (JSON Lines), or wrapped as
``{"conversations": [...]}``; files may be gzip-compressed. ``create_time``
(Unix seconds or ISO 8601) and a message ``id`` are optional; a message
without an id gets ``"<conversation id>:<index>"``.
"""

from __future__ import annotations

from typing import Any

from chunking.errors import InvalidMessageError
from chunking.formats.reader import Location, Parsed, ReadOptions, locate_conversation
from chunking.formats.values import label, parse_time
from chunking.model import Conversation, Message

__all__ = ["read_conversation"]


def read_conversation(item: Any, *, index: int, path: str, options: ReadOptions) -> Parsed:
    """Read one plain-format conversation object.

    Raises:
        MalformedExportError: a missing or mistyped field, naming where.
    """
    del options  # the plain format has nothing hidden
    item, where = locate_conversation(item, path=path, index=index, id_keys=("id",))
    messages = item.get("messages")
    if not isinstance(messages, list):
        raise where.error(
            "field 'messages' must be a list of {role, content} objects", kind="missing messages"
        )
    kept = tuple(_message(message, position, where) for position, message in enumerate(messages))
    try:
        conversation = Conversation(
            id=str(where.conversation_id),
            title=item["title"] if isinstance(item.get("title"), str) else "",
            messages=kept,
            created_at=parse_time(item.get("create_time")),
        )
    except InvalidMessageError as error:
        raise where.error(str(error), kind="invalid message") from error
    return Parsed((conversation,))


def _message(message: Any, position: int, where: Location) -> Message:
    node = f"message #{position}"
    if not isinstance(message, dict):
        raise where.error(
            f"expected an object, got {type(message).__name__}", kind="wrong type", node_id=node
        )
    raw_id = message.get("id")
    message_id = str(raw_id) if isinstance(raw_id, str | int) and raw_id != "" else None
    content = message.get("content")
    if not isinstance(content, str):
        raise where.error(
            "a message needs its text as a string in 'content'"
            + (" (missing)" if content is None else f", got {type(content).__name__}"),
            kind="wrong type",
            node_id=message_id or node,
        )
    try:
        return Message(
            id=message_id or f"{where.conversation_id}:{position}",
            role=message.get("role"),  # type: ignore[arg-type]  # Message validates it
            content=content,
            name=label(message.get("name")),
            created_at=parse_time(message.get("create_time")),
        )
    except InvalidMessageError as error:
        raise where.error(str(error), kind="invalid message", node_id=message_id or node) from error
