import random

from eval.metrics.duplicates import (
    duplicate_rows,
    exact_duplicates,
    mixed_versions,
    near_duplicates,
)
from eval.metrics.minhash import jaccard, shingles
from eval.metrics.reimport import state_delta
from tests.eval.helpers import chunk

WORDS = [f"word{i}" for i in range(400)]


def text(rng, n=80):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def test_exact_duplicates_count_copies_per_tier():
    chunks = [
        chunk("a", content="same text", tier="small"),
        chunk("b", content="same text", tier="small", conversation="d"),
        chunk("c", content="same text", tier="small", conversation="e"),
        chunk("d", content="same text", tier="medium"),
        chunk("e", content="other", tier="medium"),
    ]
    assert exact_duplicates(chunks) == {"small": 2, "medium": 0}


def test_duplicate_rows_are_same_place_or_id():
    chunks = [
        chunk("a", start=0, end=5),
        chunk("b", start=0, end=5),  # same span, other id
        chunk("c", start=5, end=9),
        chunk("c", start=9, end=12, conversation="z"),  # same id
    ]
    assert duplicate_rows(chunks) == {"small": 1}


def test_near_duplicates_find_planted_pairs_and_nothing_else():
    rng = random.Random(7)
    base = [text(rng) for _ in range(30)]
    planted = base[3].split()
    planted[40] = "changed"  # one word in 80: Jaccard ~0.89
    chunks = [chunk(f"x{i}", content=t) for i, t in enumerate(base)]
    chunks.append(chunk("near", content=" ".join(planted)))
    chunks.append(chunk("copy", content=base[5]))  # exact copy: not a near-duplicate
    found = near_duplicates(chunks)
    assert [(p.first, p.second) for p in found] == [("x3", "near")]
    assert found[0].similarity >= 0.8


def test_near_duplicates_agree_with_brute_force():
    rng = random.Random(11)
    texts = [text(rng, 80) for _ in range(20)]
    for i in range(0, 20, 4):  # plant mutated copies at several similarities
        words = texts[i].split()
        for j in range(rng.randint(0, 3)):
            words[5 + 12 * j] = "mutated"
        texts.append(" ".join(words))
    chunks = [chunk(f"t{i:02d}", content=t) for i, t in enumerate(texts)]
    brute = {
        (a.id, b.id)
        for i, a in enumerate(chunks)
        for b in chunks[i + 1 :]
        if a.content != b.content and jaccard(shingles(a.content), shingles(b.content)) >= 0.8
    }
    assert brute  # the planted pairs exist
    assert {(p.first, p.second) for p in near_duplicates(chunks)} == brute


def test_shingles_edge_cases():
    assert shingles("") == frozenset()
    assert shingles("two words") == frozenset({"two words"})
    assert len(shingles("a b c d e f")) == 2


def test_mixed_versions():
    chunks = [chunk("a", version=1), chunk("b"), chunk("c", version=1)]
    assert mixed_versions(chunks) == {1: 2}
    assert mixed_versions([chunk("b")]) == {}


def test_state_delta_counts_rows_added():
    first = [chunk("a", conversation="c1"), chunk("b", conversation="c2")]
    again = state_delta(first, list(first))
    assert (again.added, again.unchanged, again.stale) == (0, 2, 0)
    later = [
        chunk("a", conversation="c1"),
        chunk("b", conversation="c2", content="extended"),  # same id, new content
        chunk("n", conversation="c3"),
    ]
    delta = state_delta(first, later, changed=frozenset({"c2", "c3"}))
    assert delta.added == 2
    assert delta.added_unchanged_conversations == 0
    assert delta.changed_conversation_chunks == 2
    assert delta.stale == 1
    wrong = state_delta(first, later, changed=frozenset({"c3"}))
    assert wrong.added_unchanged_conversations == 1
