"""Facts: the model's JSON validated with pydantic, then bound to their chunks."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from chunking.tiers import ChunkTier
from extraction.errors import LLMOutputError
from extraction.items import ExtractionItem
from extraction.prompts import Category, refs

__all__ = ["Fact", "FactOutput", "RawFact", "bind_facts", "parse_output"]


class RawFact(BaseModel):
    """One fact as the model writes it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    chunk: str = ""
    category: Category
    key: str | None = None
    text: str = Field(min_length=2, max_length=500)
    messages: tuple[str, ...] = ()

    @field_validator("text")
    @classmethod
    def _strip(cls, value: str) -> str:
        return " ".join(value.split())

    @field_validator("key")
    @classmethod
    def _key(cls, value: str | None) -> str | None:
        value = (value or "").strip().lower().replace(" ", "_")
        return value or None


class FactOutput(BaseModel):
    """The whole answer: ``{"facts": [...]}``."""

    model_config = ConfigDict(extra="ignore")

    facts: list[RawFact]


@dataclass(frozen=True, slots=True, kw_only=True)
class Fact:
    """A fact about the user, traceable to the chunk and messages it came from."""

    category: str
    key: str | None
    text: str
    chunk_id: str
    conversation_id: str
    tier: ChunkTier
    message_ids: tuple[str, ...]
    date: datetime | None


def parse_output(text: str) -> FactOutput:
    """Validate the model's answer: one JSON object, possibly inside a code fence.

    Raises:
        LLMOutputError: no JSON object, invalid JSON, or a shape that does not validate.
    """
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        raise LLMOutputError(f"no JSON object in the answer ({len(text)} characters)")
    try:
        data = json.loads(text[start : end + 1])
    except json.JSONDecodeError as error:
        raise LLMOutputError(f"invalid JSON: {error.msg} at position {error.pos}") from None
    try:
        return FactOutput.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise LLMOutputError(
            f"JSON does not match the facts schema: {where}: {first['msg']} "
            f"({error.error_count()} problems)"
        ) from None


def bind_facts(output: FactOutput, items: Sequence[ExtractionItem]) -> dict[str, list[Fact]]:
    """Each chunk's facts, by chunk id (every item gets an entry, maybe empty).

    The answer names chunks and turns by the call's short references
    (:func:`extraction.prompts.refs`). A fact without a known chunk reference
    goes to the only chunk when the call had one; turn references that are
    not the chunk's are dropped.

    Raises:
        LLMOutputError: a fact names a chunk that was not in the call.
    """
    chunks, messages = refs(items)
    bound: dict[str, list[Fact]] = {item.chunk_id: [] for item in items}
    for raw in output.facts:
        item = chunks.get(raw.chunk)
        if item is None and len(chunks) == 1:
            item = items[0]
        if item is None:
            raise LLMOutputError(
                f"a fact names chunk {raw.chunk!r}, which was not in the request "
                f"(valid: {', '.join(chunks)})"
            )
        known = set(item.message_ids)
        ids = [messages[m] for m in raw.messages if m in messages]
        bound[item.chunk_id].append(
            Fact(
                category=raw.category,
                key=raw.key,
                text=raw.text,
                chunk_id=item.chunk_id,
                conversation_id=item.conversation_id,
                tier=item.tier,
                message_ids=tuple(dict.fromkeys(m for m in ids if m in known)),
                date=item.date,
            )
        )
    return bound
