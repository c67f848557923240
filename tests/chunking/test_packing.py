"""Packing against a slow, obviously greedy reference on arbitrary atoms."""

from __future__ import annotations

from itertools import accumulate, pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from chunking.atoms import FORCED, Atoms
from chunking.boundaries import Break
from chunking.packing import Packer, pack

KINDS = [FORCED, *(int(kind) for kind in Break)]


def reference_pack(atoms: Atoms, lo: int, hi: int, budget: int) -> list[int]:
    """Cut at the best kind of break, merge pieces one by one while they fit, recurse."""
    kinds, prefix = atoms.kinds, atoms.prefix
    if hi - lo == 1:
        return [lo]
    level = min(kinds[lo + 1 : hi])
    if level != FORCED and prefix[hi] - prefix[lo] <= budget:
        return [lo]
    bounds = [lo, *(i for i in range(lo + 1, hi) if kinds[i] <= level), hi]
    runs: list[int] = []
    run_start = None
    for a, b in pairwise(bounds):
        if prefix[b] - prefix[a] > budget:
            if run_start is not None:
                runs.append(run_start)
                run_start = None
            runs.extend(reference_pack(atoms, a, b, budget))
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
def test_pack_equals_the_greedy_reference(atom_range, budget):
    atoms, lo, hi = atom_range
    assert pack(atoms, lo, hi, budget) == reference_pack(atoms, lo, hi, budget)


@settings(max_examples=100, deadline=None)
@given(atom_range=atom_ranges(), budget=st.integers(1, 80))
def test_one_packer_packs_every_range_of_its_atoms(atom_range, budget):
    atoms, lo, hi = atom_range
    packer = Packer(atoms)
    for first, end in ((0, len(atoms)), (lo, hi), (lo, len(atoms))):
        assert packer.pack(first, end, budget) == reference_pack(atoms, first, end, budget)
