"""Peer chunkers making the same three tiers vs one bare ``encode_ordinary``, in the same run.

Each side is timed conversation by conversation, interleaved with a bare
encode of the same text so that a noisy machine slows both alike. Every peer
makes the three tiers (128, 512 and 2048 tokens) of every conversation on the
offline cl100k encoding: LangChain's ``TokenTextSplitter`` and
``RecursiveCharacterTextSplitter`` (tiktoken lengths, no overlap) and chonkie's
``RecursiveChunker`` in one pass per tier, LlamaIndex's
``HierarchicalNodeParser`` (its default 20-token overlap) in one hierarchical
pass, and our ``chunk_conversations``. Peers get one round (they are slow);
the bare encode and our chunker keep their best of ``ROUNDS``.

Corpus: as ``test_chunker_speed`` (LoCoMo turns from ../shared when present,
and the generated chat-like corpus), replicated to ``BENCH_PEER_MB``
megabytes, 2 by default: the slowest peers take minutes per 20 MB.
Needs the ``peers`` extra: ``make bench EXTRAS=dev,peers``.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from benchmarks.corpus import generated_conversations, locomo_conversations, replicate
from benchmarks.timing import Work, best_interleaved
from chunking import chunk_conversations, conversation_text
from chunking.tokens import ENCODING_NAME, get_tokenizer

for _module in ("langchain_text_splitters", "llama_index.core", "chonkie"):
    pytest.importorskip(
        _module, reason='the peers extra is not installed: pip install -e ".[peers]"'
    )

ROUNDS = 3
SIZE = int(float(os.environ.get("BENCH_PEER_MB", "2")) * 1_000_000)
TIERS = (128, 512, 2048)


def _langchain(kind: str) -> Work:
    import langchain_text_splitters as splitters

    cls = getattr(splitters, kind)
    tiers = [
        cls.from_tiktoken_encoder(
            encoding_name=ENCODING_NAME, chunk_size=size, chunk_overlap=0, disallowed_special=()
        )
        for size in TIERS
    ]
    return lambda conversation, text: [splitter.split_text(text) for splitter in tiers]


def _chonkie() -> Work:
    from chonkie import RecursiveChunker

    encoding = get_tokenizer().encoding
    tiers = [RecursiveChunker(tokenizer=encoding, chunk_size=size) for size in TIERS]
    return lambda conversation, text: [chunker.chunk(text) for chunker in tiers]


def _llamaindex() -> Work:
    from llama_index.core import Document
    from llama_index.core.node_parser import HierarchicalNodeParser, SentenceSplitter

    encode = get_tokenizer().encode
    ids = [f"chunk_size_{size}" for size in reversed(TIERS)]
    parser = HierarchicalNodeParser.from_defaults(
        node_parser_ids=ids,
        node_parser_map={
            parser_id: SentenceSplitter(chunk_size=size, chunk_overlap=20, tokenizer=encode)
            for parser_id, size in zip(ids, reversed(TIERS), strict=True)
        },
    )
    return lambda conversation, text: parser.get_nodes_from_documents([Document(text=text)])


def _ours() -> Work:
    return lambda conversation, text: sum(1 for _ in chunk_conversations([conversation]))


PEERS: dict[str, Callable[[], Work]] = {
    "langchain TokenTextSplitter": lambda: _langchain("TokenTextSplitter"),
    "langchain RecursiveCharacterTextSplitter": lambda: _langchain(
        "RecursiveCharacterTextSplitter"
    ),
    "chonkie RecursiveChunker": _chonkie,
    "llama-index HierarchicalNodeParser": _llamaindex,
    "ours chunk_conversations": _ours,
}


@pytest.mark.parametrize("peer", list(PEERS))
@pytest.mark.parametrize("corpus", ["locomo", "generated"])
def test_peer_three_tiers_against_bare_encode(benchmark, report, corpus, peer):
    base = locomo_conversations() if corpus == "locomo" else generated_conversations()
    if base is None:
        pytest.skip("../shared/data/locomo/dev.json is not present")
    conversations = replicate(base, SIZE)
    texts = [conversation_text(c) for c in conversations]
    megabytes = sum(len(text.encode()) for text in texts) / 1e6
    work = PEERS[peer]()
    work(conversations[0], texts[0])  # warm-up: imports, tokenizer loading, caches
    rounds = ROUNDS if peer.startswith("ours") else 1
    seconds, bare = best_interleaved(conversations, work, rounds=rounds)
    ratio = seconds / bare
    benchmark.extra_info.update(megabytes=round(megabytes, 1), ratio=round(ratio, 2))
    report.append(
        f"peer[{corpus}] {peer}, three tiers of {megabytes:.1f} MB: {seconds:.2f} s vs bare "
        f"encode {bare:.2f} s = {ratio:.1f}x"
    )
    benchmark.pedantic(work, args=(conversations[0], texts[0]), rounds=1, iterations=1)
    assert seconds > 0
    assert bare > 0
