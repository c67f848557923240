"""Property tests: every invariant of the chunker on arbitrary conversations."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chunking import ChunkingConfig, chunk_conversations
from tests.chunking.invariants import check_chunks
from tests.chunking.strategies import conversations

configs = st.builds(
    lambda small, medium_extra, large_extra: ChunkingConfig(
        small=small, medium=small + medium_extra, large=small + medium_extra + large_extra
    ),
    st.integers(min_value=1, max_value=48),
    st.integers(min_value=0, max_value=96),
    st.integers(min_value=0, max_value=256),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conversation=conversations(), config=configs)
def test_every_invariant_holds(conversation, config):
    chunks = list(chunk_conversations([conversation], config=config))
    check_chunks(conversation, chunks, config)


@settings(max_examples=50, deadline=None)
@given(conversation=conversations(), config=configs)
def test_same_input_gives_identical_chunks(conversation, config):
    first = list(chunk_conversations([conversation], config=config))
    second = list(chunk_conversations([conversation], config=config))
    assert first == second


@settings(max_examples=50, deadline=None)
@given(batch=st.lists(conversations(max_messages=4), max_size=4, unique_by=lambda c: c.id))
def test_conversations_are_chunked_independently(batch):
    together = list(chunk_conversations(batch))
    one_by_one = [chunk for conversation in batch for chunk in chunk_conversations([conversation])]
    assert together == one_by_one
