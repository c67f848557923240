"""Writes a synthetic ChatGPT export of a given size, one conversation at a time.

The shape follows real exports: a list of conversations with a ``mapping``
tree under a ``message: null`` root, an empty system message, a regenerated
reply (an abandoned branch) and a hidden tool call in some conversations.
The text is drawn from a fixed vocabulary with a seeded generator, so runs
are repeatable and tokenization costs what prose costs.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

__all__ = ["write_chatgpt_export"]

_SYLLABLES = ["ka", "lo", "mi", "ster", "ven", "dra", "po", "lis", "bon", "tre", "qu", "ra", "el"]


def write_chatgpt_export(path: Path, *, megabytes: int, seed: int = 7) -> int:
    """Write conversations to ``path`` until it holds ``megabytes`` MB; returns bytes written."""
    rng = random.Random(seed)
    vocabulary = ["".join(rng.choices(_SYLLABLES, k=rng.randint(1, 4))) for _ in range(3000)] + [
        "the",
        "a",
        "I",
        "you",
        "is",
        "and",
        "of",
        "to",
        "in",
        "my",
    ] * 100
    target = megabytes * 1_000_000
    written = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("[")
        written += 1
        index = 0
        while written < target:
            text = json.dumps(_conversation(index, rng, vocabulary), ensure_ascii=False)
            piece = ("," if index else "") + text
            out.write(piece)
            written += len(piece.encode("utf-8"))
            index += 1
        out.write("]")
    return written + 1


def _text(rng: random.Random, vocabulary: list[str]) -> str:
    sentences = []
    for _ in range(rng.randint(1, 12)):
        words = rng.choices(vocabulary, k=rng.randint(5, 25))
        sentences.append(" ".join(words).capitalize() + ".")
    return " ".join(sentences)


def _conversation(index: int, rng: random.Random, vocabulary: list[str]) -> dict[str, Any]:
    mapping: dict[str, Any] = {
        "root": {"id": "root", "message": None, "parent": None, "children": ["sys"]},
        "sys": _node("sys", "root", "system", "", 0.0),
    }
    parent = "sys"
    for turn in range(rng.randint(2, 20)):
        node_id = f"m{turn}"
        role = "user" if turn % 2 == 0 else "assistant"
        mapping[node_id] = _node(node_id, parent, role, _text(rng, vocabulary), 1.7e9 + turn)
        mapping[parent]["children"].append(node_id)
        if role == "assistant" and rng.random() < 0.2:
            regenerated = f"m{turn}-old"
            mapping[regenerated] = _node(
                regenerated, parent, role, _text(rng, vocabulary), 1.7e9 + turn
            )
            mapping[parent]["children"].append(regenerated)
        if role == "assistant" and rng.random() < 0.1:
            mapping[node_id]["message"]["recipient"] = "browser"
        parent = node_id
    return {
        "id": f"conv-{index}",
        "title": f"Conversation {index}",
        "create_time": 1.7e9,
        "update_time": 1.7e9,
        "mapping": mapping,
        "current_node": parent,
        "moderation_results": [],
    }


def _node(node_id: str, parent: str, role: str, text: str, created: float) -> dict[str, Any]:
    return {
        "id": node_id,
        "parent": parent,
        "children": [],
        "message": {
            "id": node_id,
            "author": {"role": role, "name": None, "metadata": {}},
            "create_time": created,
            "content": {"content_type": "text", "parts": [text]},
            "status": "finished_successfully",
            "weight": 1.0,
            "metadata": {"model_slug": "gpt-4o"} if role == "assistant" else {},
            "recipient": "all",
        },
    }
