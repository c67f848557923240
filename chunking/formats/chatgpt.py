"""The ChatGPT export format (``conversations.json``).

Each conversation is ``{"id", "title", "create_time", "mapping", "current_node"}``
where ``mapping`` is a tree of message nodes (see :mod:`.chatgpt_tree`). The
conversation read is the active branch, root to ``current_node`` (the newest
leaf when ``current_node`` is missing). By default it leaves out, and counts:

- ``"hidden"``: messages with ``metadata.is_visually_hidden_from_conversation``;
- ``"tool call"``: messages addressed to a tool (``recipient`` other than ``all``);
- ``"empty system message"`` / ``"empty"``: messages without text;
- ``"abandoned branch"``: messages off the active branch.

Custom instructions (``user_editable_context``, hidden in the export) are kept
as a user message labelled ``User profile``: users state facts about
themselves there.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from chunking.errors import InvalidMessageError, shown
from chunking.formats.chatgpt_content import THINKING_TYPES, render_content
from chunking.formats.chatgpt_tree import active_leaf, leaves, path_to
from chunking.formats.reader import Location, Parsed, ReadOptions, locate_conversation
from chunking.formats.values import label, parse_time
from chunking.model import Conversation, Message, Role

__all__ = ["PROFILE_LABEL", "THINKING_LABEL", "read_conversation"]

PROFILE_LABEL = "User profile"
"""Speaker label of the message made from custom instructions."""

THINKING_LABEL = "Assistant (thinking)"
"""Speaker label of the model's reasoning messages."""

_ROLES = {role.value: role for role in Role}


def read_conversation(item: Any, *, index: int, path: str, options: ReadOptions) -> Parsed:
    """Read one ChatGPT conversation object: its active branch, as a :class:`Conversation`.

    Raises:
        MalformedExportError: no ``mapping``, a ``current_node`` or ``parent``
            naming no node, a cycle, or a node or message of the wrong type.
    """
    item, where = locate_conversation(
        item, path=path, index=index, id_keys=("id", "conversation_id")
    )
    mapping = item.get("mapping")
    if not isinstance(mapping, dict):
        raise where.error(
            f"'mapping' is {'missing' if mapping is None else type(mapping).__name__}; "
            "expected an object of message nodes (a partial or corrupted export entry)",
            kind="missing mapping",
        )
    leaf = active_leaf(item, mapping, where)
    active = path_to(mapping, leaf, where) if leaf is not None else []
    dropped: Counter[str] = Counter()
    placeholders: Counter[str] = Counter()
    conversations = [
        _conversation(
            item, str(where.conversation_id), active, mapping, where, options, dropped, placeholders
        )
    ]
    on_path = set(active)
    if options.abandoned_branches:
        for other in leaves(mapping):
            if other not in on_path:
                branch = path_to(mapping, other, where)
                branch_id = f"{where.conversation_id}:branch:{other}"
                conversations.append(
                    _conversation(
                        item, branch_id, branch, mapping, where, options, Counter(), Counter()
                    )
                )
    else:
        dropped["abandoned branch"] += sum(
            1
            for node_id, node in mapping.items()
            if node_id not in on_path
            and isinstance(node, dict)
            and isinstance(node.get("message"), dict)
        )
    return Parsed(tuple(conversations), +dropped, placeholders)


def _conversation(
    item: dict[str, Any],
    conversation_id: str,
    node_ids: list[str],
    mapping: dict[str, Any],
    where: Location,
    options: ReadOptions,
    dropped: Counter[str],
    placeholders: Counter[str],
) -> Conversation:
    messages = []
    for node_id in node_ids:
        message = _message(node_id, mapping[node_id], where, options, dropped, placeholders)
        if message is not None:
            messages.append(message)
    title = item.get("title")
    try:
        return Conversation(
            id=conversation_id,
            title=title if isinstance(title, str) else "",
            messages=tuple(messages),
            created_at=parse_time(item.get("create_time")),
        )
    except InvalidMessageError as error:
        raise where.error(str(error), kind="invalid message") from error


def _message(
    node_id: str,
    node: dict[str, Any],
    where: Location,
    options: ReadOptions,
    dropped: Counter[str],
    placeholders: Counter[str],
) -> Message | None:
    """The canonical message of one node, or ``None`` when it is left out."""
    message = node.get("message")
    if message is None:
        return None
    if not isinstance(message, dict):
        raise where.error(
            f"'message' is a {type(message).__name__}; expected an object or null",
            kind="wrong type",
            node_id=node_id,
        )
    role = _role(message, where, node_id)
    content = message.get("content")
    if not isinstance(content, dict):
        raise where.error(
            f"'content' is {type(content).__name__}; expected an object with 'content_type'",
            kind="wrong type",
            node_id=node_id,
        )
    content_type = content.get("content_type")
    content_type = content_type if isinstance(content_type, str) else None
    profile = content_type == "user_editable_context"
    reason = None if profile else _drop_reason(message, content_type, options)
    text, used = render_content(content) if reason is None else ("", [])
    if reason is None and not text.strip():
        reason = "empty system message" if role is Role.SYSTEM else "empty"
    if reason is not None:
        dropped[reason] += 1
        return None
    placeholders.update(used)
    author = message.get("author")
    name = label(author.get("name")) if isinstance(author, dict) else None
    if profile:
        role, name = Role.USER, PROFILE_LABEL
    elif content_type in THINKING_TYPES:
        name = THINKING_LABEL
    return Message(
        id=node_id,
        role=role,
        content=text,
        name=name,
        created_at=parse_time(message.get("create_time")),
    )


def _drop_reason(
    message: dict[str, Any], content_type: str | None, options: ReadOptions
) -> str | None:
    if not options.thinking and content_type in THINKING_TYPES:
        return "thinking"
    if options.keep_hidden:
        return None
    metadata = message.get("metadata")
    if isinstance(metadata, dict) and metadata.get("is_visually_hidden_from_conversation") is True:
        return "hidden"
    recipient = message.get("recipient")
    if isinstance(recipient, str) and recipient != "all":
        return "tool call"
    return None


def _role(message: dict[str, Any], where: Location, node_id: str) -> Role:
    author = message.get("author")
    role = author.get("role") if isinstance(author, dict) else None
    if isinstance(role, str) and role in _ROLES:
        return _ROLES[role]
    valid = ", ".join(_ROLES)
    raise where.error(
        f"author role is {shown(role)}; expected one of {valid}",
        kind="invalid role",
        node_id=node_id,
    )
