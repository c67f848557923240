"""Sessions: where a conversation was picked up again after a pause.

A chat export often holds one conversation resumed over days (a ChatGPT
thread reopened the next morning; LoCoMo's sessions). What was said in one
sitting belongs together, so the chunker cuts at the start of a sitting before
it cuts between messages (:class:`chunking.boundaries.Break` ``SESSION``):
a chunk that must end somewhere ends where the conversation paused rather
than in the middle of the next sitting.

A message opens a session when it was written at least ``gap`` after the
message before it. The default gap, 30 minutes, is the usual inactivity
timeout of web analytics sessions (Google Analytics, "How a web session is
defined in Universal Analytics"). Messages without a date, or whose dates
cannot be compared (one naive, one timezone-aware), never open a session.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import pairwise

from chunking.model import Message

__all__ = ["session_starts"]


def session_starts(
    messages: Sequence[Message], starts: Sequence[int], gap: timedelta
) -> frozenset[int]:
    """The offsets (of ``starts``) of the messages written ``gap`` or more after the one before.

    Args:
        messages: the rendered messages, in order.
        starts: each message's offset in the rendered text.
        gap: the pause that starts a session; must be positive.
    """
    return frozenset(
        start
        for (before, message), start in zip(pairwise(messages), starts[1:], strict=True)
        if _paused(before.created_at, message.created_at, gap)
    )


def _paused(before: datetime | None, after: datetime | None, gap: timedelta) -> bool:
    if before is None or after is None:
        return False
    if (before.utcoffset() is None) != (after.utcoffset() is None):
        return False  # naive against aware: no order between them
    return after - before >= gap
