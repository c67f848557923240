"""Turns: rank chunks by the context score, return the messages they hold.

What is scored need not be what is returned, down to the message. A small
chunk holds a few turns of both speakers; returning it spends the budget on all
of them. This strategy scores the chunks as :mod:`eval.retrieval.context` does,
then returns whole messages (turns), each scored by the best chunk that holds
it::

    score(m) = (max(score(c) for the chunks c holding m) + own_weight * n(m)
                + dense_weight * d(m)) * speaker(m)

where ``n(m)`` is the message's own BM25 score divided by the best message's
(so that, of the turns of one chunk, the one that matches comes first),
``d(m)`` its cosine similarity to the question (all-MiniLM-L6-v2,
:mod:`eval.retrieval.dense`; below zero counted as zero) divided by the best
message's (so that a message no word of the question is in can still be
found by meaning; 0 when the messages were built without an encoder), and
``speaker(m)`` is 1, except when the question names exactly one of the
user's speakers (a message's ``name``, as a whole word in its own case):
then the other speakers' messages get ``speaker_weight``. A question about a
named person is mostly answered by what that person said (docs/eval.md gives
the share of such evidence turns on LoCoMo). In a
user/assistant chat whose messages carry no names, the rule never acts.
System messages (a LoCoMo session's date header) are not returned.

A returned message is the span from its label to the next message's label, so
the messages of a conversation partition its text as its chunks do, and its
``token_count`` is the cl100k count of that span.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Generic, TypeVar

from chunking import Chunk, Conversation, Role
from chunking.render import render
from chunking.tokens import get_tokenizer
from eval.errors import MissingConversationsError
from eval.retrieval.base import finish
from eval.retrieval.bm25 import BM25Index, TierIndexes
from eval.retrieval.context import ContextBM25, ContextRanker
from eval.retrieval.dense import DenseIndex, Encoder
from eval.retrieval.embedding_cache import EmbeddingCache
from eval.retrieval.text import DEFAULT_ANALYZER, Analyzer, MessageDates
from eval.spans import LabelledUnit, MessageUnit, SpanUnit

__all__ = ["DENSE_WEIGHT", "OWN_WEIGHT", "SPEAKER_WEIGHT", "Messages", "TurnRanker", "TurnsBM25"]

U = TypeVar("U", bound=SpanUnit)

SPEAKER_WEIGHT = 0.5
"""The weight of the other speakers' turns when a question names one speaker."""

OWN_WEIGHT = 0.25
"""The weight of a message's own normalised BM25 score.

Both weights were chosen on the training side of the sweep's split only;
docs/decisions.md gives the evidence."""

DENSE_WEIGHT = 1.0
"""The weight of a message's normalised dense similarity to the question.

Chosen on LoCoMo dev's conversations 0-2 only (weights .25-2 all help there;
1.0 is the middle of the plateau) and judged once on conversations 3-4;
docs/decisions.md gives both."""


@dataclass(frozen=True, slots=True)
class Messages:
    """The rendered messages of one user's conversations, in text order, and their speakers."""

    spans: tuple[LabelledUnit, ...]
    """Each rendered message as a retrieval unit: from its label to the next message's."""
    speaker: tuple[str | None, ...]
    """Each message's speaker (its ``name``, else its role); ``None`` for system
    messages, which are never returned."""
    where: dict[tuple[str, str], int]
    """(conversation id, message id) → index in ``spans``."""
    names: tuple[tuple[str, re.Pattern[str]], ...]
    """The speakers' names of all the conversations, each with the pattern that finds it."""
    index: BM25Index[LabelledUnit]
    """BM25 over the messages, indexed as chunks are (same analyzer, same dates)."""
    dense: DenseIndex | None = None
    """The messages' embeddings (their rendered text, label included), or ``None``."""

    @classmethod
    def build(
        cls,
        conversations: Iterable[Conversation],
        *,
        analyzer: Analyzer = DEFAULT_ANALYZER,
        dates: MessageDates | None = None,
        encoder: Encoder | None = None,
        embedding_cache: EmbeddingCache | None = None,
    ) -> Messages:
        """Render and index the messages; ``encoder`` also embeds them (else no dense term).

        ``embedding_cache`` keeps the embeddings between runs (:class:`DenseIndex`).
        """
        count = get_tokenizer().count
        spans: list[LabelledUnit] = []
        speaker_of: list[str | None] = []
        names: dict[str, re.Pattern[str]] = {}
        for conversation in conversations:
            rendered = render(conversation)
            ends = [*rendered.message_starts[1:], len(rendered.text)][: len(rendered.messages)]
            for message, start, end in zip(
                rendered.messages, rendered.message_starts, ends, strict=True
            ):
                system = message.role == Role.SYSTEM
                speaker = None if system else (message.name or message.role.value)
                if speaker and message.name and speaker not in names:
                    # A whole word, in its own case: "May" the name, not "may" the verb.
                    names[speaker] = re.compile(rf"(?<!\w){re.escape(speaker)}(?!\w)")
                content = rendered.text[start:end]
                spans.append(
                    LabelledUnit(
                        conversation_id=conversation.id,
                        id=f"{conversation.id}/{message.id}",
                        start=start,
                        end=end,
                        content=content,
                        token_count=count(content),
                        message_ids=(message.id,),
                    )
                )
                speaker_of.append(speaker)
        where = {(s.conversation_id, s.message_ids[0]): i for i, s in enumerate(spans)}
        return cls(
            spans=tuple(spans),
            speaker=tuple(speaker_of),
            where=where,
            names=tuple(names.items()),
            index=BM25Index(spans, analyzer=analyzer, dates=dates),
            dense=(
                DenseIndex(
                    encoder, [span.content for span in spans], embedding_cache=embedding_cache
                )
                if encoder
                else None
            ),
        )

    def named(self, query: str) -> str | None:
        """The one speaker that ``query`` names, or ``None`` (no speaker, or several)."""
        found = [name for name, pattern in self.names if pattern.search(query)]
        return found[0] if len(found) == 1 else None


