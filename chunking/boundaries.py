"""Where a conversation's text may be cut without changing its tokenization.

The chunker tokenizes each piece of text once and adds the counts up, so a
cut is only allowed where cl100k tokenizes the two sides exactly as it
tokenizes the whole: ``len(encode(a + b)) == len(encode(a)) + len(encode(b))``.

cl100k first splits text with a regular expression, then applies BPE inside
each regex piece, so a cut is safe when no regex piece can span it, whatever
surrounds it. Reading the pattern alternative by alternative
(``'(?i:[sdmt]|ll|ve|re)``, ``[^\\r\\n\\p{L}\\p{N}]?+\\p{L}++``, ``\\p{N}{1,3}+``,
`` ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*+``, ``\\s++$``, ``\\s*[\\r\\n]``, ``\\s+(?!\\S)``,
``\\s``):

- no piece contains a line feed followed by a non-space character, and a
  piece that contains a line feed ends at the last line feed of its run of
  white space, so the start of a line is safe when what follows is spaces or
  tabs and then a non-space character (``LINE``, ``PARAGRAPH``, ``MESSAGE``,
  ``SESSION``);
- no piece contains a non-space character followed by a space, so a space
  that follows a non-space character is safe (``SENTENCE``, ``WORD``);
- a letter followed by punctuation and a letter splits between the first
  letter and the punctuation (the punctuation leads the next piece), which
  gives cuts in text written without spaces (``CLAUSE``).

On both sides of such a cut the pieces, and so the tokens, are those of the
whole text. Whitespace is tested with ``str.isspace``, which is true for a
superset of the pattern's ``\\s``, so a doubtful character never counts as
non-space. Every cut above is also a grapheme-cluster boundary: a line feed
always ends a cluster, and a space or a punctuation mark only joins the
cluster before it when that ends in a Prepend character, which is excluded.
The property tests check all of it on arbitrary text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from enum import IntEnum

__all__ = ["Break", "fine_cuts", "line_cuts", "sentence_cuts"]


class Break(IntEnum):
    """Kinds of safe cut, best first: a chunker cuts at the lowest value it can."""

    SESSION = 0
    """The start of a message that opens a new session (:mod:`chunking.sessions`)."""
    MESSAGE = 1
    PARAGRAPH = 2
    LINE = 3
    SENTENCE = 4
    WORD = 5
    CLAUSE = 6


_LINE_START = re.compile(r"\n(?=[ \t]*\S)")
_SENTENCE_SPACE = re.compile(r"[.!?\u2026][\"')\]\u2019\u201d]?( )(?=\S)")
# A space after a non-space (group 1), or clause punctuation between letters
# (group 2) in text written without spaces.
_FINE = re.compile(
    r"(?<=\S)( )|(?<=[^\W\d_])([\u3001\u3002\uff0c\uff01\uff1f\uff1b\uff1a\u300d\u300f\uff09])"
    r"(?=[^\W\d_])"
)
_BLANK = frozenset(" \t\r")
_SENTENCE_END = frozenset(".!?\u2026")
_CLOSERS = frozenset("\"')]\u2019\u201d")

# Grapheme_Cluster_Break=Prepend (Unicode 15.1): no cluster boundary follows them.
_PREPEND = frozenset(
    (
        *range(0x0600, 0x0606), 0x06DD, 0x070F, 0x0890, 0x0891, 0x08E2, 0x0D4E,
        0x110BD, 0x110CD, 0x111C2, 0x111C3, 0x1193F, 0x11941, 0x11A3A,
        *range(0x11A84, 0x11A8A), 0x11D46, 0x11F02,
    )
)  # fmt: skip


def line_cuts(
    text: str, message_starts: frozenset[int], *, session_starts: frozenset[int] = frozenset()
) -> tuple[list[int], list[int]]:
    """Every safe line cut in ``text``: ``(offsets, kinds)``, offsets increasing.

    A line start that is in ``session_starts`` is a ``SESSION`` cut; one in
    ``message_starts`` a ``MESSAGE`` cut; one after a blank line (empty, or only
    spaces, tabs and carriage returns: ``"\r\n\r\n"`` ends a paragraph too) a
    ``PARAGRAPH`` cut; any other a ``LINE`` cut.
    """
    offsets = [match.end() for match in _LINE_START.finditer(text)]
    session, message = int(Break.SESSION), int(Break.MESSAGE)
    paragraph, line = int(Break.PARAGRAPH), int(Break.LINE)
    kinds = [
        session
        if offset in session_starts
        else message
        if offset in message_starts
        else paragraph
        if _after_blank_line(text, offset)
        else line
        for offset in offsets
    ]
    return offsets, kinds


def _after_blank_line(text: str, offset: int) -> bool:
    """Whether the line that ends at ``text[offset - 1]`` (a line feed) is blank."""
    before = text[offset - 2] if offset >= 2 else ""
    if before == "\n":
        return True
    if before not in _BLANK:  # the common case: a line with text (or the text's first line)
        return False
    start = text.rfind("\n", 0, offset - 1)
    return start >= 0 and not text[start + 1 : offset - 1].strip(" \t\r")


def sentence_cuts(text: str, start: int, end: int) -> list[int]:
    """Offsets of the safe sentence cuts inside ``text[start:end]`` (each at a space)."""
    return [match.start(1) for match in _SENTENCE_SPACE.finditer(text, start, end)]


def fine_cuts(text: str, start: int, end: int) -> Iterator[tuple[int, Break]]:
    """Yield ``(offset, kind)`` for each sentence, word or clause cut in ``text[start:end]``."""
    for match in _FINE.finditer(text, start, end):
        offset = match.start()
        if offset <= start:
            continue
        before = text[offset - 1]
        if ord(before) in _PREPEND:
            continue
        if match.start(1) < 0:
            yield offset, Break.CLAUSE
        elif before in _SENTENCE_END or (
            before in _CLOSERS and offset >= 2 and text[offset - 2] in _SENTENCE_END
        ):
            yield offset, Break.SENTENCE
        else:
            yield offset, Break.WORD
