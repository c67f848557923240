"""Datasets: the conversations to chunk, the queries, and their gold answers.

A dataset is one or more users' conversations (the state that is searched),
queries asked on behalf of one user, and for each query its gold: the
messages that answer it and the character spans of the answer. Gold spans are
kept in the coordinates of chunk offsets (the conversation's canonical text,
:func:`chunking.render.render`), so that span metrics compare like with like.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chunking import Conversation
from eval.spans import Span

__all__ = [
    "Corpus",
    "Dataset",
    "Gold",
    "ImportPair",
    "Query",
]


@dataclass(frozen=True, slots=True)
class Gold:
    """What answers a query: messages ``(conversation_id, message_id)`` and text spans."""

    messages: frozenset[tuple[str, str]]
    spans: tuple[Span, ...] = ()


@dataclass(frozen=True, slots=True)
class Query:
    """A question asked on behalf of ``user_id``; ``kind`` groups results in the report."""

    id: str
    user_id: str
    text: str
    gold: Gold
    kind: str = ""


@dataclass(frozen=True, slots=True)
class Corpus:
    """One user's conversations: what that user's queries search."""

    user_id: str
    conversations: tuple[Conversation, ...]


@dataclass(frozen=True, slots=True)
class ImportPair:
    """Two exports of one account, for the re-import measurements.

    ``changed`` holds the ids of the conversations of ``second`` that are new
    or differ from ``first``.
    """

    user_id: str
    first: tuple[Conversation, ...]
    second: tuple[Conversation, ...]
    changed: frozenset[str]


@dataclass(frozen=True, slots=True)
class Dataset:
    """Everything one evaluation run reads. ``digest`` identifies the input files.

    ``gold_spans`` says what one gold span is in this dataset (the report
    words its evidence figures with it), e.g. a LoCoMo evidence turn.
    """

    name: str
    corpora: tuple[Corpus, ...]
    queries: tuple[Query, ...]
    digest: str
    imports: tuple[ImportPair, ...] = field(default=())
    gold_spans: str = "a gold span of the dataset"
