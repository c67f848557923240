"""Fixed-token windows (no dependency): plain, and aligned to whole turns.

``windows``: the conversation's cl100k tokens cut every ``size`` tokens; a
boundary that falls inside a character (a multi-byte character split across
tokens) moves back to that character's start. The windows partition the text.

``turn_windows``: whole rendered turns (label and content) packed greedily in
order while the window's text stays within ``size`` tokens; a turn longer than
``size`` alone is cut into plain windows. The blank lines between windows
belong to no window.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate, pairwise

from chunking.model import Conversation
from chunking.render import render
from chunking.tokens import Tokenizer, get_tokenizer
from eval.peers.chunk import PeerChunk, leaf_chunks

__all__ = ["turn_windows", "windows"]


def windows(
    conversation: Conversation, *, size: int, tokenizer: Tokenizer | None = None
) -> list[PeerChunk]:
    """Consecutive windows of ``size`` tokens of the conversation's canonical text.

    Returns chunks named ``window-{size}`` that partition the text in order.
    """
    tokenizer = tokenizer or get_tokenizer()
    text = render(conversation).text
    spans = _token_windows(text, 0, len(text), size, tokenizer)
    return leaf_chunks(conversation.id, f"window-{size}", size, text, spans, tokenizer)


def turn_windows(
    conversation: Conversation, *, size: int, tokenizer: Tokenizer | None = None
) -> list[PeerChunk]:
    """Whole turns packed into windows of at most ``size`` tokens (``turn-window-{size}``)."""
    tokenizer = tokenizer or get_tokenizer()
    rendered = render(conversation)
    text = rendered.text
    spans: list[tuple[int, int]] = []
    current: tuple[int, int] | None = None
    for start, end in zip(rendered.message_starts, rendered.message_ends, strict=True):
        if current is not None and tokenizer.count(text[current[0] : end]) <= size:
            current = (current[0], end)
            continue
        if current is not None:
            spans.append(current)
            current = None
        if tokenizer.count(text[start:end]) <= size:
            current = (start, end)
        else:
            spans.extend(_token_windows(text, start, end, size, tokenizer))
    if current is not None:
        spans.append(current)
    return leaf_chunks(conversation.id, f"turn-window-{size}", size, text, spans, tokenizer)


def _token_windows(
    text: str, lo: int, hi: int, size: int, tokenizer: Tokenizer
) -> list[tuple[int, int]]:
    """``text[lo:hi]`` cut every ``size`` tokens, as character spans (empty ones dropped)."""
    piece = text[lo:hi]
    tokens = tokenizer.encode(piece)
    byte_offsets = tokenizer.byte_offsets(tokens)[::size]
    char_starts = list(accumulate((len(char.encode()) for char in piece), initial=0))
    cuts = [bisect_right(char_starts, offset) - 1 for offset in byte_offsets]
    cuts.append(len(piece))
    return [(lo + a, lo + b) for a, b in pairwise(cuts) if b > a]
