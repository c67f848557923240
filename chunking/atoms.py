"""Atoms: the smallest spans the chunker works with, each tokenized exactly once.

A conversation's text is cut at every safe line and sentence cut (see
:mod:`chunking.boundaries`) and each piece is encoded once. A piece with more
tokens than the finest budget is cut further, at safe word and clause cuts
located in the piece's own tokens (no second encoding); what is still too
long (a single "word" of hundreds of tokens, such as a pasted blob) is cut at
token boundaries and counted directly. Those last cuts are ``FORCED``: they do
not preserve tokenization across them, so every tier must cut there too.

Because every other cut is safe, the token count of any run of atoms is the
sum of their counts: the chunker never tokenizes a candidate chunk.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import accumulate

from chunking.boundaries import Break, fine_cuts, line_cuts, sentence_cuts
from chunking.tokens import Tokenizer

__all__ = ["FORCED", "Atoms", "split_into_atoms"]

FORCED = -1
"""Kind of a cut inside a tokenizer piece: every tier must cut there."""


@dataclass(frozen=True, slots=True)
class Atoms:
    """A partition of a text into atoms.

    Atom ``i`` is ``text[starts[i]:starts[i + 1]]`` (``starts`` ends with
    ``len(text)``), has ``prefix[i + 1] - prefix[i]`` tokens, and the cut at its
    start is of kind ``kinds[i]`` (a :class:`Break` value or ``FORCED``).
    """

    starts: list[int]
    prefix: list[int]
    kinds: list[int]

    def __len__(self) -> int:
        return len(self.kinds)


def split_into_atoms(
    text: str,
    message_starts: frozenset[int],
    tokenizer: Tokenizer,
    max_tokens: int,
    *,
    session_starts: frozenset[int] = frozenset(),
) -> Atoms:
    """Partition ``text`` into atoms of at most ``max_tokens`` tokens each.

    The only exception is a single grapheme cluster longer than ``max_tokens``,
    which stays whole. Lines are the usual atoms; a line long enough to exceed
    the budget is split at its sentences before it is encoded, so that most
    text is encoded exactly once and never mapped token by token.
    """
    span_starts, span_kinds = _spans(text, message_starts, session_starts, max_tokens)
    ends = [*span_starts[1:], len(text)]
    # The one per-line call: a bare count (rendered text has no lone surrogates).
    count_tokens = tokenizer.count_valid
    counts = [count_tokens(text[start:end]) for start, end in zip(span_starts, ends, strict=True)]
    if max(counts) <= max_tokens:
        span_starts.append(len(text))
        return Atoms(
            starts=span_starts, prefix=list(accumulate(counts, initial=0)), kinds=span_kinds
        )
    starts: list[int] = []
    kinds: list[int] = []
    atom_counts: list[int] = []
    for start, end, kind, count in zip(span_starts, ends, span_kinds, counts, strict=True):
        if count <= max_tokens:
            starts.append(start)
            kinds.append(kind)
            atom_counts.append(count)
        else:
            tokens = tokenizer.encode(text[start:end])
            for sub_start, sub_count, sub_kind in _refine(
                text, start, end, kind, tokens, tokenizer, max_tokens
            ):
                starts.append(sub_start)
                kinds.append(sub_kind)
                atom_counts.append(sub_count)
    starts.append(len(text))
    return Atoms(starts=starts, prefix=list(accumulate(atom_counts, initial=0)), kinds=kinds)


def _spans(
    text: str, message_starts: frozenset[int], session_starts: frozenset[int], max_tokens: int
) -> tuple[list[int], list[int]]:
    """Starts and kinds of the pieces to encode: lines, and the sentences of long lines.

    Piece ``i`` runs from ``starts[i]`` to the next start (the last to the end).
    """
    offsets, line_kinds = line_cuts(text, message_starts, session_starts=session_starts)
    starts, kinds = [0, *offsets], [int(Break.MESSAGE), *line_kinds]
    # Characters beyond which a line probably exceeds the budget (cl100k averages
    # about four characters a token in English; the exact count decides anyway).
    long_line = 3 * max_tokens
    ends = [*offsets, len(text)]
    long = [
        i
        for i, (start, end) in enumerate(zip(starts, ends, strict=True))
        if end - start > long_line
    ]
    if not long:
        return starts, kinds
    split_starts: list[int] = []
    split_kinds: list[int] = []
    done = 0
    for i in long:
        split_starts += starts[done : i + 1]
        split_kinds += kinds[done : i + 1]
        cuts = sentence_cuts(text, starts[i], ends[i])
        split_starts += cuts
        split_kinds += [int(Break.SENTENCE)] * len(cuts)
        done = i + 1
    split_starts += starts[done:]
    split_kinds += kinds[done:]
    return split_starts, split_kinds


def _refine(
    text: str,
    start: int,
    end: int,
    kind: int,
    tokens: list[int],
    tokenizer: Tokenizer,
    max_tokens: int,
) -> list[tuple[int, int, int]]:
    """Cut ``text[start:end]`` (whose tokens are ``tokens``) at word and clause cuts."""
    byte_offsets = tokenizer.byte_offsets(tokens)
    piece = text[start:end]
    ascii_only = piece.isascii()
    bounds: list[tuple[int, int, int]] = [(start, 0, kind)]
    byte, char = 0, start
    for offset, cut_kind in fine_cuts(text, start, end):
        if ascii_only:
            byte = offset - start
        else:
            byte += len(text[char:offset].encode("utf-8"))
            char = offset
        index = bisect_left(byte_offsets, byte)
        # Safe cuts are token boundaries; the check only guards the proof.
        if index < len(byte_offsets) and byte_offsets[index] == byte:
            bounds.append((offset, index, int(cut_kind)))
    bounds.append((end, len(tokens), kind))
    atoms: list[tuple[int, int, int]] = []
    for (a, first, a_kind), (b, last, _) in itertools.pairwise(bounds):
        count = last - first
        if count <= max_tokens:
            atoms.append((a, count, a_kind))
        else:
            pieces = _hard_split(text[a:b], tokenizer, max_tokens)
            atoms.extend(
                (a + offset, count, a_kind if i == 0 else FORCED)
                for i, (offset, count) in enumerate(pieces)
            )
    return atoms


def _hard_split(piece: str, tokenizer: Tokenizer, max_tokens: int) -> list[tuple[int, int]]:
    """Cut ``piece`` into parts of at most ``max_tokens`` tokens, each counted directly.

    Returns ``(offset in piece, token count)`` per part. Parts end on grapheme
    cluster boundaries (Unicode's extended grapheme clusters, from ``regex``); a
    single cluster longer than the budget is one part. Linear in the length of
    ``piece``: each step encodes a window a few times the budget.
    """
    boundaries = _grapheme_boundaries(piece)
    parts: list[tuple[int, int]] = []
    position, length = 0, len(piece)
    while position < length:
        window = 4 * max_tokens
        while True:
            stop = min(length, position + window)
            tokens = tokenizer.encode(piece[position:stop])
            if len(tokens) > max_tokens or stop == length:
                break
            window *= 2
        if len(tokens) <= max_tokens:
            parts.append((position, len(tokens)))
            break
        keep = max_tokens
        while True:
            cut = _grapheme_floor(
                boundaries, position, position + tokenizer.decode_prefix_chars(tokens[:keep])
            )
            count = tokenizer.count(piece[position:cut])
            if count <= max_tokens or keep == 1:
                break  # within budget, or a single grapheme longer than it
            keep = max(1, keep - (count - max_tokens))
        parts.append((position, count))
        position = cut
    return parts


def _grapheme_boundaries(piece: str) -> list[int]:
    """Offsets in ``piece`` where an extended grapheme cluster ends."""
    import regex

    return [match.end() for match in regex.finditer(r"\X", piece)]


def _grapheme_floor(boundaries: list[int], position: int, cut: int) -> int:
    """The last grapheme boundary in ``(position, cut]``, else the first after ``position``."""
    index = bisect_right(boundaries, cut) - 1
    if index >= 0 and boundaries[index] > position:
        return boundaries[index]
    return boundaries[bisect_right(boundaries, position)]
