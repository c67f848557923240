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

    The range is cut at its best kind of break first (sessions, then messages,
    paragraphs, lines, sentences, words); a piece that does not fit is packed
    recursively at the next kind of break, and each stretch of consecutive
    pieces that fit is shared out in runs of about equal size. The stretch
    keeps the fewest runs that hold it (as many as filling each run greedily
    makes); a run starting with ``R`` tokens left, which ``n`` runs at fewest
    can hold, aims at ``R / n`` tokens and ends at the cut nearest that aim (the
    later on a tie) among the cuts it can reach within the budget that still
    leave ``n - 1`` runs enough. So 300 tokens of short lines at a budget of
    128 make three runs of about 100 rather than 128, 128 and 44: a runt chunk
    has too few words to match a question, and the nearly full one before it
    ends mid-topic. ``FORCED`` cuts are always cuts. Every run fits
    the budget as long as every atom does. To pack many ranges of the same
    atoms, use one :class:`Packer`.
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
        stretch_end = 0  # the end of the stretch of fitting pieces that piece i is in
        first, fewest = 0, None  # the stretch's first bound and _fewest_runs, once needed
        while i < last:
            if offsets[i + 1] - offsets[i] > budget:
                self._pack(bounds[i], bounds[i + 1], budget, runs)
                i += 1
                continue
            runs.append(bounds[i])
            if level == FORCED:  # A run never crosses a FORCED cut.
                i += 1
                continue
            if stretch_end <= i:
                stretch_end = i + 1
                while (
                    stretch_end < last and offsets[stretch_end + 1] - offsets[stretch_end] <= budget
                ):
                    stretch_end += 1
                fewest = None
            if offsets[stretch_end] - offsets[i] <= budget:  # the rest is one run
                i = stretch_end
                continue
            if fewest is None:
                first, fewest = i, _fewest_runs(offsets, i, stretch_end, budget)
            i = _equal_share_end(offsets, i, stretch_end, budget, fewest, first)

    def _best_cuts(self, lo: int, hi: int) -> tuple[int, list[int]]:
        """The best kind of cut inside atoms ``lo..hi-1`` and where those cuts are."""
        for kind, positions in self._cuts:
            first = bisect_right(positions, lo)
            if first < len(positions) and positions[first] < hi:
                return kind, positions[first : bisect_left(positions, hi, first)]
        return FORCED, []


def _fewest_runs(offsets: list[int], first: int, end: int, budget: int) -> list[int]:
    """``fewest[p - first]``: the fewest runs that pack bounds ``p..end`` (``first <= p <= end``).

    Filling each run as far as it reaches is optimal for the count, so the
    fewest from ``p`` is one more than the fewest from where that run would
    end. That end only moves back as ``p`` does: one pass, no search.
    """
    fewest = [0] * (end - first + 1)
    reach = end
    for p in range(end - 1, first - 1, -1):
        limit = offsets[p] + budget
        while offsets[reach] > limit:
            reach -= 1
        fewest[p - first] = 1 + fewest[reach - first]
    return fewest


def _equal_share_end(
    offsets: list[int], i: int, stretch_end: int, budget: int, fewest: list[int], first: int
) -> int:
    """Where the run starting at bound ``i`` ends, in a stretch that ends at ``stretch_end``.

    ``fewest`` is :func:`_fewest_runs` of the stretch, which starts at bound
    ``first``. The stretch keeps its fewest runs, ``n = fewest[i - first]``: the
    run may end only at a reachable bound
    from which ``n - 1`` runs still pack the rest. Among those it ends at the
    one nearest an equal share, ``left / n`` tokens (integer arithmetic:
    ``|offset * n - (start * n + left)|``), the later on a tie.
    """
    start, left = offsets[i], offsets[stretch_end] - offsets[i]
    runs = fewest[i - first]
    aim = start * runs + left
    reach = bisect_right(offsets, start + budget, i + 2, stretch_end + 1) - 1
    best, best_miss = reach, abs(offsets[reach] * runs - aim)
    for end in range(reach - 1, i, -1):
        if fewest[end - first] != runs - 1:
            break  # fewest only grows towards the start: no earlier bound keeps the count
        miss = abs(offsets[end] * runs - aim)
        if miss < best_miss:
            best, best_miss = end, miss
        elif offsets[end] * runs < aim:
            break  # below the aim, each earlier bound misses by more
    return best
