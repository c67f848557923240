"""Sessions: a message written long after the one before opens a new sitting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from chunking import ChunkingConfig, ChunkTier, Conversation, Message, Role, chunk_conversations
from chunking.boundaries import Break, line_cuts
from chunking.errors import ConfigError
from chunking.render import render
from chunking.sessions import session_starts
from tests.chunking.invariants import check_chunks

HOUR = timedelta(hours=1)
MAY = datetime(2023, 5, 8, 13, 56)


def _message(number: int, at: datetime | None) -> Message:
    role = (Role.USER, Role.ASSISTANT)[number % 2]
    return Message(id=f"m{number}", role=role, content=f"Line {number} of the chat.", created_at=at)


def _starts(*dates: datetime | None, gap: timedelta = HOUR) -> list[int]:
    """The numbers of the messages (sent at ``dates``) that open a session."""
    conversation = Conversation(
        id="c", title="", messages=tuple(_message(i, at) for i, at in enumerate(dates))
    )
    rendered = render(conversation)
    found = session_starts(rendered.messages, rendered.message_starts, gap)
    return [i for i, start in enumerate(rendered.message_starts) if start in found]


def test_a_pause_of_the_gap_or_more_opens_a_session():
    minute = timedelta(minutes=1)
    dates = [MAY, MAY + minute, MAY + HOUR + minute, MAY + 3 * HOUR, MAY + 3 * HOUR + 59 * minute]
    assert _starts(*dates) == [2, 3]


def test_messages_without_comparable_dates_never_open_one():
    aware = MAY.replace(tzinfo=UTC)
    assert _starts(MAY, None, None) == []  # no date, no session
    assert _starts(MAY, None, MAY + 5 * HOUR) == [2]  # the pause is measured across it
    assert _starts(MAY, aware + 5 * HOUR) == []  # naive against aware
    assert _starts(MAY + 5 * HOUR, MAY) == []  # time going backwards is no pause
    assert _starts(aware, (aware + 5 * HOUR).astimezone(timezone(-5 * HOUR))) == [1]


def test_line_cuts_mark_session_starts_above_message_starts():
    text = "A: one\n\nB: two\n\nA: three"
    offsets, kinds = line_cuts(text, frozenset({8, 16}), session_starts=frozenset({16}))
    assert dict(zip(offsets, kinds, strict=True)) == {8: Break.MESSAGE, 16: Break.SESSION}


def test_the_chunker_cuts_a_tier_where_the_conversation_paused():
    """Two sittings, 4 then 12 messages: the large chunk that must end ends between them."""
    dates = [MAY + timedelta(minutes=i) for i in range(4)]
    dates += [MAY + 24 * HOUR + timedelta(minutes=i) for i in range(12)]
    conversation = Conversation(
        id="c", title="", messages=tuple(_message(i, at) for i, at in enumerate(dates))
    )
    rendered = render(conversation)
    second_sitting = rendered.message_starts[4]
    for gap, cut_there in ((timedelta(minutes=30), True), (None, False)):
        config = ChunkingConfig(small=24, medium=60, large=120, session_gap=gap)
        chunks = list(chunk_conversations([conversation], config=config))
        check_chunks(conversation, chunks, config)
        large_starts = {c.start for c in chunks if c.chunk_tier == ChunkTier.LARGE}
        assert len(large_starts) == 2
        assert (second_sitting in large_starts) is cut_there


@pytest.mark.parametrize("gap", [timedelta(0), -HOUR, 30])
def test_a_session_gap_must_be_a_positive_timedelta(gap):
    with pytest.raises(ConfigError, match="session_gap must be a positive timedelta"):
        ChunkingConfig(session_gap=gap)
    if isinstance(gap, timedelta):
        with pytest.raises(ValueError, match="must be positive"):
            session_starts((), (), gap)
