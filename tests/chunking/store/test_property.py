"""Any sequence of imports leaves the store equal to chunking the last export directly."""

from __future__ import annotations

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chunking import Chunk
from chunking.store import ChunkStore
from tests.chunking.store.exports import by_conversation, chunked, conversation

# An import: for each of a few conversation ids, absent or present in one of a few versions;
# and whether to prune.
imports = st.lists(
    st.tuples(
        st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), st.integers(0, 3), max_size=4),
        st.booleans(),
    ),
    min_size=1,
    max_size=5,
)


def expected_after(steps: list[tuple[dict[str, int], bool]]) -> dict[str, list[Chunk]]:
    """The reference: a dict updated (or replaced, when pruning) by each export's chunks."""
    state: dict[str, list[Chunk]] = {}
    for versions, prune in steps:
        latest = by_conversation(chunked([conversation(c, v) for c, v in sorted(versions.items())]))
        state = latest if prune else {**state, **latest}
    return state


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=imports)
def test_imports_converge_to_the_last_export_plus_kept(
    store: ChunkStore, steps: list[tuple[dict[str, int], bool]]
) -> None:
    user = uuid.uuid4().hex  # a fresh user per example, in the one store of the test
    for versions, prune in steps:
        export = [conversation(c, v) for c, v in sorted(versions.items())]
        store.sync(user, chunked(export), prune=prune)
    assert by_conversation(store.chunks(user)) == expected_after(steps)
    # And importing the last export once more changes nothing.
    last, prune = steps[-1]
    again = store.sync(user, chunked([conversation(c, v) for c, v in sorted(last.items())]))
    assert again.rows_written == 0
