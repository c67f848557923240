"""A deterministic offline stand-in for the model: rules over the user's own turns.

It reads the same prompt the model gets, finds statements the user makes
about themselves (name, work, places, family, pets, preferences, projects,
goals, interests) with regular expressions, and answers with the same JSON
shape as the model. Token usage is counted with cl100k and marked as an
estimate. It is a stand-in for running without a key (``make eval``, tests),
not a claim about what the model would extract; :attr:`OfflineLLM.description`
says so in every report.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from extraction.batches import BatchJournal
from extraction.errors import LLMCallError
from extraction.items import Turn
from extraction.llm import LLMRequest, LLMResponse, Usage
from extraction.prompts import parse_prompt_chunks

__all__ = ["OFFLINE_MODEL", "RULES", "OfflineLLM", "Rule", "facts_of_turn"]

OFFLINE_MODEL = "offline-rules-v1"

_NAME = r"([A-Z][\w'-]+(?: [A-Z][\w'-]+){0,2})"
_PLACE = r"([A-Z][\w'-]+(?: [A-Z][\w'-]+){0,2})"
_CLAUSE = r"([^.!?;\n]{2,120}?)"
_END = r"(?=[.!?;,\n]|$| but | and | so )"


@dataclass(frozen=True, slots=True)
class Rule:
    """A pattern over one sentence of a user turn, and the fact it yields."""

    category: str
    key: str | None
    pattern: re.Pattern[str]
    template: Callable[[re.Match[str]], str]


def _rule(
    category: str, key: str | None, pattern: str, template: Callable[[re.Match[str]], str]
) -> Rule:
    return Rule(category, key, re.compile(pattern, re.IGNORECASE if key is None else 0), template)


RULES: tuple[Rule, ...] = (
    _rule("identity", "name", rf"\b[Mm]y name is {_NAME}", lambda m: f"Name is {m[1]}"),
    _rule("identity", "name", rf"\b(?:I'm|I am) called {_NAME}", lambda m: f"Name is {m[1]}"),
    _rule(
        "places",
        "home_city",
        rf"\bI (?:just |recently |have )?moved to {_PLACE}(?: from {_PLACE})?",
        lambda m: f"Lives in {m[1]}" + (f" (moved from {m[2]})" if m[2] else ""),
    ),
    _rule("places", "home_city", rf"\bI live in {_PLACE}", lambda m: f"Lives in {m[1]}"),
    _rule(
        "places",
        None,
        r"\bI(?:'m| am) (?:originally )?from ([A-Z][\w'-]+)",
        lambda m: f"Is from {m[1]}",
    ),
    _rule(
        "work",
        "job",
        rf"\bI work as {_CLAUSE}{_END}",
        lambda m: f"Works as {m[1].strip()}",
    ),
    _rule(
        "work",
        "employer",
        rf"\bI work (?:at|for) {_CLAUSE}{_END}",
        lambda m: f"Works at {m[1].strip()}",
    ),
    _rule(
        "family",
        None,
        r"\b[Mm]y (wife|husband|partner|son|daughter|mother|father|mom|dad|sister|brother"
        r"|girlfriend|boyfriend)(?:'s name is| is called| is named|,)? ([A-Z][\w'-]+)",
        lambda m: f"Has a {m[1].lower()} named {m[2]}",
    ),
    _rule(
        "family",
        None,
        r"\bI have (two|three|four|\d+) (kids|children|sons|daughters)",
        lambda m: f"Has {m[1]} {m[2]}",
    ),
    _rule(
        "pets",
        None,
        r"\bI have an? (cat|dog|puppy|kitten|parrot|rabbit|hamster|horse|turtle)"
        r"(?: (?:called|named) ([A-Z][\w'-]+))?",
        lambda m: f"Has a {m[1].lower()}" + (f" named {m[2]}" if m[2] else ""),
    ),
    _rule(
        "preferences",
        None,
        rf"\bI (prefer|like|love|enjoy|hate|dislike|can't stand) {_CLAUSE}{_END}",
        lambda m: f"{_verb(m[1])} {m[2].strip()}",
    ),
    _rule(
        "projects",
        None,
        rf"\bI(?:'m| am) (building|working on|writing|developing) {_CLAUSE}{_END}",
        lambda m: f"Is {m[1].lower()} {m[2].strip()}",
    ),
    _rule("goals", None, rf"\b[Mm]y goal is to {_CLAUSE}{_END}", lambda m: f"Goal: {m[1].strip()}"),
    _rule(
        "goals",
        None,
        rf"\bI(?:'m| am) training for {_CLAUSE}{_END}",
        lambda m: f"Is training for {m[1].strip()}",
    ),
    _rule(
        "goals",
        None,
        rf"\bI (?:want|plan|hope) to (learn|become|start|finish) {_CLAUSE}{_END}",
        lambda m: f"Wants to {m[1].lower()} {m[2].strip()}",
    ),
    _rule(
        "goals",
        None,
        rf"\bquero aprender a {_CLAUSE}{_END}",
        lambda m: f"Wants to learn to {m[1].strip()}",
    ),
    _rule(
        "interests",
        None,
        r"\bI (run|swim|cycle|climb|paint|cook|bake|hike) (\w+ times a (?:week|month))",
        lambda m: f"{m[1].capitalize()}s {m[2]}",
    ),
    _rule(
        "interests",
        None,
        rf"\bmy hobb(?:y is|ies are) {_CLAUSE}{_END}",
        lambda m: f"Hobbies: {m[1].strip()}",
    ),
)

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def _verb(word: str) -> str:
    verbs = {"can't stand": "Can't stand", "prefer": "Prefers", "like": "Likes"}
    return verbs.get(word.lower(), f"{word.lower().capitalize()}s")


def facts_of_turn(turn: Turn) -> list[dict[str, object]]:
    """The facts the rules find in one user turn (none for other roles)."""
    if turn.role != "user":
        return []
    found: list[dict[str, object]] = []
    seen: set[str] = set()
    for sentence in _SENTENCE.split(turn.text):
        for rule in RULES:
            for match in rule.pattern.finditer(sentence):
                text = rule.template(match).rstrip(" ,")
                if text not in seen:
                    seen.add(text)
                    fact: dict[str, object] = {"category": rule.category}
                    if rule.key:
                        fact["key"] = rule.key
                    fact.update(text=text, messages=[turn.message_id])
                    found.append(fact)
    return found


class OfflineLLM:
    """Answers extraction prompts with :data:`RULES`; usage is a cl100k estimate.

    Args:
        count_tokens: token counter (defaults to the shared cl100k tokenizer).
        message_overhead: tokens added per message, as chat formats do.
    """

    estimates = True
    description = (
        "offline rule-based stand-in (no model called; facts from regular expressions over "
        "the user's turns; token figures are cl100k estimates)"
    )

    def __init__(
        self, *, count_tokens: Callable[[str], int] | None = None, message_overhead: int = 4
    ) -> None:
        if count_tokens is None:
            from chunking.tokens import get_tokenizer

            count_tokens = get_tokenizer().count
        self._count = count_tokens
        self._overhead = message_overhead
        self._cached_prefixes: set[str] = set()

    @property
    def model(self) -> str:
        """The cache identity of these rules."""
        return OFFLINE_MODEL

    async def complete(self, request: LLMRequest) -> LLMResponse:
        """The facts of the first user message's chunks, as the model's JSON."""
        if not request.messages or request.messages[0].role != "user":
            raise LLMCallError("offline LLM: a request starts with a user message")
        facts = [
            {"chunk": chunk_ref, **fact}
            for chunk_ref, turns in parse_prompt_chunks(request.messages[0].text)
            for turn in turns
            for fact in facts_of_turn(turn)
        ]
        text = json.dumps({"facts": facts}, ensure_ascii=False, separators=(",", ":"))
        return LLMResponse(text=text, usage=self._usage(request, text))

    async def complete_batch(
        self, requests: Sequence[LLMRequest], *, journal: BatchJournal | None = None
    ) -> list[LLMResponse | LLMCallError]:
        """The same answers as :meth:`complete`, as a batch would return them.

        The answers come at once, so nothing is left pending in ``journal``.
        """
        return [await self.complete(request) for request in requests]

    def _usage(self, request: LLMRequest, output: str) -> Usage:
        system = self._count(request.system) + self._overhead
        rest = sum(self._count(m.text) + self._overhead for m in request.messages)
        write = read = 0
        if request.cache_system:
            if request.system in self._cached_prefixes:
                read, system = system, 0
            else:
                self._cached_prefixes.add(request.system)
                write, system = system, 0
        return Usage(
            input_tokens=system + rest,
            output_tokens=self._count(output),
            cache_write_tokens=write,
            cache_read_tokens=read,
            estimated=True,
        )
