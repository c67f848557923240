"""The canonical rendering of a conversation, which chunk offsets index into."""

from __future__ import annotations

from dataclasses import dataclass

from chunking.model import Conversation, Message

__all__ = ["MESSAGE_SEPARATOR", "RenderedConversation", "conversation_text", "render"]

MESSAGE_SEPARATOR = "\n\n"
_REPLACEMENT = "\N{REPLACEMENT CHARACTER}"


@dataclass(frozen=True, slots=True)
class RenderedConversation:
    """A conversation's canonical text and where each rendered message lies in it.

    ``message_starts[i]`` is the offset of the label of ``messages[i]``;
    ``message_ends[i]`` the offset just past its content. Messages whose
    content is blank are not rendered and do not appear here.
    """

    text: str
    messages: tuple[Message, ...]
    message_starts: tuple[int, ...]
    message_ends: tuple[int, ...]


def render(conversation: Conversation) -> RenderedConversation:
    """Render ``conversation`` as ``"Label: content"`` blocks joined by a blank line.

    Messages whose content is empty or only whitespace are left out. The text
    is made safe for every store and tokenizer: NUL characters (which Postgres
    ``text`` rejects) and lone surrogates (which are not UTF-8) are replaced by
    U+FFFD, so offsets always index into valid Unicode.

    >>> from chunking.model import Message, Role
    >>> conv = Conversation(id="c", title="t", messages=(
    ...     Message(id="1", role=Role.USER, content="Hi"),
    ...     Message(id="2", role=Role.ASSISTANT, content="Hello!")))
    >>> render(conv).text
    'User: Hi\\n\\nAssistant: Hello!'
    """
    messages: list[Message] = []
    starts: list[int] = []
    ends: list[int] = []
    parts: list[str] = []
    offset = 0
    for message in conversation.messages:
        content = message.content
        if not content or content.isspace():  # what strip() would empty, without a copy
            continue
        if parts:
            parts.append(MESSAGE_SEPARATOR)
            offset += len(MESSAGE_SEPARATOR)
        block = f"{message.label}: {content}"
        messages.append(message)
        starts.append(offset)
        offset += len(block)
        ends.append(offset)
        parts.append(block)
    return RenderedConversation(
        text=_clean("".join(parts)),
        messages=tuple(messages),
        message_starts=tuple(starts),
        message_ends=tuple(ends),
    )


def conversation_text(conversation: Conversation) -> str:
    """The canonical text of ``conversation`` (see :func:`render`)."""
    return render(conversation).text


def _clean(text: str) -> str:
    """Replace NUL and lone surrogates by U+FFFD, keeping every other offset."""
    if "\x00" in text:
        text = text.replace("\x00", _REPLACEMENT)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = "".join(_REPLACEMENT if "\ud800" <= char <= "\udfff" else char for char in text)
    return text