class TurnRanker(Generic[U]):
    """Ranks ``messages`` by the best context score of the units holding them (module docstring).

    A message longer than every unit (a long reply, split over several chunks)
    is returned as the units that hold it, each at its own place: the
    message's score times the unit's score over the best holder's, so the best
    unit keeps the message's place. Returned whole, it could exceed any budget
    on its own; returned as all its units at the message's rank, its weakest
    units would spend the budget ahead of better messages. A unit of score <= 0
    is not returned, so neither is a long message none of whose units the
    context ranker scores (whatever its own and dense terms).

    Args:
        ranker: the context ranker of the units (our small chunks or a peer's leaves).
        messages: the messages of the same conversations.
        labelled: a unit as a :class:`eval.spans.MessageUnit` (itself for our
            chunks; a peer's leaf with the messages it overlaps).
        speaker_weight: the weight of the other speakers' turns when a question
            names one speaker.
        own_weight: the weight of a message's own normalised BM25 score.
        dense_weight: the weight of a message's normalised dense similarity
            (no effect when ``messages`` have no embeddings).
    """

    def __init__(
        self,
        ranker: ContextRanker[U],
        messages: Messages,
        labelled: Callable[[U], MessageUnit],
        *,
        speaker_weight: float = SPEAKER_WEIGHT,
        own_weight: float = OWN_WEIGHT,
        dense_weight: float = DENSE_WEIGHT,
    ) -> None:
        import numpy as np

        if not 0.0 <= speaker_weight <= 1.0:
            raise ValueError(f"speaker_weight must be in [0, 1], got {speaker_weight!r}")
        for name, weight in (("own_weight", own_weight), ("dense_weight", dense_weight)):
            if not weight >= 0.0:
                raise ValueError(f"{name} must be >= 0, got {weight!r}")
        self.ranker, self.messages, self.labelled = ranker, messages, labelled
        self.speaker_weight, self.own_weight = speaker_weight, own_weight
        self.dense_weight = dense_weight
        units = ranker.fine.chunks
        pairs = [
            (unit_index, messages.where[(unit.conversation_id, message_id)])
            for unit_index, unit in enumerate(units)
            for message_id in labelled(unit).message_ids
            if (unit.conversation_id, message_id) in messages.where
        ]
        self._unit = np.array([u for u, _ in pairs], dtype=np.int64)
        self._message = np.array([m for _, m in pairs], dtype=np.int64)
        longest = max((unit.token_count for unit in units), default=0)
        pieces = [
            (unit_index, message_index)
            for unit_index, message_index in pairs
            if messages.spans[message_index].token_count > longest
        ]
        self._piece_unit = np.array([u for u, _ in pieces], dtype=np.int64)
        self._piece_message = np.array([m for _, m in pieces], dtype=np.int64)
        self._long = np.zeros(len(messages.spans), dtype=bool)
        self._long[self._piece_message] = True
        # The candidates :meth:`rank` orders: every message (unit -1), then every
        # piece of a long message; a long message itself scores 0 there.
        count = len(messages.spans)
        self._candidate_message = np.concatenate([np.arange(count), self._piece_message])
        self._candidate_unit = np.concatenate([np.full(count, -1), self._piece_unit])
        self._returnable = np.array([s is not None for s in messages.speaker], dtype=bool)
        self._speaker = np.array([s or "" for s in messages.speaker], dtype=object)
        self.rank = lru_cache(maxsize=4096)(self._rank)

    def scores(self, query: str) -> Any:
        """Every message's score for ``query``, in the order of ``messages.spans``."""
        best, extra, factor = self._terms(query, self.ranker.scores(query))
        return (best + extra) * factor

    def _terms(self, query: str, unit_scores: Any) -> tuple[Any, Any, Any]:
        """Per message: its best unit's score, its own and dense terms, its speaker factor.

        A message's score is ``(best + extra) * factor``; the factor is 0 for
        messages never returned.
        """
        import numpy as np

        count = len(self.messages.spans)
        best = np.zeros(count, dtype=np.float64)
        if len(self._unit):
            np.maximum.at(best, self._message, unit_scores[self._unit])
        extra = np.zeros(count, dtype=np.float64)
        if self.own_weight:
            _add_relative(extra, self.messages.index.scores(query), self.own_weight)
        if self.dense_weight and self.messages.dense is not None:
            _add_relative(extra, self.messages.dense.similarity(query), self.dense_weight)
        factor = np.ones(count, dtype=np.float64)
        named = self.messages.named(query)
        if named is not None:
            factor[self._speaker != named] = self.speaker_weight
        factor[~self._returnable] = 0.0
        return best, extra, factor

    def _rank(self, query: str) -> tuple[MessageUnit, ...]:
        import numpy as np

        unit_scores = self.ranker.scores(query)
        best, extra, factor = self._terms(query, unit_scores)
        # A long message competes as its units: each scores the message's
        # score times its share of the best unit's, so the best unit keeps the
        # message's place and the weaker ones take their own.
        whole = (best + extra) * factor
        pieces = self._piece_message
        share = np.divide(
            unit_scores[self._piece_unit],
            best[pieces],
            out=np.zeros(len(pieces)),
            where=best[pieces] > 0.0,
        )
        scores = np.concatenate([np.where(self._long, 0.0, whole), whole[pieces] * share])
        message, unit = self._candidate_message, self._candidate_unit
        units = self.ranker.fine.chunks
        ranked: list[MessageUnit] = []
        for i in np.lexsort((unit, message, -scores)):
            if scores[i] <= 0.0:
                break
            if unit[i] < 0:
                ranked.append(self.messages.spans[int(message[i])])
            else:
                ranked.append(self.labelled(units[int(unit[i])]))
        return tuple(ranked)

    def search(self, query: str, *, k: int, token_budget: int | None = None) -> list[MessageUnit]:
        """The best messages for ``query``, capped like every strategy."""
        return finish(list(self.rank(query)), k=k, token_budget=token_budget)


