"""The message tree of a ChatGPT conversation and the paths through it.

A ChatGPT conversation stores its messages as ``mapping``: node id → node
``{"id", "message", "parent", "children"}``. Editing a prompt or regenerating a
reply adds a sibling branch; ``current_node`` is the leaf the user last saw.
The conversation is the path from the root down to that leaf, found by walking
``parent`` links up from it. Only ``parent`` links are trusted: ``children``
lists are redundant and often stale.
"""

from __future__ import annotations

from typing import Any

from chunking.errors import shown
from chunking.formats.reader import Location

__all__ = ["active_leaf", "leaves", "path_to"]


def path_to(mapping: dict[str, Any], leaf: str, where: Location) -> list[str]:
    """The node ids from the root down to ``leaf``.

    Raises:
        MalformedExportError: a node that is not an object, a ``parent`` that
            is not a string or null or names no node, or a cycle.
    """
    path: list[str] = []
    seen: set[str] = set()
    node_id: str | None = leaf
    while node_id is not None:
        if node_id in seen:
            raise where.error(
                "the parent links form a cycle; expected a tree whose parents lead to a root",
                kind="cycle",
                node_id=node_id,
            )
        seen.add(node_id)
        path.append(node_id)
        node_id = parent_of(mapping, node_id, where)
    path.reverse()
    return path


def parent_of(mapping: dict[str, Any], node_id: str, where: Location) -> str | None:
    """The parent id of ``node_id`` (``None`` at the root), checked to exist."""
    node = mapping.get(node_id)
    if not isinstance(node, dict):
        raise where.error(
            f"node is {type(node).__name__}; expected an object with 'message' and 'parent'",
            kind="wrong type",
            node_id=node_id,
        )
    parent = node.get("parent")
    if parent is None:
        return None
    if not isinstance(parent, str):
        raise where.error(
            f"'parent' is a {type(parent).__name__}; expected a node id or null",
            kind="wrong type",
            node_id=node_id,
        )
    if parent not in mapping:
        raise where.error(
            f"'parent' names node {shown(parent)}, which is not in 'mapping'",
            kind="unknown node",
            node_id=node_id,
        )
    return parent


def leaves(mapping: dict[str, Any]) -> list[str]:
    """Ids of the nodes no other node names as its parent, in mapping order."""
    parents = {
        node.get("parent")
        for node in mapping.values()
        if isinstance(node, dict) and isinstance(node.get("parent"), str)
    }
    return [node_id for node_id in mapping if node_id not in parents]


def active_leaf(item: dict[str, Any], mapping: dict[str, Any], where: Location) -> str | None:
    """The leaf the user last saw: ``current_node``, else the newest leaf.

    Returns ``None`` for an empty mapping.

    Raises:
        MalformedExportError: ``current_node`` is not a string or names no
            node, or without it, no node is a leaf (the parent links form a
            cycle: the same error as a ``current_node`` inside the cycle).
    """
    current = item.get("current_node")
    if current is None:
        candidates = leaves(mapping)
        if mapping and not candidates:
            raise where.error(
                "every node is some node's parent, so the parent links form a cycle; "
                "expected a tree whose parents lead to a root",
                kind="cycle",
                node_id=next(iter(mapping)),
            )
        return max(candidates, key=lambda node_id: _created(mapping[node_id]), default=None)
    if not isinstance(current, str):
        raise where.error(
            f"'current_node' is a {type(current).__name__}; expected a node id",
            kind="wrong type",
        )
    if current not in mapping:
        raise where.error(
            "'current_node' names a node that is not in 'mapping'",
            kind="unknown node",
            node_id=current,
        )
    return current


def _created(node: Any) -> float:
    message = node.get("message") if isinstance(node, dict) else None
    created = message.get("create_time") if isinstance(message, dict) else None
    if isinstance(created, int | float) and not isinstance(created, bool):
        return float(created)
    return float("-inf")
