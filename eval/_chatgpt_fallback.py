"""TEMPORARY adapter: read ChatGPT ``conversations.json`` until ``chunking.formats`` can.

Delete this module (and its one caller in ``eval.dataset``) once the
``"chatgpt"`` reader lands in ``chunking.formats.FORMATS``; it is used only
while that key is missing. It is deliberately minimal: it walks the active
branch (from ``current_node`` up through ``parent``) and keeps the visible text
messages of the user and the assistant. Hidden nodes, system nodes, tool
calls and tool output, and abandoned branches are left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chunking import Conversation, Message
from eval.errors import DatasetError

__all__ = ["read"]


def read(path: Path) -> Iterator[Conversation]:
    """Yield the conversations of a ChatGPT ``conversations.json``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise DatasetError(f"{path}: not a readable JSON export ({error})") from error
    if not isinstance(data, list):
        raise DatasetError(f"{path}: expected a JSON list of conversations")
    for item in data:
        yield _conversation(item)


def _conversation(item: dict[str, Any]) -> Conversation:
    mapping: dict[str, Any] = item["mapping"]
    path: list[dict[str, Any]] = []
    node_id: str | None = item.get("current_node")
    while node_id is not None:
        node = mapping[node_id]
        if node.get("message"):
            path.append(node["message"])
        node_id = node.get("parent")
    messages = [_message(m) for m in reversed(path) if _visible(m)]
    created = item.get("create_time")
    return Conversation(
        id=str(item.get("conversation_id") or item["id"]),
        title=str(item.get("title") or ""),
        messages=tuple(messages),
        created_at=datetime.fromtimestamp(created, tz=UTC) if created else None,
    )


def _visible(message: dict[str, Any]) -> bool:
    content = message.get("content") or {}
    return (
        message["author"]["role"] in {"user", "assistant"}
        and content.get("content_type") == "text"
        and message.get("recipient", "all") == "all"
        and not (message.get("metadata") or {}).get("is_visually_hidden_from_conversation")
    )


def _message(message: dict[str, Any]) -> Message:
    parts = message["content"].get("parts") or []
    created = message.get("create_time")
    return Message(
        id=str(message["id"]),
        role=message["author"]["role"],
        content="\n".join(part for part in parts if isinstance(part, str)),
        created_at=datetime.fromtimestamp(created, tz=UTC) if created else None,
    )
