"""Real and third-party exports in ../shared/data/exports (skipped when absent).

The ChatGPT counts are checked against an independent walk written here: it
inverts the ``parent`` links into child lists and searches *down* from the
roots to ``current_node`` (the reader walks *up* the ``parent`` links), then
applies the documented drop rules with its own, simpler text test. The
exports' own ``children`` lists are not used: in the convonaut sample they are
empty.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chunking.formats import ExportReport, ReadOptions, load_export

CHATGPT = [
    "convonaut/conversations.json",
    "librechat/chatgpt-tree.json",
    "librechat/chatgpt-modern-export.json",
    "mitkury-chatgpt-export-parser/example-conversation.json",
    "pkuppens-my_chat_gpt/conversations.json",
]
CLAUDE = [
    "polylogue/claude-ai__native-rich-blocks-v1.json",
    "polylogue/real-claude__with-attachments.json",
]
BRANCHED = [
    "librechat/chatgpt-tree.json",
    "mitkury-chatgpt-export-parser/example-conversation.json",
    "pkuppens-my_chat_gpt/conversations.json",
]


def _path_down(mapping: dict[str, Any], target: str) -> list[str]:
    """Root-to-target node ids, found by depth-first search down from the roots."""
    children: dict[str | None, list[str]] = {}
    for key, node in mapping.items():
        children.setdefault(node.get("parent"), []).append(key)
    stack = [(root, [root]) for root in children.get(None, [])]
    while stack:
        node_id, path = stack.pop()
        if node_id == target:
            return path
        stack.extend((child, [*path, child]) for child in children.get(node_id, []))
    raise AssertionError(f"{target} is not below any root")


def _visible(message: dict[str, Any] | None) -> bool:
    if message is None:
        return False
    content = message["content"]
    if content.get("content_type") == "user_editable_context":
        return True
    if (message.get("metadata") or {}).get("is_visually_hidden_from_conversation"):
        return False
    if message.get("recipient", "all") != "all":
        return False
    values = content.get("parts", []) + [v for k, v in content.items() if k != "content_type"]
    return any(isinstance(value, str) and value.strip() for value in values)


def _expected(conversation: dict[str, Any]) -> list[str]:
    mapping = conversation["mapping"]
    path = _path_down(mapping, conversation["current_node"])
    return [node_id for node_id in path if _visible(mapping[node_id]["message"])]


@pytest.mark.parametrize("name", CHATGPT + CLAUDE)
def test_every_sample_loads(shared_exports: Path, name: str) -> None:
    report = ExportReport()
    conversations = list(load_export(shared_exports / name, report=report))
    assert conversations
    assert all(c.messages for c in conversations)
    assert report.conversations == len(conversations)


@pytest.mark.parametrize("name", CHATGPT)
def test_chatgpt_messages_match_an_independent_walk(shared_exports: Path, name: str) -> None:
    raw = json.loads((shared_exports / name).read_text(encoding="utf-8"))
    expected = {c["id"]: _expected(c) for c in raw if "mapping" in c}
    report = ExportReport()
    read = {
        c.id: [m.id for m in c.messages] for c in load_export(shared_exports / name, report=report)
    }
    assert read == expected
    assert report.skipped.total() == len(raw) - len(expected)


@pytest.mark.parametrize("name", BRANCHED)
def test_branched_samples_give_the_active_path_only(shared_exports: Path, name: str) -> None:
    raw = json.loads((shared_exports / name).read_text(encoding="utf-8"))
    branched = {
        c["id"]: c
        for c in raw
        if any(len(node.get("children", [])) > 1 for node in c["mapping"].values())
    }
    assert branched
    for conversation in load_export(shared_exports / name):
        if conversation.id in branched:
            source = branched[conversation.id]
            active = set(_path_down(source["mapping"], source["current_node"]))
            off_path = {key for key, node in source["mapping"].items() if node["message"]} - active
            assert off_path
            assert not off_path & {m.id for m in conversation.messages}
    every_branch = list(
        load_export(shared_exports / name, options=ReadOptions(abandoned_branches=True))
    )
    assert len(every_branch) > len(raw)


def test_librechat_tree_active_path(shared_exports: Path) -> None:
    [conversation] = load_export(shared_exports / "librechat/chatgpt-tree.json")
    # 7 of 12 messages lie on the active path; one of them is a hidden empty system message.
    assert len(conversation.messages) == 6
    assert conversation.messages[-1].content.startswith("Sure, here's one for you")


@pytest.mark.parametrize("name", CLAUDE)
def test_claude_every_message_with_text_is_kept(shared_exports: Path, name: str) -> None:
    raw = json.loads((shared_exports / name).read_text(encoding="utf-8"))
    [conversation] = load_export(shared_exports / name)
    assert conversation.id == raw["uuid"]
    assert [m.id for m in conversation.messages] == [m["uuid"] for m in raw["chat_messages"]]


def test_claude_thinking_is_not_glued_to_the_answer(shared_exports: Path) -> None:
    [conversation] = load_export(shared_exports / "polylogue/claude-ai__native-rich-blocks-v1.json")
    first = conversation.messages[0].content
    assert first.split("\n\n")[:2] == ["Let me search.", "[thinking] considering options"]
