"""Packing atoms into chunks under a token budget, preferring the best breaks."""

from __future__ import annotations

import itertools

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
    level = min(kinds[lo + 1 : hi])
    if level != FORCED and prefix[hi] - prefix[lo] <= budget:
        runs.append(lo)
        return
    bounds = [lo, *(i for i in range(lo + 1, hi) if kinds[i] <= level), hi]
    run_start = -1
    for a, b in itertools.pairwise(bounds):
        if prefix[b] - prefix[a] > budget:
            if run_start >= 0:
                runs.append(run_start)
                run_start = -1
            _pack(kinds, prefix, a, b, budget, runs)
        elif run_start >= 0 and kinds[a] != FORCED and prefix[b] - prefix[run_start] <= budget:
            continue
        else:
            if run_start >= 0:
                runs.append(run_start)
            run_start = a
    if run_start >= 0:
        runs.append(run_start)
