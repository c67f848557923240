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

- no piece contains a line feed followed by a non-space character, so the
  start of a line that does not begin with white space is safe (``LINE``,
  ``PARAGRAPH``, ``MESSAGE``);
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

__all__ = ["Break", "fine_cuts", "line_and_sentence_cuts"]


class Break(IntEnum):
    """Kinds of safe cut, best first: a chunker cuts at the lowest value it can."""

    MESSAGE = 0
    PARAGRAPH = 1
    LINE = 2
    SENTENCE = 3
    WORD = 4
    CLAUSE = 5


# A line start, or the space after a sentence's final punctuation (group 1).
_COARSE = re.compile(r"\n(?=\S)|[.!?\u2026][\"')\]\u2019\u201d]*( )(?=\S)")
# A space after a non-space (group 1), or clause punctuation between letters
# (group 2) in text written without spaces.
_FINE = re.compile(
    r"(?<=\S)( )|(?<=[^\W\d_])([\u3001\u3002\uff0c\uff01\uff1f\uff1b\uff1a\u300d\u300f\uff09])"
    r"(?=[^\W\d_])"
)

# Grapheme_Cluster_Break=Prepend (Unicode 15.1): no cluster boundary follows them.
_PREPEND = frozenset(
    (
        *range(0x0600, 0x0606), 0x06DD, 0x070F, 0x0890, 0x0891, 0x08E2, 0x0D4E,
        0x110BD, 0x110CD, 0x111C2, 0x111C3, 0x1193F, 0x11941, 0x11A3A,
        *range(0x11A84, 0x11A8A), 0x11D46, 0x11F02,
    )
)  # fmt: skip

def line_and_sentence_cuts(
    text: str, message_starts: frozenset[int]
) -> Iterator[tuple[int, Break]]:
    """Yield ``(offset, kind)`` for every safe line and sentence cut in ``text``.

    Offsets are increasing and lie strictly inside the text. A line start that
    is in ``message_starts`` is a ``MESSAGE`` cut; one after a blank line a
    ``PARAGRAPH`` cut.
    """
    for match in _COARSE.finditer(text):
        if match.start(1) >= 0:
            yield match.start(1), Break.SENTENCE
            continue
        offset = match.end()
        if offset in message_starts:
            yield offset, Break.MESSAGE
        elif offset >= 2 and text[offset - 2] == "\n":
            yield offset, Break.PARAGRAPH
        else:
            yield offset, Break.LINE


def fine_cuts(text: str, start: int, end: int) -> Iterator[tuple[int, Break]]:
    """Yield ``(offset, kind)`` for every safe word or clause cut inside ``text[start:end]``."""
    for match in _FINE.finditer(text, start, end):
        offset = match.start()
        if offset <= start or ord(text[offset - 1]) in _PREPEND:
            continue
        yield offset, Break.WORD if match.start(1) >= 0 else Break.CLAUSE
