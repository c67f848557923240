"""Packing atoms into chunks under a token budget, preferring the best breaks."""

from __future__ import annotations

from bisect import bisect_right
from itertools import compress

from chunking.atoms import FORCED, Atoms

__all__ = ["pack"]


def pack(atoms: Atoms, lo: int, hi: int, budget: int) -> list[int]:
    """Group atoms ``lo..hi-1`` into runs of at most ``budget`` tokens.

    Returns the index of the first atom of each run, in order (the first is
    ``lo``); run ``j`` ends where run ``j + 1`` starts, the last at ``hi``.

    The range is cut at its best kind of break first (messages, then
    paragraphs, lines, sentences, words); the pieces are merged greedily while
    they fit, and a piece that does not fit is packed recursively at the next
    kind of break. ``FORCED`` cuts are always cuts. Every run fits the budget as
    long as every atom does.
    """
    runs: list[int] = []
    _pack(atoms.kinds, atoms.prefix, lo, hi, budget, runs)
    return runs


def _pack(
    kinds: list[int], prefix: list[int], lo: int, hi: int, budget: int, runs: list[int]
) -> None:
    if hi - lo == 1:
        runs.append(lo)
        return
    inner = kinds[lo + 1 : hi]
    level = min(inner)
    if level != FORCED and prefix[hi] - prefix[lo] <= budget:
        runs.append(lo)
        return
    bounds = [lo, *compress(range(lo + 1, hi), map(level.__ge__, inner)), hi]
    # Token offsets of the bounds: increasing, as every atom has a token.
    offsets = list(map(prefix.__getitem__, bounds))
    last = len(bounds) - 1
    forced = level == FORCED
    i = 0
    while i < last:
        if offsets[i + 1] - offsets[i] > budget:
            _pack(kinds, prefix, bounds[i], bounds[i + 1], budget, runs)
            i += 1
            continue
        runs.append(bounds[i])
        # A run takes the following pieces while their total fits the budget...
        end = bisect_right(offsets, offsets[i] + budget, i + 2, last + 1) - 1
        if forced:  # ...and never crosses a FORCED cut.
            end = next((j for j in range(i + 1, end) if kinds[bounds[j]] == FORCED), end)
        i = end
