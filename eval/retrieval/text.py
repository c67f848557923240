"""What BM25 sees of a unit: its text and its messages' dates, cut into terms.

Two choices here move evidence recall more than any BM25 parameter (the
ablation of ``make eval SWEEP=1``; docs/eval.md, "What helps"):

- **Terms** (:class:`Analyzer`): a 179-word English stopword list (bm25s'
  ``en_plus``; the default 33-word Lucene list keeps "what", "did", "does",
  which match every chunk) and Snowball stemming (PyStemmer), so that
  "camped" finds "camping".
- **Dates** (:func:`indexed_text`): the days of the unit's messages appended
  as words ("8 May 2023"), so that "When did Melanie go camping in June?"
  prefers chunks of June's sessions. Returned text is never changed; only the
  index sees the dates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from chunking.model import Conversation
from eval.errors import import_extra
from eval.spans import SpanUnit

__all__ = [
    "DEFAULT_ANALYZER",
    "Analyzer",
    "MessageDates",
    "indexed_text",
    "message_dates",
]

MessageDates = Mapping[tuple[str, str], datetime]
"""The date of each message, by ``(conversation_id, message_id)``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Analyzer:
    """How text becomes BM25 terms (lower-cased words, via ``bm25s.tokenize``).

    Attributes:
        stopwords: a bm25s stopword list name: ``"en_plus"`` (179 words) or ``"en"`` (33).
        stem: Snowball English stemming (PyStemmer).
    """

    stopwords: str = "en_plus"
    stem: bool = True

    def terms(self, texts: list[str]) -> list[list[str]]:
        """The terms of each text, in order (stopwords removed)."""
        bm25s = import_extra("bm25s")
        stemmer = _stemmer() if self.stem else None
        terms: list[list[str]] = bm25s.tokenize(
            texts, stopwords=self.stopwords, stemmer=stemmer, return_ids=False,
            show_progress=False,
        )  # fmt: skip
        return terms


DEFAULT_ANALYZER = Analyzer()
"""The analyzer of every index unless told otherwise."""


def message_dates(conversations: Iterable[Conversation]) -> dict[tuple[str, str], datetime]:
    """The ``created_at`` of every dated message of ``conversations``."""
    return {
        (conversation.id, message.id): message.created_at
        for conversation in conversations
        for message in conversation.messages
        if message.created_at is not None
    }


def indexed_text(unit: SpanUnit, dates: MessageDates | None) -> str:
    """``unit.content``, then the distinct days of its messages in order, e.g. ``8 May 2023``.

    Units without ``message_ids`` and messages without dates add nothing.

    >>> from types import SimpleNamespace
    >>> unit = SimpleNamespace(conversation_id="c", content="Hi", message_ids=("m",))
    >>> indexed_text(unit, {("c", "m"): datetime(2023, 5, 8, 13, 56)})
    'Hi\\n8 May 2023'
    """
    ids: tuple[str, ...] = getattr(unit, "message_ids", ())
    if not dates or not ids:
        return unit.content
    days = sorted({d.date() for m in ids if (d := dates.get((unit.conversation_id, m)))})
    if not days:
        return unit.content
    return unit.content + "\n" + " ".join(f"{day.day} {day:%B %Y}" for day in days)


@cache
def _stemmer() -> Any:
    stemmer = import_extra("Stemmer", package="PyStemmer").Stemmer("english")
    return stemmer.stemWords
