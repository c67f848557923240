"""Peer chunks: spans of the canonical conversation text made by another chunker.

Peer libraries return strings; :func:`locate` finds them in the text they were
given so that every peer chunk is a span ``[start, end)`` of
``chunking.conversation_text(conversation)``, scored by the same retrievers and
metrics as our own chunks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from chunking.tokens import Tokenizer
from eval.errors import PeerChunkNotFoundError

__all__ = ["PeerChunk", "leaf_chunks", "locate"]


@dataclass(frozen=True, slots=True)
class PeerChunk:
    """A span of a conversation's canonical text made by a peer chunker.

    Invariants: ``content == conversation_text(conversation)[start:end]`` and
    ``token_count == get_tokenizer().count(content)`` (offline cl100k).

    Attributes:
        conversation_id: the conversation chunked.
        peer: the registry name of the chunker that made it.
        id: unique among the peer's chunks of all conversations.
        size: the nominal token size of its level (e.g. 128, 512, 2048).
        leaf: whether it is a leaf (the level a flat retriever indexes).
        parent_id: the enclosing chunk of the next larger level, if any.
    """

    conversation_id: str
    peer: str
    id: str
    size: int
    leaf: bool
    parent_id: str | None
    start: int
    end: int
    content: str
    token_count: int


def locate(
    text: str,
    pieces: Sequence[str],
    *,
    lo: int = 0,
    hi: int | None = None,
    overlapping: bool,
) -> list[tuple[int, int]]:
    """Where each of ``pieces`` (in order) lies in ``text[lo:hi]``.

    Each piece is searched forward from the previous piece's end. When the
    chunker overlaps its chunks, a piece starts after the previous one's start
    and at the latest at its end; in repetitive text where it occurs several
    times there, the last such occurrence is taken (the one that moves furthest
    forward, so that later pieces are not located too early). A piece not found
    verbatim (a chunker that normalised whitespace) is matched with any run of
    whitespace standing for any other. Blank pieces are skipped (no span).

    Raises:
        PeerChunkNotFoundError: a piece that is not in ``text[lo:hi]`` after the
            previous piece; the chunker changed the text beyond whitespace.
    """
    hi = len(text) if hi is None else hi
    spans: list[tuple[int, int]] = []
    cursor = previous_end = lo
    for piece in pieces:
        if not piece.strip():
            continue
        start = -1
        if overlapping:  # the last occurrence that overlaps (or touches) the previous piece
            start = text.rfind(piece, cursor, min(hi, previous_end + len(piece)))
        if start < 0:
            start = text.find(piece, cursor, hi)
        if start >= 0:
            end = start + len(piece)
        else:
            start, end = _find_loosely(text, piece, cursor, hi)
        spans.append((start, end))
        cursor = start + 1 if overlapping else end
        previous_end = end
    return spans


def _find_loosely(text: str, piece: str, lo: int, hi: int) -> tuple[int, int]:
    pattern = r"\s+".join(re.escape(word) for word in piece.split())
    match = re.compile(pattern).search(text, lo, hi)
    if match is None:
        raise PeerChunkNotFoundError(
            f"a peer chunk starting {piece[:60]!r} ({len(piece)} characters) is not in the "
            f"text after offset {lo}; the peer changed the text beyond whitespace, so its "
            "chunks cannot be scored as spans of the conversation"
        )
    return match.start(), match.end()


def leaf_chunks(
    conversation_id: str,
    peer: str,
    size: int,
    text: str,
    spans: list[tuple[int, int]],
    tokenizer: Tokenizer,
) -> list[PeerChunk]:
    """Flat (leaf-only) peer chunks of ``text`` at ``spans``, counted with ``tokenizer``."""
    return [
        PeerChunk(
            conversation_id=conversation_id,
            peer=peer,
            id=f"{peer}:{conversation_id}:{index}",
            size=size,
            leaf=True,
            parent_id=None,
            start=start,
            end=end,
            content=text[start:end],
            token_count=tokenizer.count(text[start:end]),
        )
        for index, (start, end) in enumerate(spans)
    ]
