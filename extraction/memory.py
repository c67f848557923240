"""Memory: facts merged into one markdown profile with fixed sections.

- Facts are ordered by when they were said: the chunk's date, then its
  conversation, then where in the conversation and in the answer
  (:attr:`~extraction.facts.Fact.sequence`); never by their text.
- A fact with a ``key`` sets a single-valued attribute (any key: home_city,
  car, code_editor...). Per key, a ``current`` statement of a new value makes
  it current and sends the old one to the history, with its dates; a
  ``former`` statement records a past value (and ends it, if it was current).
  Statements of the same key and value are one bullet, whatever their wording
  or category.
- Other facts are merged when their content words match: Jaccard >= ``near``,
  or the smaller set (3 words or more) contained at >= ``near`` in the larger,
  across categories; the more informative text is kept.
- Every bullet carries its dates and its sources: conversation titles and
  dates (the first three, then a count), and, in an HTML comment, every
  chunk id and message id.
- Deterministic: the same facts, in any order, give the same document.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from extraction.facts import Fact

__all__ = ["SECTIONS", "MemoryDocument", "MemoryEntry", "PastValue", "build_memory"]

SECTIONS: dict[str, str] = {
    "identity": "Identity",
    "work": "Work",
    "places": "Places",
    "family": "Family",
    "pets": "Pets",
    "preferences": "Preferences",
    "projects": "Projects",
    "goals": "Goals",
    "interests": "Interests",
    "other": "Other",
}

_WORD = re.compile(r"\w+")
_STOP = frozenset(
    "a an the is are was were of in at to for and or with that who which has have had "
    "named called my".split()
)
_EPOCH = datetime(1, 1, 1, tzinfo=UTC)
_SHOWN_SOURCES = 3


@dataclass(slots=True)
class _Sources:
    chunk_ids: set[str] = field(default_factory=set)
    message_ids: set[str] = field(default_factory=set)
    conversations: dict[str, tuple[datetime, str]] = field(default_factory=dict)

    def add(self, fact: Fact) -> None:
        self.chunk_ids.add(fact.chunk_id)
        self.message_ids.update(fact.message_ids)
        when = fact.date or _EPOCH
        seen = self.conversations.get(fact.conversation_id)
        if seen is None or when < seen[0]:
            self.conversations[fact.conversation_id] = (when, fact.title)

    def update(self, other: _Sources) -> None:
        self.chunk_ids |= other.chunk_ids
        self.message_ids |= other.message_ids
        for conversation, (when, title) in other.conversations.items():
            seen = self.conversations.get(conversation)
            if seen is None or when < seen[0]:
                self.conversations[conversation] = (when, title)


@dataclass(slots=True)
class PastValue:
    """An earlier value of an attribute, and when it was stated and replaced."""

    text: str
    since: datetime
    until: datetime | None


@dataclass(slots=True)
class MemoryEntry:
    """One bullet: a fact (or an attribute's current value) merged from its statements.

    ``current`` is false for an attribute whose last word was that its value
    no longer holds (the bullet then says "formerly").
    """

    category: str
    key: str | None
    text: str
    words: frozenset[str]
    first: datetime
    last: datetime
    sources: _Sources = field(default_factory=_Sources)
    history: list[PastValue] = field(default_factory=list)
    current: bool = True

    @property
    def chunk_ids(self) -> set[str]:
        """Every chunk the bullet's statements came from."""
        return self.sources.chunk_ids


@dataclass(frozen=True, slots=True)
class MemoryDocument:
    """The profile as markdown, and the entries it was rendered from."""

    markdown: str
    entries: tuple[MemoryEntry, ...]


def build_memory(
    facts: Iterable[Fact],
    *,
    produced_by: str,
    user_id: str | None = None,
    near: float = 0.8,
    title: str = "Memory profile",
) -> MemoryDocument:
    """Merge ``facts`` into the profile.

    Args:
        facts: facts of any chunks and tiers, in any order.
        produced_by: the LLM that extracted them (a stand-in says it is one);
            the document's header names it.
        user_id: whose profile it is, shown in the header.
        near: the word-set similarity at or above which two unkeyed facts are one.
        title: the document's heading.

    Returns:
        The document; ``entries`` in section order, then by text.
    """
    ordered = sorted(facts, key=_order)
    keyed = _attributes([f for f in ordered if f.key])
    plain = _merge([f for f in ordered if not f.key], near)
    entries = keyed + plain
    rank = {category: index for index, category in enumerate(SECTIONS)}
    entries.sort(key=lambda e: (rank.get(e.category, len(rank)), e.text.lower(), e.text))
    header = [f"# {title}", ""]
    if user_id is not None:
        header.append(f"User: `{user_id}`  ")
    header.extend([f"Produced by: {produced_by}", ""])
    return MemoryDocument(markdown=_render(entries, header), entries=tuple(entries))


def _order(fact: Fact) -> tuple[datetime, str, tuple[int, int, int], str]:
    return (fact.date or _EPOCH, fact.conversation_id, fact.sequence, fact.chunk_id)


def _words(text: str) -> frozenset[str]:
    return frozenset(_stem(w) for w in _WORD.findall(text.casefold()) if w not in _STOP)


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _category(fact: Fact) -> str:
    return fact.category if fact.category in SECTIONS else "other"


@dataclass(slots=True)
class _Slot:
    """One attribute's values as statements arrive in order."""

    values: dict[str, MemoryEntry] = field(default_factory=dict)
    current: str | None = None
    since: datetime = _EPOCH
    history: list[tuple[str, datetime, datetime | None]] = field(default_factory=list)


def _value_of(fact: Fact) -> str:
    """The value's identity: casefolded words, without a leading article."""
    words = _WORD.findall((fact.value or fact.text).casefold())
    if len(words) > 1 and words[0] in ("a", "an", "the"):
        words = words[1:]
    return " ".join(words)


def _attributes(facts: list[Fact]) -> list[MemoryEntry]:
    """Each key's current value (or its last former one), with the values before it."""
    slots: dict[str, _Slot] = {}
    for fact in facts:  # in the order they were said
        slot = slots.setdefault(fact.key or "", _Slot())
        value = _value_of(fact)
        when = fact.date or _EPOCH
        entry = slot.values.get(value)
        if entry is None:
            entry = MemoryEntry(_category(fact), fact.key, fact.text, frozenset(), when, when)
            slot.values[value] = entry
        entry.sources.add(fact)
        entry.last = max(entry.last, when)
        if fact.status == "current":
            if slot.current != value:
                if slot.current is not None:
                    slot.history.append((slot.current, slot.since, when))
                slot.current, slot.since = value, when
        elif slot.current == value:
            slot.history.append((value, slot.since, when))
            slot.current = None
        elif all(past != value for past, _, _ in slot.history):
            slot.history.append((value, when, None))
    return [_slot_entry(slot) for _key, slot in sorted(slots.items())]


def _slot_entry(slot: _Slot) -> MemoryEntry:
    if slot.current is not None:
        entry = slot.values[slot.current]
        entry.first = slot.since
    else:
        last, since, until = slot.history.pop()
        entry = slot.values[last]
        entry.current = False
        entry.first = since
        entry.last = until or entry.last
    for value, since, until in slot.history:
        if slot.current is not None and value == slot.current:
            continue
        past = slot.values[value]
        entry.history.append(PastValue(past.text, since, until))
        entry.sources.update(past.sources)
    entry.history.sort(key=lambda p: (p.since, p.until or _EPOCH))
    return entry


def _merge(facts: list[Fact], near: float) -> list[MemoryEntry]:
    entries: list[MemoryEntry] = []
    exact: dict[frozenset[str], MemoryEntry] = {}
    postings: dict[str, list[MemoryEntry]] = {}
    for fact in facts:
        words = _words(fact.text)
        when = fact.date or _EPOCH
        entry = exact.get(words) or _near(postings, words, near)
        if entry is None:
            entry = MemoryEntry(_category(fact), None, fact.text, words, when, when)
            entries.append(entry)
            for word in words:
                postings.setdefault(word, []).append(entry)
        elif len(words) > len(entry.words):  # the more informative statement is kept
            entry.text = fact.text
            for word in words - entry.words:
                postings.setdefault(word, []).append(entry)
            entry.words = entry.words | words
        exact[words] = entry
        entry.sources.add(fact)
        entry.last = max(entry.last, when)
    return entries


def _near(
    postings: dict[str, list[MemoryEntry]], words: frozenset[str], near: float
) -> MemoryEntry | None:
    """The first earlier entry sharing one of the two rarest words that matches ``words``."""
    rare = sorted(words, key=lambda w: (len(postings.get(w, ())), w))[:2]
    for word in rare:
        for entry in postings.get(word, ()):
            shared = len(words & entry.words)
            smaller = min(len(words), len(entry.words))
            union = len(words | entry.words)
            if union and shared / union >= near:
                return entry
            if smaller >= 3 and shared / smaller >= near:
                return entry
    return None


def _render(entries: list[MemoryEntry], header: list[str]) -> str:
    lines = list(header)
    for category, heading in SECTIONS.items():
        lines.append(f"## {heading}")
        lines.append("")
        bullets = [_bullet(e) for e in entries if e.category == category]
        lines.extend(bullets or ["_Nothing recorded._"])
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _day(when: datetime | None) -> str:
    return "undated" if when is None or when == _EPOCH else when.date().isoformat()


def _bullet(entry: MemoryEntry) -> str:
    if entry.key is None:
        dated = _day(entry.first)
        if entry.last != entry.first:
            dated += f" to {_day(entry.last)}"
        notes = [f"said {dated}"]
        text = entry.text
    elif entry.current:
        notes = [f"since {_day(entry.first)}"]
        text = entry.text
    else:
        notes = [f"from {_day(entry.first)} until {_day(entry.last)}"]
        text = f"Formerly: {entry.text}"
    if entry.history:
        before = ", ".join(
            f"“{p.text}” ({_day(p.since)}" + (f" to {_day(p.until)})" if p.until else ")")
            for p in entry.history
        )
        notes.append(f"before: {before}")
    return f"- {text} ({'; '.join(notes)}) — {_shown_sources(entry.sources)} {_comment(entry)}"


def _shown_sources(sources: _Sources) -> str:
    conversations = sorted(sources.conversations.items(), key=lambda c: (c[1][0], c[0]))
    shown = [
        f"“{title or 'untitled'}” ({_day(when)})"
        for _id, (when, title) in conversations[:_SHOWN_SOURCES]
    ]
    more = len(conversations) - _SHOWN_SOURCES
    return "from " + ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _comment(entry: MemoryEntry) -> str:
    chunks = ", ".join(sorted(entry.sources.chunk_ids))
    messages = ", ".join(sorted(entry.sources.message_ids))
    return f"<!-- chunks: {chunks}; messages: {messages} -->"
