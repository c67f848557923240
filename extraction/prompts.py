"""The extraction prompt (versioned) and the requests built from it.

Changing :data:`SYSTEM_PROMPT` or the chunk rendering changes what the model
answers: bump :data:`PROMPT_VERSION`, which is part of the result cache key.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any, Literal, get_args

from extraction.items import ExtractionItem, Turn
from extraction.llm import LLMMessage, LLMRequest

__all__ = [
    "ATTRIBUTE_EXAMPLES",
    "CATEGORIES",
    "OUTPUT_SCHEMA",
    "PROMPT_VERSION",
    "SYSTEM_PROMPT",
    "Category",
    "build_request",
    "parse_prompt_chunks",
    "prompt_version",
    "reask_request",
    "refs",
    "render_chunks",
]

PROMPT_VERSION = "facts-v2"


def prompt_version(*, assistant_chars: int | None) -> str:
    """The version a chunk's result is cached under: the prompt's and the rendering's.

    Trimming assistant turns changes what the model sees, so results of a
    trimmed rendering are never reused for another.

    >>> prompt_version(assistant_chars=None), prompt_version(assistant_chars=280)
    ('facts-v2', 'facts-v2/assistant-280')
    """
    if assistant_chars is None:
        return PROMPT_VERSION
    return f"{PROMPT_VERSION}/assistant-{assistant_chars}"


Category = Literal[
    "identity",
    "work",
    "places",
    "family",
    "pets",
    "preferences",
    "projects",
    "goals",
    "interests",
    "other",
]
"""What a fact is about; the one definition, used by the prompt and the output schema."""

CATEGORIES: tuple[str, ...] = get_args(Category)

ATTRIBUTE_EXAMPLES: tuple[str, ...] = (
    "name",
    "home_city",
    "job",
    "employer",
    "relationship_status",
    "partner",
    "car",
    "code_editor",
    "instrument",
    "pet",
    "allergy",
    "language_learning",
    "birthday",
)
"""Single-valued attributes the prompt names; any other snake_case key is accepted."""

SYSTEM_PROMPT = f"""\
You extract durable facts about a person (the user) from excerpts of their \
conversations with an AI assistant, to build the user's long-term memory profile.

Rules:
- Only facts the user states or clearly implies about themselves, their life, \
people and animals close to them, their work, plans, goals and preferences.
- Never take facts from the assistant's words; assistant turns (often shortened) \
are there only as context for the user's replies.
- Ignore one-off requests (what the user asked help with) unless they reveal a \
lasting fact (a project, a goal, a habit, a preference).
- Write each fact as a short third-person sentence without the user's name, \
e.g. "Works as a data engineer at a logistics startup".
- category is one of: {", ".join(CATEGORIES)}.
- key names the attribute when it can only have one value at a time, so that a \
later value replaces an earlier one, in snake_case: {", ".join(ATTRIBUTE_EXAMPLES)}, \
or another such name; value is that attribute's value alone ("Lisbon", "Skoda \
Octavia"). For a fact that is not a single-valued attribute, key and value are "".
- status is "former" for what was true once and no longer is ("I used to live in \
Porto", "I sold my old car"), else "current". A change gives two facts: the new \
value (current) and the old one (former).
- chunk is the id of the chunk the fact comes from (c1, c2...); messages lists \
the ids of the user turns it comes from (m1, m2...).
- No fact is better than a guess. An excerpt may give no facts.

Answer with one JSON object and nothing else:
{{"facts":[{{"chunk":"c1","category":"places","key":"home_city","value":"Lisbon",\
"status":"current","text":"Lives in Lisbon","messages":["m1"]}}]}}
"""

OUTPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "facts": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "chunk": {"type": "string"},
                    "category": {"type": "string", "enum": list(CATEGORIES)},
                    "key": {"type": "string"},
                    "value": {"type": "string"},
                    "status": {"type": "string", "enum": ["current", "former"]},
                    "text": {"type": "string"},
                    "messages": {"type": "array", "items": {"type": "string"}},
                },
                "required": ["chunk", "category", "key", "value", "status", "text", "messages"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["facts"],
    "additionalProperties": False,
}
"""The answer's JSON schema, sent as structured output (``output_config.format``).

