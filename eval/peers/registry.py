"""The peer chunkers by name: each maps a conversation to its :class:`PeerChunk` list."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial

from chunking.model import Conversation
from eval.errors import UnknownPeerError
from eval.peers.chunk import PeerChunk
from eval.peers.langchain import recursive_chunks
from eval.peers.llamaindex import PEER_NAME as LLAMAINDEX
from eval.peers.llamaindex import hierarchical_chunks
from eval.peers.window import turn_windows, windows

__all__ = ["PEERS", "peer_chunks"]

PeerChunker = Callable[[Conversation], list[PeerChunk]]

PEERS: dict[str, PeerChunker] = {
    LLAMAINDEX: hierarchical_chunks,
    "langchain-recursive-512": partial(recursive_chunks, size=512),
    "window-128": partial(windows, size=128),
    "window-512": partial(windows, size=512),
    "turn-window-128": partial(turn_windows, size=128),
    "turn-window-512": partial(turn_windows, size=512),
}
"""Peer chunkers; those of LlamaIndex and LangChain need the ``peers`` extra when called."""


def peer_chunks(name: str, conversations: Iterable[Conversation]) -> list[PeerChunk]:
    """Every chunk that peer ``name`` makes of ``conversations``, conversation by conversation.

    Raises:
        UnknownPeerError: ``name`` is not in :data:`PEERS`; the message lists them.
        ImportError: the peer needs the ``peers`` extra, which is not installed.
    """
    if name not in PEERS:
        raise UnknownPeerError(
            f"unknown peer chunker {name!r}; expected one of {', '.join(sorted(PEERS))}"
        )
    chunker = PEERS[name]
    return [chunk for conversation in conversations for chunk in chunker(conversation)]