class TurnsBM25:
    """``turns:<tier>``: the messages of the chunks of ``tier``, ranked as the module says.

    The chunks are scored by ``context:<tier>``'s ranker (same weights).

    Raises:
        MissingConversationsError: ``indexes`` were built without the messages of
            their chunks' conversations.
    """

    deduplicates = True

    def __init__(self, indexes: TierIndexes, tier: str = "small") -> None:
        messages = indexes.messages
        held = {span.conversation_id for span in messages.spans} if messages else set()
        missing = sorted({c.conversation_id for c in indexes.by_id.values()} - held)
        if messages is None or missing:
            raise MissingConversationsError(
                f"turns:{tier} returns messages, so its TierIndexes need the messages of the "
                "conversations their chunks were made of (TierIndexes.build(..., "
                "messages=Messages.build(conversations)))"
                + (f"; {len(missing)} are missing, e.g. {missing[0]!r}" if missing else "")
            )
        self.tier = tier
        self.turns = TurnRanker(ContextBM25(indexes, tier).ranker, messages, _itself)

    @property
    def name(self) -> str:
        return f"turns:{self.tier}"

    def search(self, query: str, *, k: int, token_budget: int | None = None) -> list[MessageUnit]:
        return self.turns.search(query, k=k, token_budget=token_budget)


def _add_relative(scores: Any, values: Any, weight: float) -> None:
    """``scores += weight * values / max(values)``; nothing when no value is positive."""
    best = float(values.max()) if len(values) else 0.0
    if best > 0.0:
        scores += weight * values / best


def _itself(chunk: Chunk) -> MessageUnit:
    return chunk
