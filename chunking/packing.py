"""Packing atoms into chunks under a token budget, preferring the best breaks."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict

from chunking.atoms import FORCED, Atoms

__all__ = ["Packer", "pack"]


def pack(atoms: Atoms, lo: int, hi: int, budget: int) -> list[int]:
    """Group atoms ``lo..hi-1`` into runs of at most ``budget`` tokens.

    Returns the index of the first atom of each run, in order (the first is
    ``lo``); run ``j`` ends where run ``j + 1`` starts, the last at ``hi``.

    The range is cut at its best kind of break first (messages, then
    paragraphs, lines, sentences, words); the pieces are merged greedily while
    they fit, and a piece that does not fit is packed recursively at the next
    kind of break. ``FORCED`` cuts are always cuts. Every run fits the budget as
    long as every atom does. To pack many ranges of the same atoms, use one
    :class:`Packer`.
    """
    return Packer(atoms).pack(lo, hi, budget)


class Packer:
    """:func:`pack` for many ranges of the same atoms, which it indexes once.

    The index lists, for each kind of cut, the atoms that start with one, so
    that a range finds its best kind of cut and those cuts by bisection
    instead of a scan of its atoms.
    """

    __slots__ = ("_cuts", "_kinds", "_prefix")

    def __init__(self, atoms: Atoms) -> None:
        self._kinds, self._prefix = atoms.kinds, atoms.prefix
        cuts: defaultdict[int, list[int]] = defaultdict(list)
        for index, kind in enumerate(atoms.kinds):
            cuts[kind].append(index)
        self._cuts = sorted(cuts.items())  # best (lowest) kind first

    def pack(self, lo: int, hi: int, budget: int) -> list[int]:
        """``pack(atoms, lo, hi, budget)``."""
        runs: list[int] = []
        self._pack(lo, hi, budget, runs)
        return runs

    def _pack(self, lo: int, hi: int, budget: int, runs: list[int]) -> None:
        prefix = self._prefix
        level, bounds = self._best_cuts(lo, hi)
        if not bounds or (level != FORCED and prefix[hi] - prefix[lo] <= budget):
            runs.append(lo)
            return
        bounds = [lo, *bounds, hi]
        # Token offsets of the bounds: increasing, as every atom has a token.
        offsets = list(map(prefix.__getitem__, bounds))
        last = len(bounds) - 1
        i = 0
        while i < last:
            if offsets[i + 1] - offsets[i] > budget:
                self._pack(bounds[i], bounds[i + 1], budget, runs)
                i += 1
                continue
            runs.append(bounds[i])
            # A run takes the following pieces while their total fits the budget...
            end = bisect_right(offsets, offsets[i] + budget, i + 2, last + 1) - 1
            if level == FORCED:  # ...and never crosses a FORCED cut.
                end = i + 1
            i = end

    def _best_cuts(self, lo: int, hi: int) -> tuple[int, list[int]]:
        """The best kind of cut inside atoms ``lo..hi-1`` and where those cuts are."""
        for kind, positions in self._cuts:
            first = bisect_right(positions, lo)
            if first < len(positions) and positions[first] < hi:
                return kind, positions[first : bisect_left(positions, hi, first)]
        return FORCED, []
