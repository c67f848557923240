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

__all__ = [
    "ATTRIBUTE_RULES",
    "OFFLINE_MODEL",
    "RULES",
    "FactsMemo",
    "OfflineLLM",
    "Rule",
    "facts_of_turn",
]

OFFLINE_MODEL = "offline-rules-v2"

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
    value_group: int | str = 1
    status: str = "current"


def _rule(
    category: str, key: str | None, pattern: str, template: Callable[[re.Match[str]], str]
) -> Rule:
    return Rule(category, key, re.compile(pattern, re.IGNORECASE if key is None else 0), template)


def _attribute(
    category: str, key: str, text: str, *patterns: str, status: str = "current"
) -> tuple[Rule, ...]:
    """Rules setting attribute ``key`` to the group ``v`` of any of ``patterns``."""
    return tuple(
        Rule(
            category,
            key,
            re.compile(pattern),
            lambda m, text=text: text.format(v=m["v"]),  # type: ignore[misc]
            "v",
            status,
        )
        for pattern in patterns
    )


_CAR = r"(?P<v>[A-Z][\w-]*(?: [A-Z0-9][\w-]*){0,2})"
_TITLE = r"(?P<v>[A-Z][\w-]*(?: [A-Z][\w-]*){0,2})"
_LOWER = r"(?P<v>[a-z][a-z ]*?[a-z])"
_DAY = r"(?P<v>(?:January|February|March|April|May|June|July|August|September|October"
_DAY += r"|November|December) \d{1,2})"

ATTRIBUTE_RULES: tuple[Rule, ...] = (
    *_attribute(
        "places",
        "home_city",
        "Lives in {v}",
        rf"\bI moved from {_PLACE} to (?P<v>[A-Z][\w'-]+(?: [A-Z][\w'-]+){{0,2}})",
        rf"\b[Mm]ost of my friends are in {_TITLE}, where I live",
        rf"\b[Hh]ere in {_TITLE} the weather",
    ),
    *_attribute(
        "places",
        "home_city",
        "Lived in {v}",
        r"\bI moved from (?P<v>[A-Z][\w'-]+(?: [A-Z][\w'-]+){0,2}) to ",
        r"\bI (?:just |recently |have )?moved to [A-Z][\w'-]+(?: [A-Z][\w'-]+){0,2} from "
        r"(?P<v>[A-Z][\w'-]+(?: [A-Z][\w'-]+){0,2})",
        status="former",
    ),
    *_attribute(
        "pets",
        "dog",
        "Has a dog named {v}",
        rf"\b[Mm]y dog is called {_TITLE}",
        rf"^{_TITLE}, my dog\b",
        rf"\bmy dog {_TITLE}",
        rf"\badopted a (?:puppy|dog) named {_TITLE}",
    ),
    *_attribute(
        "work",
        "job",
        "Works as a {v}",
        r"^As an? (?P<v>[\w ]+?), my weeks",
        r"\b[Mm]y job as an? (?P<v>[\w ]+?) involves",
        r"\bstarted as an? (?P<v>[\w ]+?) this week",
    ),
    *_attribute(
        "identity",
        "allergy",
        "Is allergic to {v}",
        rf"\bI'm allergic to {_LOWER}(?=[,.]|$)",
        rf"\b[Mm]y {_LOWER} allergy\b(?! is)",
        rf"\ballergy is to {_LOWER}(?=[,.]|$)",
    ),
    *_attribute(
        "goals",
        "language_learning",
        "Is learning {v}",
        r"\bI'm learning (?P<v>[A-Z]\w+)",
        r"\b[Mm]y (?P<v>[A-Z]\w+) lessons",
        r"\bpractise (?P<v>[A-Z]\w+) vocabulary",
        r"\bI'm studying (?P<v>[A-Z]\w+)",
    ),
    *_attribute(
        "other",
        "car",
        "Drives a {v}",
        rf"\bI drive an? {_CAR}",
        rf"\b[Mm]y {_CAR} needs new tyres",
        rf"\b[Tt]he {_CAR} I drive",
        rf"\bbought an? {_CAR}",
    ),
    *_attribute(
        "identity",
        "birthday",
        "Birthday is on {v}",
        rf"\bbirthday is on {_DAY}",
        rf"\bmy birthday on {_DAY}",
        rf"\bon {_DAY}, my birthday",
        rf"\bbirthday wrong\b.*\bit's actually {_DAY}",
    ),
    *_attribute(
        "interests",
        "instrument",
        "Plays the {v}",
        rf"\bI play the {_LOWER} (?:in a band|now)\b",
        rf"\bpractice is tonight; I'm on {_LOWER}(?=[.]|$)",
        rf"\bplaying the {_LOWER} since\b",
    ),
    *_attribute(
        "family",
        "partner",
        "Has a partner named {v}",
        r"\b[Mm]y partner (?P<v>[A-Z]\w+)",
        r"^(?P<v>[A-Z]\w+), my partner\b",
    ),
    *_attribute(
        "preferences",
        "code_editor",
        "Uses {v} as code editor",
        rf"\bcode editor of choice is {_TITLE}",
        rf"\bwrite all my code in {_TITLE}",
        rf"\bshortcuts for {_TITLE}, my code editor",
        rf"\bswitched my code editor to {_TITLE}",
    ),
)
"""Single-valued attributes: each match sets ``key`` to the group ``v``."""


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


