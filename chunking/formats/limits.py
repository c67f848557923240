"""Size limits on what one conversation may bring into memory.

A pasted log or a base64 image can make a single message of many megabytes;
chunking it costs far more memory than its size (a word longer than the small
budget is cut grapheme by grapheme), and it holds nothing a memory profile
needs. So :func:`bound_conversation` cuts each message to
``ReadOptions.max_message_chars`` characters, ending it with a marker that says
how much was cut, and keeps a conversation's messages, in order, only while
their text stays within ``ReadOptions.max_conversation_chars``; the messages
past it are left out. Both are counted in the :class:`ExportReport`.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

from chunking.formats.reader import Parsed, ReadOptions
from chunking.model import Conversation, Message

__all__ = ["OVER_CONVERSATION_LIMIT", "bound_conversation", "bound_parsed", "cut_marker"]

OVER_CONVERSATION_LIMIT = "over the conversation size limit"
"""The reason counted in ``ExportReport.dropped`` for messages left out by the limit."""


def cut_marker(cut: int, limit: int) -> str:
    """What ends a message cut to ``limit`` characters, ``cut`` characters shorter."""
    return f"\n[{cut:,} characters cut: the message is longer than the {limit:,}-character limit]"


def bound_conversation(
    conversation: Conversation, options: ReadOptions
) -> tuple[Conversation, int, int]:
    """The conversation within the limits, the messages cut, and the messages left out."""
    message_limit = options.max_message_chars
    total_limit = options.max_conversation_chars
    kept: list[Message] = []
    cut = left_out = total = 0
    for message in conversation.messages:
        bounded = message
        if message_limit is not None and len(message.content) > message_limit:
            over = len(message.content) - message_limit
            content = message.content[:message_limit] + cut_marker(over, message_limit)
            bounded = dataclasses.replace(message, content=content)
            cut += 1
        total += len(bounded.content)
        if total_limit is not None and total > total_limit:
            left_out = len(conversation.messages) - len(kept)
            break
        kept.append(bounded)
    if not cut and not left_out:
        return conversation, 0, 0
    return dataclasses.replace(conversation, messages=tuple(kept)), cut, left_out


def bound_parsed(parsed: Parsed, options: ReadOptions) -> tuple[Parsed, int]:
    """``parsed`` with each conversation bounded, and the number of messages cut."""
    if options.max_message_chars is None and options.max_conversation_chars is None:
        return parsed, 0
    conversations = []
    dropped = Counter(parsed.dropped)
    cut_total = 0
    for conversation in parsed.conversations:
        bounded, cut, left_out = bound_conversation(conversation, options)
        conversations.append(bounded)
        cut_total += cut
        if left_out:
            dropped[OVER_CONVERSATION_LIMIT] += left_out
    if not cut_total and dropped == parsed.dropped:
        return parsed, 0
    return Parsed(tuple(conversations), dropped, parsed.placeholders), cut_total
