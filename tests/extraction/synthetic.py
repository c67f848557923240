"""A deterministic generator of plain-format exports with planted facts about the user."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

_VOCABULARY = (
    "the model data pipeline schema index query latency budget cache queue worker batch retry "
    "token chunk profile memory vector search ranking metric report service deploy review design "
    "trade-off benchmark failure recovery storage network region cluster"
)
WORDS = tuple(_VOCABULARY.split())

PLANTED = {
    "identity": "My name is Rui Carvalho.",
    "places": "I live in Coimbra.",
    "work": "I work as a backend developer at a fintech company.",
    "pets": "I have a dog called Bolota.",
    "preferences": "I prefer answers in bullet points.",
    "goals": "My goal is to run a marathon in Porto next spring.",
    "projects": "I'm building a budgeting app for freelancers.",
    "family": "My sister Marta lives in Braga.",
}
PLANTED_FACTS = (
    "Name is Rui Carvalho",
    "Works as a backend developer at a fintech company",
    "Has a dog named Bolota",
    "Prefers answers in bullet points",
    "Goal: run a marathon in Porto next spring",
    "Is building a budgeting app for freelancers",
    "Has a sister named Marta",
)


def _prose(rng: random.Random, words: int) -> str:
    sentences = []
    while words > 0:
        length = min(words, rng.randint(8, 18))
        sentence = " ".join(rng.choice(WORDS) for _ in range(length))
        sentences.append(sentence.capitalize() + ".")
        words -= length
    return " ".join(sentences)


def make_export(
    conversations: int, *, seed: int = 7, turns: int = 6, assistant_words: int = 180
) -> list[dict[str, Any]]:
    """``conversations`` conversations; each planted fact is stated by the user once,
    then the user moves from Coimbra to Berlin in the last conversation."""
    rng = random.Random(seed)
    planted = list(PLANTED.values())
    export: list[dict[str, Any]] = []
    start = 1_700_000_000
    for index in range(conversations):
        messages = []
        for turn in range(turns):
            user = _prose(rng, rng.randint(10, 30))
            if turn == 0 and index < len(planted):
                user = f"{planted[index]} {user}"
            if index == conversations - 1 and turn == 0:
                user = f"Big news: I moved to Berlin last month. {user}"
            messages.append({"role": "user", "content": user})
            messages.append({"role": "assistant", "content": _prose(rng, assistant_words)})
        export.append(
            {
                "id": f"synthetic-{index}",
                "title": f"Conversation {index}",
                "create_time": start + index * 86_400,
                "messages": messages,
            }
        )
    return export


def write_export(path: Path, conversations: int, **options: Any) -> Path:
    """Write :func:`make_export` as a plain-format JSON file."""
    path.write_text(json.dumps(make_export(conversations, **options)), encoding="utf-8")
    return path
