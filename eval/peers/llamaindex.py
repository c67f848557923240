"""LlamaIndex's ``HierarchicalNodeParser`` (2048/512/128 by default) as a peer chunker.

Each level is a ``SentenceSplitter`` given the offline cl100k encoding's
``encode`` explicitly: LlamaIndex's default tokenizer would fetch tiktoken's
files, and its sentence splitter uses the NLTK data that ships inside
``llama-index-core``, so nothing is downloaded. Every node becomes a
:class:`~eval.peers.chunk.PeerChunk` located in the canonical text (a child
inside its parent's span), with ``parent_id`` for auto-merging.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from chunking.model import Conversation
from chunking.render import conversation_text
from chunking.tokens import Tokenizer, get_tokenizer
from eval.peers.chunk import PeerChunk, locate
from eval.peers.extra import require

__all__ = ["PEER_NAME", "hierarchical_chunks"]

PEER_NAME = "llamaindex-hierarchical"


def hierarchical_chunks(
    conversation: Conversation,
    *,
    sizes: Sequence[int] = (2048, 512, 128),
    overlap: int = 20,
    tokenizer: Tokenizer | None = None,
) -> list[PeerChunk]:
    """Every node of every level, largest level first, each level in text order.

    Args:
        sizes: token sizes of the levels, largest first (LlamaIndex's default).
        overlap: tokens shared by consecutive nodes of a level (LlamaIndex's default, 20).

    Raises:
        ImportError: the ``peers`` extra is not installed.
    """
    tokenizer = tokenizer or get_tokenizer()
    text = conversation_text(conversation)
    nodes = _parse(text, sizes, overlap, tokenizer)
    by_parent: defaultdict[str | None, list[Any]] = defaultdict(list)
    for node in nodes:
        parent = node.parent_node
        by_parent[parent.node_id if parent is not None else None].append(node)
    # (depth, start, end, node id, parent node id), found level by level.
    placed: list[tuple[int, int, int, str, str | None]] = []
    spans: dict[str | None, tuple[int, int]] = {None: (0, len(text))}
    queue: list[tuple[str | None, int]] = [(None, 0)]
    for parent_id, depth in queue:
        lo, hi = spans[parent_id]
        children = [n for n in by_parent.get(parent_id, []) if n.get_content().strip()]
        located = locate(text, [n.get_content() for n in children], lo=lo, hi=hi, overlapping=True)
        for node, (start, end) in zip(children, located, strict=True):
            spans[node.node_id] = (start, end)
            queue.append((node.node_id, depth + 1))
            placed.append((depth, start, end, node.node_id, parent_id))
    return _chunks(conversation.id, sorted(placed), sizes, text, tokenizer)


def _parse(text: str, sizes: Sequence[int], overlap: int, tokenizer: Tokenizer) -> list[Any]:
    core = require("llama_index.core")
    parser_module = require("llama_index.core.node_parser")
    ids = [f"chunk_size_{size}" for size in sizes]
    splitters = {
        parser_id: parser_module.SentenceSplitter(
            chunk_size=size, chunk_overlap=overlap, tokenizer=tokenizer.encode
        )
        for parser_id, size in zip(ids, sizes, strict=True)
    }
    parser = parser_module.HierarchicalNodeParser.from_defaults(
        node_parser_ids=ids, node_parser_map=splitters
    )
    nodes: list[Any] = parser.get_nodes_from_documents([core.Document(text=text)])
    return nodes


def _chunks(
    conversation_id: str,
    placed: list[tuple[int, int, int, str, str | None]],
    sizes: Sequence[int],
    text: str,
    tokenizer: Tokenizer,
) -> list[PeerChunk]:
    """Chunks with ids ``{peer}:{conversation}:{size}:{index}``, stable across runs."""
    ids: dict[str, str] = {}
    counters: defaultdict[int, int] = defaultdict(int)
    has_children = {parent for *_, parent in placed}
    chunks = []
    for depth, start, end, node_id, parent_id in placed:
        size = sizes[depth]
        ids[node_id] = f"{PEER_NAME}:{conversation_id}:{size}:{counters[size]}"
        counters[size] += 1
        chunks.append(
            PeerChunk(
                conversation_id=conversation_id,
                peer=PEER_NAME,
                id=ids[node_id],
                size=size,
                leaf=node_id not in has_children,
                parent_id=None if parent_id is None else ids[parent_id],
                start=start,
                end=end,
                content=text[start:end],
                token_count=tokenizer.count(text[start:end]),
            )
        )
    return chunks
