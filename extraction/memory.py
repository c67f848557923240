"""Memory: facts merged into one markdown profile with fixed sections.

- Facts are deduplicated across chunks and tiers: exactly (same normalized
  text) and near-duplicates (word Jaccard >= ``near``) in the same category.
- Facts with a ``key`` (one value at a time: name, home_city, job...) keep only
  the latest by date; the bullet says which earlier value it replaces and when.
- Every bullet ends with an HTML comment listing its source chunk ids.
- Deterministic: the same facts, in any order, give the same document.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from extraction.facts import Fact

__all__ = ["SECTIONS", "MemoryDocument", "MemoryEntry", "build_memory"]

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
    ("a", "an", "the", "is", "are", "was", "of", "in", "at", "to", "for", "and", "or", "with")
)
_EPOCH = datetime(1, 1, 1, tzinfo=UTC)


@dataclass(slots=True)
class MemoryEntry:
    """One bullet: a fact merged from its duplicates, with its sources."""

    category: str
    key: str | None
    text: str
    words: frozenset[str]
    chunk_ids: set[str] = field(default_factory=set)
    message_ids: set[str] = field(default_factory=set)
    first: datetime = _EPOCH
    last: datetime = _EPOCH
    replaces: list[tuple[str, datetime]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class MemoryDocument:
    """The profile as markdown, and the entries it was rendered from."""

    markdown: str
    entries: tuple[MemoryEntry, ...]


def build_memory(
    facts: Iterable[Fact], *, near: float = 0.8, title: str = "Memory profile"
) -> MemoryDocument:
    """Merge ``facts`` into the profile.

    Args:
        facts: facts of any chunks and tiers, in any order.
        near: word-set Jaccard at or above which two facts of a category are one.
        title: the document's heading.

    Returns:
        The document; ``entries`` in section order, then by text.
    """
    entries = _merge(sorted(facts, key=_order), near)
    entries = _resolve_keys(entries)
    order = {category: index for index, category in enumerate(SECTIONS)}
    entries.sort(key=lambda e: (order.get(e.category, len(order)), e.text.lower(), e.text))
    return MemoryDocument(markdown=_render(entries, title), entries=tuple(entries))


def _order(fact: Fact) -> tuple[datetime, str, str, str, str]:
    return (fact.date or _EPOCH, fact.conversation_id, fact.chunk_id, fact.category, fact.text)


def _words(text: str) -> frozenset[str]:
    return frozenset(w for w in _WORD.findall(text.lower()) if w not in _STOP)


def _merge(facts: list[Fact], near: float) -> list[MemoryEntry]:
    entries: list[MemoryEntry] = []
    exact: dict[tuple[str, frozenset[str]], MemoryEntry] = {}
    postings: dict[tuple[str, str], list[MemoryEntry]] = {}
    for fact in facts:
        category = fact.category if fact.category in SECTIONS else "other"
        words = _words(fact.text)
        entry = exact.get((category, words)) or _near(postings, category, words, near)
        if entry is None:
            entry = MemoryEntry(category, fact.key, fact.text, words, first=fact.date or _EPOCH)
            entries.append(entry)
            exact[(category, words)] = entry
            for word in words:
                postings.setdefault((category, word), []).append(entry)
        entry.chunk_ids.add(fact.chunk_id)
        entry.message_ids.update(fact.message_ids)
        entry.last = max(entry.last, fact.date or _EPOCH)
        entry.key = entry.key or fact.key
    return entries


def _near(
    postings: dict[tuple[str, str], list[MemoryEntry]],
    category: str,
    words: frozenset[str],
    near: float,
) -> MemoryEntry | None:
    """The first earlier entry sharing one of the two rarest words with Jaccard >= near."""
    rare = sorted(words, key=lambda w: (len(postings.get((category, w), ())), w))[:2]
    for word in rare:
        for entry in postings.get((category, word), ()):
            union = len(words | entry.words)
            if union and len(words & entry.words) / union >= near:
                return entry
    return None


def _resolve_keys(entries: list[MemoryEntry]) -> list[MemoryEntry]:
    """Keep the latest entry of each (category, key); it records what it replaces."""
    latest: dict[tuple[str, str], MemoryEntry] = {}
    for entry in entries:
        if entry.key is None:
            continue
        slot = (entry.category, entry.key)
        current = latest.get(slot)
        if current is None or (entry.last, entry.text) > (current.last, current.text):
            latest[slot] = entry
    kept: list[MemoryEntry] = []
    for entry in entries:
        winner = latest.get((entry.category, entry.key)) if entry.key else None
        if winner is None or winner is entry:
            kept.append(entry)
        else:
            winner.replaces.append((entry.text, entry.last))
    for entry in kept:
        entry.replaces.sort(key=lambda item: (item[1], item[0]))
    return kept


def _render(entries: list[MemoryEntry], title: str) -> str:
    lines = [f"# {title}", ""]
    for category, heading in SECTIONS.items():
        lines.append(f"## {heading}")
        lines.append("")
        bullets = [_bullet(e) for e in entries if e.category == category]
        lines.extend(bullets or ["_Nothing recorded._"])
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _bullet(entry: MemoryEntry) -> str:
    notes: list[str] = []
    if entry.key and entry.last != _EPOCH:
        notes.append(f"as of {entry.last.date().isoformat()}")
    for text, when in entry.replaces:
        date = f" from {when.date().isoformat()}" if when != _EPOCH else ""
        notes.append(f"replaces “{text}”{date}")
    suffix = f" ({'; '.join(notes)})" if notes else ""
    sources = ", ".join(sorted(entry.chunk_ids))
    return f"- {entry.text}{suffix} <!-- chunks: {sources} -->"
