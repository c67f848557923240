"""Interleaved timing against a bare ``encode_ordinary`` of the same text."""

from __future__ import annotations

import time
from collections.abc import Callable

from chunking import Conversation, conversation_text
from chunking.tokens import get_tokenizer

Work = Callable[[Conversation, str], object]


def best_interleaved(
    conversations: list[Conversation], work: Work, *, rounds: int
) -> tuple[float, float]:
    """Best-of-rounds seconds of ``work`` and of the bare encode, summed over conversations.

    Each conversation is timed with the bare encode of its rendered text and
    with ``work(conversation, text)`` back to back, so that a noisy machine
    slows both alike.
    """
    encode = get_tokenizer().encoding.encode_ordinary
    texts = [conversation_text(conversation) for conversation in conversations]
    best_work = [float("inf")] * len(texts)
    best_bare = [float("inf")] * len(texts)
    clock = time.perf_counter
    for _ in range(rounds):
        for index, (conversation, text) in enumerate(zip(conversations, texts, strict=True)):
            started = clock()
            encode(text)
            best_bare[index] = min(best_bare[index], clock() - started)
            started = clock()
            work(conversation, text)
            best_work[index] = min(best_work[index], clock() - started)
    return sum(best_work), sum(best_bare)
