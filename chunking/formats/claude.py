"""The Claude export format (``conversations.json`` from claude.ai).

Each conversation is ``{"uuid", "name", "created_at", "chat_messages": [...]}``;
each message ``{"uuid", "sender": "human" | "assistant", "content": [blocks],
"text", "attachments", "files"}``. The text is read from the content blocks,
not from the flat ``text`` field (which runs the model's thinking into its
answer); ``text`` is the fallback for old exports without blocks. Blocks:

- ``text``: as is; ``thinking``: prefixed ``[thinking]`` (dropped when
  ``thinking=False``); ``tool_use``: ``[tool call: name] {input as JSON}``;
  ``tool_result``: ``[tool result]`` (or ``[tool error]``) and its text;
- anything else, and media inside tool results: a placeholder, counted.

A message made only of tool results has the role ``tool``. Attachments'
extracted text is kept, prefixed ``[attachment: file name]``.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from chunking.errors import InvalidMessageError, shown
from chunking.formats.reader import Location, Parsed, ReadOptions, locate_conversation
from chunking.formats.values import parse_time, text
from chunking.model import Conversation, Message, Role

__all__ = ["read_conversation"]

_SENDERS = {"human": Role.USER, "user": Role.USER, "assistant": Role.ASSISTANT}


def read_conversation(item: Any, *, index: int, path: str, options: ReadOptions) -> Parsed:
    """Read one Claude conversation object.

    Raises:
        MalformedExportError: ``chat_messages`` missing or not a list, a
            message that is not an object, or an unknown ``sender``.
    """
    item, where = locate_conversation(item, path=path, index=index, id_keys=("uuid", "id"))
    chat = item.get("chat_messages")
    if not isinstance(chat, list):
        raise where.error(
            f"'chat_messages' is {type(chat).__name__}; expected a list of messages",
            kind="missing messages",
        )
    dropped: Counter[str] = Counter()
    placeholders: Counter[str] = Counter()
    messages = []
    for position, raw in enumerate(chat):
        message = _message(raw, position, where, options, placeholders)
        if message is None:
            dropped["empty"] += 1
        else:
            messages.append(message)
    title = item.get("name")
    try:
        conversation = Conversation(
            id=str(where.conversation_id),
            title=title if isinstance(title, str) else "",
            messages=tuple(messages),
            created_at=parse_time(item.get("created_at")),
        )
    except InvalidMessageError as error:
        raise where.error(str(error), kind="invalid message") from error
    return Parsed((conversation,), dropped, placeholders)


def _message(
    raw: Any, position: int, where: Location, options: ReadOptions, placeholders: Counter[str]
) -> Message | None:
    node = f"message #{position}"
    if not isinstance(raw, dict):
        raise where.error(
            f"expected an object, got {type(raw).__name__}", kind="wrong type", node_id=node
        )
    uuid = raw.get("uuid")
    message_id = uuid if isinstance(uuid, str) and uuid else f"{where.conversation_id}:{position}"
    sender = raw.get("sender")
    role = _SENDERS.get(sender) if isinstance(sender, str) else None
    if role is None:
        raise where.error(
            f"'sender' is {shown(sender)}; expected 'human' or 'assistant'",
            kind="invalid role",
            node_id=message_id,
        )
    blocks = raw.get("content")
    blocks = (
        [block for block in blocks if isinstance(block, dict)] if isinstance(blocks, list) else []
    )
    pieces = [_block(block, options, placeholders) for block in blocks]
    if blocks and all(block.get("type") == "tool_result" for block in blocks):
        role = Role.TOOL
    if not any(piece.strip() for piece in pieces):  # no blocks, or none with text
        pieces = [text(raw.get("text"))]
    pieces.extend(_attachments(raw, placeholders))
    content = "\n\n".join(piece for piece in pieces if piece.strip())
    if not content:
        return None
    return Message(
        id=message_id, role=role, content=content, created_at=parse_time(raw.get("created_at"))
    )


def _block(block: dict[str, Any], options: ReadOptions, placeholders: Counter[str]) -> str:
    kind = block.get("type")
    if kind == "text":
        return text(block.get("text"))
    if kind == "thinking":
        thought = text(block.get("thinking"))
        return f"[thinking] {thought}" if thought and options.thinking else ""
    if kind == "tool_use":
        return f"[tool call: {text(block.get('name')) or 'unnamed'}] {_as_json(block.get('input'))}"
    if kind == "tool_result":
        head = "[tool error]" if block.get("is_error") is True else "[tool result]"
        return "\n".join([head, *_result_parts(block.get("content"), placeholders)])
    name = kind if isinstance(kind, str) else "missing"
    placeholders[name] += 1
    return f"[unknown content: {name}]"


def _result_parts(content: Any, placeholders: Counter[str]) -> list[str]:
    if isinstance(content, str):
        return [content]
    parts: list[str] = []
    for part in content if isinstance(content, list) else []:
        if isinstance(part, str):
            parts.append(part)
        elif isinstance(part, dict) and part.get("type") == "text":
            parts.append(text(part.get("text")))
        elif isinstance(part, dict):
            kind = part.get("type")
            name = kind if isinstance(kind, str) else "missing"
            placeholders[name] += 1
            parts.append(f"[{name}]")
    return [part for part in parts if part]


def _attachments(raw: dict[str, Any], placeholders: Counter[str]) -> list[str]:
    pieces: list[str] = []
    attachments = raw.get("attachments")
    named: set[str] = set()
    for attachment in attachments if isinstance(attachments, list) else []:
        if isinstance(attachment, dict):
            name = text(attachment.get("file_name")) or "unnamed"
            named.add(name)
            body = text(attachment.get("extracted_content"))
            pieces.append(f"[attachment: {name}]\n{body}" if body else f"[attachment: {name}]")
    files = raw.get("files")
    for file in files if isinstance(files, list) else []:
        name = text(file.get("file_name")) if isinstance(file, dict) else ""
        if name and name not in named:
            placeholders["file"] += 1
            pieces.append(f"[file: {name}]")
    return pieces


def _as_json(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError, RecursionError):
        return "[input not shown]"