Lengths are not in the schema (structured outputs do not enforce them): each
fact is checked on its own by :class:`extraction.facts.RawFact`.
"""

_CHUNK = re.compile(r'<chunk id="(?P<id>[^"]*)"[^>]*>\n(?P<body>.*?)\n</chunk>', re.DOTALL)
_TURN = re.compile(r'<(?P<role>[a-z]+) id="(?P<mid>m\d+)">(?P<text>.*?)</(?P=role)>', re.DOTALL)


def refs(items: Sequence[ExtractionItem]) -> tuple[dict[str, ExtractionItem], dict[str, str]]:
    """The short references of one call: ``c1, c2...`` for chunks, ``m1, m2...`` for turns.

    Returns:
        chunk reference -> item, and turn reference -> message id (numbered in
        the order the turns are rendered, across the call's chunks).
    """
    chunks: dict[str, ExtractionItem] = {}
    messages: dict[str, str] = {}
    for index, item in enumerate(items, start=1):
        chunks[f"c{index}"] = item
        for turn in item.turns:
            messages[f"m{len(messages) + 1}"] = turn.message_id
    return chunks, messages


def render_chunks(items: Sequence[ExtractionItem], *, assistant_chars: int | None) -> str:
    """The user message: each chunk's turns, the assistant's cut to ``assistant_chars``.

    Chunks and turns are named by the short references of :func:`refs`, which
    the answer uses (ids would cost output tokens).
    """
    parts = ["Excerpts:"]
    turn_number = 0
    for index, item in enumerate(items, start=1):
        date = f' date="{item.date.date().isoformat()}"' if item.date else ""
        parts.append(f'<chunk id="c{index}"{date}>')
        for turn in item.turns:
            turn_number += 1
            parts.append(_render_turn(turn, f"m{turn_number}", assistant_chars))
        parts.append("</chunk>")
    return "\n".join(parts)


def _render_turn(turn: Turn, ref: str, assistant_chars: int | None) -> str:
    text = turn.text
    if turn.role == "assistant" and assistant_chars is not None and len(text) > assistant_chars:
        text = text[:assistant_chars].rstrip() + " […]"
    role = turn.role if turn.role.isalpha() else "unknown"
    return f'<{role} id="{ref}">{html.escape(text, quote=False)}</{role}>'


def build_request(
    items: Sequence[ExtractionItem],
    *,
    assistant_chars: int | None,
    cache_system: bool,
    max_tokens: int = 2048,
) -> LLMRequest:
    """The request that extracts the facts of ``items`` in one call (structured output)."""
    return LLMRequest(
        system=SYSTEM_PROMPT,
        messages=(LLMMessage("user", render_chunks(items, assistant_chars=assistant_chars)),),
        max_tokens=max_tokens,
        cache_system=cache_system,
        output_schema=OUTPUT_SCHEMA,
    )


def reask_request(request: LLMRequest, answer: str, problem: str) -> LLMRequest:
    """The same request, followed by the unusable answer and a request to fix it."""
    fix = (
        f"That answer could not be used: {problem}. Answer again with only the JSON "
        'object {"facts": [...]} described in the instructions, nothing else.'
    )
    return LLMRequest(
        system=request.system,
        messages=(
            *request.messages,
            LLMMessage("assistant", answer or "(empty)"),
            LLMMessage("user", fix),
        ),
        max_tokens=request.max_tokens,
        cache_system=request.cache_system,
        output_schema=request.output_schema,
    )


def parse_prompt_chunks(text: str) -> list[tuple[str, list[Turn]]]:
    """Inverse of :func:`render_chunks`: each chunk reference with its turns.

    Each turn's ``message_id`` is its reference (``m1``...); text is unescaped.
    """
    chunks: list[tuple[str, list[Turn]]] = []
    for match in _CHUNK.finditer(text):
        turns = [
            Turn(role=t["role"], message_id=t["mid"], text=html.unescape(t["text"]))
            for t in _TURN.finditer(match["body"])
        ]
        chunks.append((match["id"], turns))
    return chunks
