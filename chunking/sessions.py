"""Sessions: where a conversation was picked up again after a pause.

A chat export often holds one conversation resumed over days (a ChatGPT
thread reopened the next morning; LoCoMo's sessions). What was said in one
sitting belongs together, so the chunker cuts at the start of a sitting before
it cuts between messages (:class:`chunking.boundaries.Break` ``SESSION``):
a chunk that must end somewhere ends where the conversation paused rather
than in the middle of the next sitting.

A message opens a session when it was written at least ``gap`` after the last
dated message before it. The default gap, 30 minutes, is the usual inactivity
timeout of web analytics sessions (Google Analytics, "How a web session is
defined in Universal Analytics"). A message without a date never opens a
session, nor one whose date cannot be compared with the one before it (one
naive, one timezone-aware); a pause is measured across undated messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from chunking.model import Message

__all__ = ["session_starts"]


def session_starts(
    messages: Sequence[Message], starts: Sequence[int], gap: timedelta
) -> frozenset[int]:
    """The offsets of the messages that open a session (module docstring).

    Args:
        messages: the rendered messages, in order.
        starts: each message's offset in the rendered text.
        gap: the pause that opens a session.

    Returns:
        The ``starts`` of the messages written ``gap`` or more after the last
        dated message before them.

    Raises:
        ValueError: ``gap`` is not positive.

    Example:
        >>> from datetime import datetime
        >>> day = datetime(2024, 5, 1, 9)
        >>> dates = [day, None, day + timedelta(minutes=5), day + timedelta(days=1)]
        >>> messages = [Message(id=str(i), role="user", content="hi", created_at=d)
        ...             for i, d in enumerate(dates)]
        >>> sorted(session_starts(messages, [0, 10, 20, 30], timedelta(minutes=30)))
        [30]
    """
    if gap <= timedelta(0):
        raise ValueError(f"a session gap must be positive, got {gap}")
    found: set[int] = set()
    last: datetime | None = None
    for message, start in zip(messages, starts, strict=True):
        at = message.created_at
        if at is None:
            continue
        if last is not None and _paused(last, at, gap):
            found.add(start)
        last = at
    return frozenset(found)


def _paused(before: datetime, after: datetime, gap: timedelta) -> bool:
    if (before.utcoffset() is None) != (after.utcoffset() is None):
        return False  # naive against aware: no order between them
    return after - before >= gap
