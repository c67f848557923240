"""Benchmark corpora: LoCoMo turns when ../shared has them, else generated text."""

from __future__ import annotations

import json
import random
from pathlib import Path

from chunking import Conversation, Message, Role

LOCOMO = Path(__file__).resolve().parents[2] / "shared" / "data" / "locomo" / "dev.json"
TARGET_CHARS = 20_000_000


def locomo_conversations() -> list[Conversation] | None:
    """One conversation per LoCoMo sample: every session's turns, speakers as labels."""
    if not LOCOMO.exists():
        return None
    samples = json.loads(LOCOMO.read_text(encoding="utf-8"))
    conversations = []
    for sample in samples:
        sessions = sample["conversation"]
        speaker_a = sessions["speaker_a"]
        messages = []
        number = 1
        while f"session_{number}" in sessions:
            for turn in sessions[f"session_{number}"]:
                role = Role.USER if turn["speaker"] == speaker_a else Role.ASSISTANT
                messages.append(
                    Message(
                        id=turn["dia_id"], role=role, content=turn["text"], name=turn["speaker"]
                    )
                )
            number += 1
        conversations.append(
            Conversation(
                id=sample["sample_id"], title=sample["sample_id"], messages=tuple(messages)
            )
        )
    return conversations


def generated_conversations(seed: int = 7, count: int = 60) -> list[Conversation]:
    """Chat-like conversations: short user turns, long structured assistant replies, code."""
    rng = random.Random(seed)
    words = (
        "the a to of and in is it you that for on with as this be are I my we can your have "
        "data model city work plan run cat trip code test build deploy memory chunk token "
        "Lisbon Porto python function value error result query index budget tier small large"
    ).split()

    def sentence() -> str:
        body = " ".join(rng.choice(words) for _ in range(rng.randint(6, 24)))
        return body.capitalize() + rng.choice([".", ".", "!", "?"])

    def paragraph() -> str:
        return " ".join(sentence() for _ in range(rng.randint(2, 7)))

    def reply() -> str:
        parts = [paragraph() for _ in range(rng.randint(1, 5))]
        if rng.random() < 0.3:
            lines = [f"    x{i} = compute({i}, budget={rng.randint(1, 999)})" for i in range(20)]
            parts.append("```python\ndef f():\n" + "\n".join(lines) + "\n```")
        if rng.random() < 0.3:
            parts.append("\n".join(f"- {sentence()}" for _ in range(rng.randint(3, 8))))
        return "\n\n".join(parts)

    conversations = []
    for index in range(count):
        messages = []
        for turn in range(rng.randint(10, 80)):
            user = turn % 2 == 0
            content = sentence() if user else reply()
            messages.append(
                Message(id=f"g{index}-{turn}", role=Role.USER if user else Role.ASSISTANT,
                        content=content)
            )  # fmt: skip
        conversations.append(Conversation(id=f"g{index}", title="", messages=tuple(messages)))
    return conversations


def replicate(conversations: list[Conversation], target_chars: int) -> list[Conversation]:
    """Copies of ``conversations`` (with new ids) until their text reaches ``target_chars``."""
    from chunking import conversation_text

    size = sum(len(conversation_text(c)) for c in conversations)
    copies = -(-target_chars // size)
    return [
        Conversation(id=f"{c.id}#{copy}", title=c.title, messages=c.messages)
        for copy in range(copies)
        for c in conversations
    ]
