"""Packing against a slow, plainly written reference on arbitrary atoms."""

from __future__ import annotations

from fractions import Fraction
from itertools import accumulate, pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from chunking.atoms import FORCED, Atoms
from chunking.boundaries import Break
from chunking.packing import Packer, pack

KINDS = [FORCED, *(int(kind) for kind in Break)]


def best_bounds(atoms: Atoms, lo: int, hi: int, budget: int) -> tuple[int, list[int]] | None:
    """The best kind of cut in ``lo..hi`` and the bounds it makes; ``None``: one run."""
    kinds, prefix = atoms.kinds, atoms.prefix
    if hi - lo == 1:
        return None
    level = min(kinds[lo + 1 : hi])
    if level != FORCED and prefix[hi] - prefix[lo] <= budget:
        return None
    return level, [lo, *(i for i in range(lo + 1, hi) if kinds[i] <= level), hi]


def reference_pack(atoms: Atoms, lo: int, hi: int, budget: int) -> list[int]:
    """Cut at the best kind of break, share out each stretch of fitting pieces, recurse."""
    prefix, cut = atoms.prefix, best_bounds(atoms, lo, hi, budget)
    if cut is None:
        return [lo]
    level, bounds = cut
    if level == FORCED:  # every piece is a run, or packed on its own
        return [run for a, b in pairwise(bounds) for run in reference_pack(atoms, a, b, budget)]
    runs: list[int] = []
    stretch: list[int] = []  # bounds of the current stretch of fitting pieces
    for a, b in pairwise(bounds):
        if prefix[b] - prefix[a] <= budget:
            stretch = stretch or [a]
            stretch.append(b)
            continue
        runs += reference_share(prefix, stretch, budget)
        stretch = []
        runs += reference_pack(atoms, a, b, budget)
    return runs + reference_share(prefix, stretch, budget)


def reference_share(prefix: list[int], stretch: list[int], budget: int) -> list[int]:
    """Run starts of a stretch: the fewest runs, each ending nearest an equal share."""

    def fewest(position: int) -> int:  # runs that pack stretch[position:], filling each
        count = 0
        while position < len(stretch) - 1:
            start = prefix[stretch[position]]
            position = max(p for p in range(len(stretch)) if prefix[stretch[p]] - start <= budget)
            count += 1
        return count

    runs: list[int] = []
    position = 0
    while position < len(stretch) - 1:
        start = prefix[stretch[position]]
        runs.append(stretch[position])
        count = fewest(position)
        aim = start + Fraction(prefix[stretch[-1]] - start, count)
        allowed = [
            p
            for p in range(position + 1, len(stretch))
            if prefix[stretch[p]] - start <= budget and fewest(p) == count - 1
        ]
        position = min(allowed, key=lambda p: (abs(prefix[stretch[p]] - aim), -p))
    return runs


def greedy_pack(atoms: Atoms, lo: int, hi: int, budget: int) -> list[int]:
    """Chunking version 3's packing: merge pieces one by one while they fit, recurse."""
    kinds, prefix, cut = atoms.kinds, atoms.prefix, best_bounds(atoms, lo, hi, budget)
    if cut is None:
        return [lo]
    _, bounds = cut
    runs: list[int] = []
    run_start = None
    for a, b in pairwise(bounds):
        if prefix[b] - prefix[a] > budget:
            if run_start is not None:
                runs.append(run_start)
                run_start = None
            runs.extend(greedy_pack(atoms, a, b, budget))
        elif (
            run_start is not None and kinds[a] != FORCED and prefix[b] - prefix[run_start] <= budget
        ):
            continue
        else:
            if run_start is not None:
                runs.append(run_start)
            run_start = a
    if run_start is not None:
        runs.append(run_start)
    return runs


def test_a_stretch_is_shared_out_in_runs_of_about_equal_size():
    """30 lines of 10 tokens at a budget of 128: three runs of 100, not 120, 120 and 60."""
    assert pack(_tens([int(Break.LINE)] * 30), 0, 30, 128) == [0, 10, 20]


def test_sharing_never_costs_a_run():
    """48, 48, 58, 48 tokens at 96: three runs as greedy packing makes, not four of about 50."""
    atoms = Atoms(
        starts=list(range(5)),
        prefix=list(accumulate([48, 48, 58, 48], initial=0)),
        kinds=[int(Break.MESSAGE)] * 4,
    )
    assert len(pack(atoms, 0, 4, 96)) == 3


def test_sessions_are_cut_before_messages():
    """Sessions of 40 and 80 tokens (messages of 10) at a budget of 100: cut between them.

    Messages alone would be shared out at 60 tokens each.
    """
    kinds = [int(Break.MESSAGE)] * 12
    assert pack(_tens(kinds), 0, 12, 100) == [0, 6]
    kinds[4] = int(Break.SESSION)
    assert pack(_tens(kinds), 0, 12, 100) == [0, 4]


def _tens(kinds: list[int]) -> Atoms:
    """Atoms of 10 tokens each, with these kinds."""
    return Atoms(
        starts=list(range(len(kinds) + 1)),
        prefix=list(accumulate([10] * len(kinds), initial=0)),
        kinds=kinds,
    )


@st.composite
def atom_ranges(draw: st.DrawFn) -> tuple[Atoms, int, int]:
    count = draw(st.integers(min_value=1, max_value=40))
    tokens = draw(st.lists(st.integers(1, 40), min_size=count, max_size=count))
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=count, max_size=count))
    atoms = Atoms(
        starts=list(range(count + 1)), prefix=list(accumulate(tokens, initial=0)), kinds=kinds
    )
    lo = draw(st.integers(0, count - 1))
    return atoms, lo, draw(st.integers(lo + 1, count))


@settings(max_examples=300, deadline=None)
@given(atom_range=atom_ranges(), budget=st.integers(1, 80))
def test_pack_equals_the_reference(atom_range, budget):
    atoms, lo, hi = atom_range
    assert pack(atoms, lo, hi, budget) == reference_pack(atoms, lo, hi, budget)


@settings(max_examples=100, deadline=None)
@given(atom_range=atom_ranges(), budget=st.integers(1, 80))
def test_one_packer_packs_every_range_of_its_atoms(atom_range, budget):
    atoms, lo, hi = atom_range
    packer = Packer(atoms)
    for first, end in ((0, len(atoms)), (lo, hi), (lo, len(atoms))):
        assert packer.pack(first, end, budget) == reference_pack(atoms, first, end, budget)


@st.composite
def stretches(draw: st.DrawFn) -> tuple[Atoms, int]:
    """One stretch: messages that each fit the budget, so that only the sharing decides."""
    budget = draw(st.integers(2, 60))
    tokens = draw(st.lists(st.integers(1, budget), min_size=1, max_size=30))
    atoms = Atoms(
        starts=list(range(len(tokens) + 1)),
        prefix=list(accumulate(tokens, initial=0)),
        kinds=[int(Break.MESSAGE)] * len(tokens),
    )
    return atoms, budget


@settings(max_examples=300, deadline=None)
@given(atom_range=atom_ranges(), budget=st.integers(1, 80), stretch=stretches())
def test_pack_makes_as_many_runs_as_greedy_packing(atom_range, budget, stretch):
    atoms, lo, hi = atom_range
    assert len(pack(atoms, lo, hi, budget)) == len(greedy_pack(atoms, lo, hi, budget))
    atoms, budget = stretch
    assert len(pack(atoms, 0, len(atoms), budget)) == len(greedy_pack(atoms, 0, len(atoms), budget))
    assert pack(atoms, 0, len(atoms), budget) == reference_pack(atoms, 0, len(atoms), budget)
