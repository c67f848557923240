"""Facts: the model's JSON validated one fact at a time, then bound to their chunks.

An answer is usable when it holds a ``{"facts": [...]}`` object; each fact in
it is validated on its own, so one off-list category or over-long text drops
that fact (counted in :attr:`ParsedOutput.dropped`), never its neighbours.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from chunking.tiers import ChunkTier
from extraction.errors import LLMOutputError
from extraction.items import ExtractionItem
from extraction.prompts import Category, refs

__all__ = [
    "Bound",
    "Fact",
    "FactStatus",
    "ParsedOutput",
    "RawFact",
    "bind_facts",
    "make_fact",
    "parse_output",
]

FactStatus = Literal["current", "former"]
"""``current``: true now; ``former``: true once and no longer (``Previously lived in Lisbon``)."""

_MAX_OBJECTS_TRIED = 20  # openings of "{" tried before the answer is declared to hold no object


class RawFact(BaseModel):
    """One fact as the model writes it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    chunk: str = ""
    category: Category
    key: str | None = Field(default=None, max_length=64)
    value: str | None = Field(default=None, max_length=200)
    status: FactStatus = "current"
    text: str = Field(min_length=2, max_length=500)
    messages: tuple[str, ...] = ()

    @field_validator("text")
    @classmethod
    def _strip(cls, value: str) -> str:
        return " ".join(value.split())

    @field_validator("key")
    @classmethod
    def _key(cls, value: str | None) -> str | None:
        value = "_".join((value or "").strip().lower().replace("-", " ").split())
        return value or None

    @field_validator("value")
    @classmethod
    def _value(cls, value: str | None) -> str | None:
        value = " ".join((value or "").split())
        return value or None


@dataclass(frozen=True, slots=True)
class ParsedOutput:
    """The valid facts of an answer, and how many were dropped (with the first reasons)."""

    facts: tuple[RawFact, ...]
    dropped: int = 0
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Fact:
    """A fact about the user, traceable to the chunk, messages and conversation it came from.

    Attributes:
        key: the single-valued attribute the fact sets (``home_city``), if any.
        value: the attribute's value (``Lisbon``), when ``key`` is set.
        status: whether the fact holds now or held once.
        title: the conversation's title.
        date: when the chunk's conversation turns were written (the chunk's time).
        sequence: where the fact was said, for ordering facts of one date:
            (the chunk's offset in its conversation, the position of its first
            source message in the chunk, its rank in the answer).
    """

    category: str
    key: str | None
    text: str
    chunk_id: str
    conversation_id: str
    tier: ChunkTier
    message_ids: tuple[str, ...]
    date: datetime | None
    value: str | None = None
    status: FactStatus = "current"
    title: str = ""
    sequence: tuple[int, int, int] = (0, 0, 0)


@dataclass(frozen=True, slots=True)
class Bound:
    """Each chunk's facts by chunk id (every item has an entry), and the answer's facts
    not kept: invalid ones (:attr:`ParsedOutput.dropped`) and those naming no chunk."""

    facts: dict[str, list[Fact]]
    dropped: int = 0


def parse_output(text: str) -> ParsedOutput:
    """The valid facts of the model's answer (an object, possibly fenced or followed by notes).

    Raises:
        LLMOutputError: the answer holds no JSON object with a ``facts`` list.
    """
    data = _facts_object(text)
    facts: list[RawFact] = []
    problems: list[str] = []
    for index, raw in enumerate(data["facts"]):
        try:
            facts.append(RawFact.model_validate(raw))
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "fact"
            problems.append(f"facts[{index}].{where}: {first['msg']}")
    return ParsedOutput(tuple(facts), len(problems), tuple(problems[:3]))


def _facts_object(text: str) -> dict[str, Any]:
    decoder = json.JSONDecoder()
    start = text.find("{")
    tried = 0
    last_error = "no JSON object"
    while start >= 0 and tried < _MAX_OBJECTS_TRIED:
        tried += 1
        try:
            data, _ = decoder.raw_decode(text, start)
        except json.JSONDecodeError as error:
            last_error = f"invalid JSON: {error.msg} at position {error.pos}"
        else:
            if isinstance(data, dict) and isinstance(data.get("facts"), list):
                return data
            last_error = 'JSON does not match the facts schema: no "facts" list'
        start = text.find("{", start + 1)
    raise LLMOutputError(f"{last_error} in the answer ({len(text)} characters)")


def make_fact(
    item: ExtractionItem,
    *,
    category: str,
    key: str | None,
    text: str,
    message_ids: Sequence[str],
    rank: int,
    value: str | None = None,
    status: FactStatus = "current",
) -> Fact:
    """A fact of ``item``: the one constructor, used for answers and cache entries alike."""
    position = {message_id: index for index, message_id in enumerate(item.message_ids)}
    known = tuple(dict.fromkeys(m for m in message_ids if m in position))
    first = min((position[m] for m in known), default=len(item.message_ids))
    return Fact(
        category=category,
        key=key,
        text=text,
        chunk_id=item.chunk_id,
        conversation_id=item.conversation_id,
        tier=item.tier,
        message_ids=known,
        date=item.date,
        value=value if key else None,
        status=status,
        title=item.title,
        sequence=(item.start, first, rank),
    )


def bind_facts(output: ParsedOutput, items: Sequence[ExtractionItem]) -> Bound:
    """Each chunk's facts, by chunk id; a fact naming no chunk of the call is dropped.

    The answer names chunks and turns by the call's short references
    (:func:`extraction.prompts.refs`). A fact without a known chunk reference
    goes to the only chunk when the call had one; turn references that are
    not the chunk's are dropped.
    """
    chunks, messages = refs(items)
    bound: dict[str, list[Fact]] = {item.chunk_id: [] for item in items}
    dropped = 0
    for raw in output.facts:
        item = chunks.get(raw.chunk)
        if item is None and len(chunks) == 1:
            item = items[0]
        if item is None:
            dropped += 1
            continue
        facts = bound[item.chunk_id]
        facts.append(
            make_fact(
                item,
                category=raw.category,
                key=raw.key,
                value=raw.value,
                status=raw.status,
                text=raw.text,
                message_ids=[messages[m] for m in raw.messages if m in messages],
                rank=len(facts),
            )
        )
    return Bound(bound, output.dropped + dropped)
