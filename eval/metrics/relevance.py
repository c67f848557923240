"""Message-level relevance of a ranked list of chunks.

A chunk *contains* a gold message when the message's id is among the chunk's
``message_ids`` (in the same conversation). Our chunker lists the messages a
chunk's span overlaps; peer chunks are labelled by the same rule
(:func:`eval.spans.label_messages`), so a peer chunk holding part of a turn
contains it exactly as one of our chunks holding part of a turn does. Ranked chunk ``i`` (from 1) is
**relevant** when it contains a gold message that no higher-ranked chunk
contains: a chunk that only repeats gold already returned earns nothing, so
redundant context lowers precision and nDCG. Consequently the number of
relevant chunks never exceeds the number of gold messages.
"""

from __future__ import annotations

from collections.abc import Sequence

from eval.datasets.model import Gold
from eval.spans import MessageUnit

__all__ = ["gold_in", "newly_covered", "relevance"]


def gold_in(chunk: MessageUnit, gold: Gold) -> set[tuple[str, str]]:
    """The gold messages that ``chunk`` contains."""
    return {(chunk.conversation_id, m) for m in chunk.message_ids} & gold.messages


def newly_covered(ranked: Sequence[MessageUnit], gold: Gold) -> list[int]:
    """For each rank, how many gold messages it is the first to contain."""
    seen: set[tuple[str, str]] = set()
    counts = []
    for chunk in ranked:
        new = gold_in(chunk, gold) - seen
        seen |= new
        counts.append(len(new))
    return counts


def relevance(ranked: Sequence[MessageUnit], gold: Gold) -> list[int]:
    """Binary relevance by rank: 1 when the chunk is the first to contain some gold message."""
    return [1 if count else 0 for count in newly_covered(ranked, gold)]