FactsMemo = dict[str, tuple[dict[str, object], ...]]
"""The rules' facts by user turn text (:class:`OfflineLLM`'s ``memo``)."""


def facts_of_turn(turn: Turn, memo: FactsMemo | None = None) -> list[dict[str, object]]:
    """The facts the rules find in one user turn (none for other roles); ``memo`` keeps them."""
    if turn.role != "user":
        return []
    return [{**fact, "messages": [turn.message_id]} for fact in _facts_of_text(turn.text, memo)]


def _facts_of_text(text: str, memo: FactsMemo | None = None) -> tuple[dict[str, object], ...]:
    """The rules' facts of a user turn's text, without its message id (read-only: copy them)."""
    if memo is not None and text in memo:
        return memo[text]
    found: list[dict[str, object]] = []
    seen: set[str] = set()
    for sentence in _SENTENCE.split(text):
        for rule in (*ATTRIBUTE_RULES, *RULES):  # a keyed fact wins over its unkeyed twin
            for match in rule.pattern.finditer(sentence):
                fact_text = rule.template(match).rstrip(" ,")
                if fact_text not in seen:
                    seen.add(fact_text)
                    fact: dict[str, object] = {"category": rule.category}
                    if rule.key:
                        value = match[rule.value_group]
                        fact.update(key=rule.key, value=value, status=rule.status)
                    fact["text"] = fact_text
                    found.append(fact)
    if memo is not None:
        memo[text] = tuple(found)
    return tuple(found)


class OfflineLLM:
    """Answers extraction prompts with :data:`RULES`; usage is a cl100k estimate.

    Args:
        count_tokens: token counter (defaults to the shared cl100k tokenizer).
        message_overhead: tokens added per message, as chat formats do.
        memo: the rules' facts by turn text, kept for as long as the caller keeps
            the dict (``None``: none kept). A cost estimate extracts the same
            turns under each of its scenarios; one memo for all of them made
            ``extraction.costing``'s estimates of the eval's fixtures 1.4 times as
            fast. The service's stand-in keeps none, so its memory does not grow
            with what it has read.
    """

    estimates = True
    description = (
        "offline rule-based stand-in (no model called; facts from regular expressions over "
        "the user's turns; token figures are cl100k estimates)"
    )

    def __init__(
        self,
        *,
        count_tokens: Callable[[str], int] | None = None,
        message_overhead: int = 4,
        memo: FactsMemo | None = None,
    ) -> None:
        if count_tokens is None:
            from chunking.tokens import get_tokenizer

            count_tokens = get_tokenizer().count
        self._count = count_tokens
        self._overhead = message_overhead
        self._cached_prefixes: set[str] = set()
        # Every request of an import has the same few-thousand-token system
        # prompt: counted once each, not once a request.
        self._system_tokens: dict[str, int] = {}
        self._memo = memo

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
            for fact in facts_of_turn(turn, self._memo)
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
        if request.system not in self._system_tokens:
            self._system_tokens[request.system] = self._count(request.system)
        system = self._system_tokens[request.system] + self._overhead
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
