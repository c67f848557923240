"""Rows a re-import adds: from two chunk states, or from the store's sync results.

A chunk row is identified by its id (uuid5 of conversation, tier, span and
chunking version) and its content hash: a row is *added* by a re-import when
no row with the same key existed before. Importing the same export again must
add nothing; importing a later export must add rows only for the conversations
that changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from chunking import Chunk

__all__ = ["ReimportDelta", "state_delta"]


@dataclass(frozen=True, slots=True)
class ReimportDelta:
    """What going from the ``before`` rows to ``before`` plus ``after`` changes.

    Attributes:
        added: rows of ``after`` absent from ``before``.
        unchanged: rows of ``after`` already in ``before``.
        stale: rows of ``before`` absent from ``after`` (a pruning sync deletes them).
        added_unchanged_conversations: added rows of conversations not in
            ``changed`` (must be 0).
        changed_conversation_chunks: all rows of ``after`` in changed
            conversations; ``added`` must not exceed it, and falls short of it
            by the chunks an extended conversation kept from its first import.
    """

    added: int
    unchanged: int
    stale: int
    added_unchanged_conversations: int
    changed_conversation_chunks: int


def _key(chunk: Chunk) -> tuple[str, str]:
    return (chunk.id, chunk.content_hash)


def state_delta(
    before: Iterable[Chunk], after: Iterable[Chunk], *, changed: frozenset[str] = frozenset()
) -> ReimportDelta:
    """Compare two chunk states of one user (e.g. the store before and after an import)."""
    old = {_key(chunk) for chunk in before}
    new = {_key(chunk): chunk for chunk in after}
    added = [chunk for key, chunk in new.items() if key not in old]
    return ReimportDelta(
        added=len(added),
        unchanged=len(new) - len(added),
        stale=len(old - new.keys()),
        added_unchanged_conversations=sum(c.conversation_id not in changed for c in added),
        changed_conversation_chunks=sum(c.conversation_id in changed for c in new.values()),
    )
