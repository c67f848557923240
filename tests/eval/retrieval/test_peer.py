"""Peer rows: BM25 over a peer's leaves, and auto-merging, on tiny known conversations."""

import pytest

from chunking import Conversation, Message
from chunking.render import render
from chunking.tokens import get_tokenizer
from eval.peers import PeerChunk, peer_chunks
from eval.retrieval import (
    PeerAutoMerge,
    PeerBM25,
    PeerIndex,
    dedup_spans,
    peer_retrievers,
    peer_rows,
)

TOPICS = ["apple orchard", "banana bread", "cherry pie", "dolphin swim", "eagle nest", "fox den"]


def filler_conversation():
    filler = " ".join(f"Paragraph {i} talks about gardening and tomatoes." for i in range(30))
    messages = [
        Message(id=f"m{i}", role="user" if i % 2 else "assistant", content=f"Turn {i}. {filler}")
        for i in range(10)
    ]
    messages.insert(5, Message(id="fact", role="user", content="My cat is called Saffron."))
    return Conversation(id="c", title="t", messages=tuple(messages))


@pytest.mark.parametrize("peer", ["window-128", "turn-window-128", "window-512"])
def test_flat_peer_finds_the_planted_fact_and_labels_its_message(peer):
    conv = filler_conversation()
    index = PeerIndex.build(peer, peer_chunks(peer, [conv]), [conv])
    retriever = PeerBM25(index)
    assert retriever.name == f"peer:{peer}"
    top = retriever.search("What is my cat called?", k=1)
    assert len(top) == 1
    assert "Saffron" in top[0].content
    assert "fact" in top[0].message_ids
    assert retriever.search("zzzz qqqq", k=5) == []


@pytest.mark.parametrize("peer", ["window-128", "turn-window-512"])
def test_flat_peer_honours_k_budget_and_dedup(peer):
    conv = filler_conversation()
    text = render(conv).text
    retriever = PeerBM25(PeerIndex.build(peer, peer_chunks(peer, [conv]), [conv]))
    for k, budget in ((1, None), (3, None), (50, 300), (50, 1000)):
        found = retriever.search("gardening tomatoes cat", k=k, token_budget=budget)
        assert found
        assert len(found) <= k
        assert budget is None or sum(u.token_count for u in found) <= budget
        assert dedup_spans(found) == found
        for unit in found:
            assert text[unit.start : unit.end] == unit.content


def hierarchy():
    """Six one-topic turns; leaves are the turns, parents hold three turns each."""
    messages = tuple(
        Message(id=f"m{i}", role="user", content=f"{topic} " * 3) for i, topic in enumerate(TOPICS)
    )
    conv = Conversation(id="c", title="t", messages=messages)
    rendered = render(conv)
    tokenizer = get_tokenizer()

    def piece(ident, start, end, *, leaf, parent):
        text = rendered.text[start:end]
        return PeerChunk(
            conversation_id="c", peer="h", id=ident, size=8 if leaf else 64, leaf=leaf,
            parent_id=parent, start=start, end=end, content=text,
            token_count=tokenizer.count(text),
        )  # fmt: skip

    starts, ends = rendered.message_starts, rendered.message_ends
    parents = [
        piece("p0", starts[0], ends[2], leaf=False, parent=None),
        piece("p1", starts[3], ends[5], leaf=False, parent=None),
    ]
    leaves = [piece(f"l{i}", starts[i], ends[i], leaf=True, parent=f"p{i // 3}") for i in range(6)]
    return conv, [*parents, *leaves]


def test_auto_merge_replaces_most_of_a_parents_children_by_the_parent():
    conv, chunks = hierarchy()
    index = PeerIndex.build("h", chunks, [conv])
    merged = PeerAutoMerge(index)
    assert [u.id for u in PeerBM25(index).search("apple banana", k=5)] == ["l0", "l1"]
    found = merged.search("apple banana", k=5)
    assert [u.id for u in found] == ["p0"]  # 2 of 3 children > half
    assert found[0].message_ids == ("m0", "m1", "m2")
    assert [u.id for u in merged.search("apple dolphin", k=5)] == ["l0", "l3"]  # 1 of 3 each


def test_auto_merge_keeps_the_longest_prefix_that_fits():
    conv, chunks = hierarchy()
    index = PeerIndex.build("h", chunks, [conv])
    by_id = {c.id: c for c in chunks}
    merged = PeerAutoMerge(index)
    leaf, parent = by_id["l0"].token_count, by_id["p0"].token_count
    assert [u.id for u in merged.search("apple banana", k=5, token_budget=parent)] == ["p0"]
    cut = merged.search("apple banana", k=5, token_budget=parent - 1)
    assert [u.id for u in cut] == ["l0"]  # merging the second leaf would not fit
    assert leaf <= parent - 1
    assert [u.id for u in merged.search("apple banana", k=1)] == ["l0"]  # at most k leaves


def test_rows_and_retrievers_agree():
    conv, chunks = hierarchy()
    flat = PeerIndex.build("window-128", chunks, [conv])
    assert [r.name for r in peer_retrievers(flat)] == list(peer_rows("window-128"))
    tree = PeerIndex.build("llamaindex-hierarchical", chunks, [conv])
    assert [r.name for r in peer_retrievers(tree)] == [
        "peer:llamaindex-hierarchical",
        "peer:llamaindex-hierarchical+context",
        "peer:llamaindex-hierarchical+turns",
        "peer:llamaindex-hierarchical+auto-merge",
    ]
    assert list(peer_rows("llamaindex-hierarchical")) == [r.name for r in peer_retrievers(tree)]


def test_llamaindex_rows_search_its_hierarchy():
    pytest.importorskip(
        "llama_index.core", reason='needs the peers extra: pip install -e ".[peers]"'
    )
    conv = filler_conversation()
    name = "llamaindex-hierarchical"
    chunks = peer_chunks(name, [conv])
    index = PeerIndex.build(name, chunks, [conv])
    ids = {c.id for c in chunks}
    leaves = {c.id for c in chunks if c.leaf}
    flat, context, turns, merged = peer_retrievers(index)
    assert {u.id for u in flat.search("gardening tomatoes", k=20)} <= leaves
    for budget in (256, 1024, 2048):
        found = merged.search("gardening tomatoes", k=1000, token_budget=budget)
        assert found
        assert {u.id for u in found} <= ids
        assert sum(u.token_count for u in found) <= budget
        assert dedup_spans(found) == found
    assert "Saffron" in flat.search("What is my cat called?", k=1)[0].content
    assert {u.id for u in context.search("gardening tomatoes", k=20)} <= leaves
    assert "Saffron" in turns.search("What is my cat called?", k=1)[0].content
