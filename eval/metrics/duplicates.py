"""Duplicate chunks: exact copies and near-duplicates within a tier, and chunking versions.

Near-duplicates: two chunks of one tier whose 5-word shingle sets have a
Jaccard similarity of at least ``NEAR_DUPLICATE_THRESHOLD`` (0.8) and whose
texts differ. Candidates come from MinHash LSH (64 permutations in 16 bands
of 4 rows: a pair at similarity 0.8 is a candidate with probability 0.9998);
every candidate is then confirmed by its exact Jaccard similarity, so no
reported pair is a false positive.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from chunking import CHUNKING_VERSION, Chunk
from eval.metrics.minhash import candidate_pairs, jaccard, shingles, signatures

__all__ = [
    "NEAR_DUPLICATE_THRESHOLD",
    "NearDuplicate",
    "duplicate_rows",
    "exact_duplicates",
    "mixed_versions",
    "near_duplicates",
]

NEAR_DUPLICATE_THRESHOLD = 0.8
SHINGLE_SIZE = 5


@dataclass(frozen=True, slots=True)
class NearDuplicate:
    """Two chunks of one tier with similar text."""

    first: str
    second: str
    tier: str
    similarity: float


def _by_tier(chunks: Iterable[Chunk]) -> dict[str, list[Chunk]]:
    grouped: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        grouped.setdefault(chunk.chunk_tier.value, []).append(chunk)
    return grouped


def exact_duplicates(chunks: Iterable[Chunk]) -> dict[str, int]:
    """Per tier, the chunks whose text repeats an earlier chunk's text of that tier.

    A text present ``n`` times counts ``n - 1`` (the copies beyond the first).
    Tiers without duplicates map to 0.
    """
    result = {}
    for tier, group in _by_tier(chunks).items():
        counts = Counter(chunk.content for chunk in group)
        result[tier] = sum(n - 1 for n in counts.values())
    return result


def duplicate_rows(chunks: Iterable[Chunk]) -> dict[str, int]:
    """Per tier, chunks that repeat an earlier chunk's place: same id or same conversation span.

    These are duplicates of storage, not of text: two rows for one piece of
    one conversation. Counted like :func:`exact_duplicates`.
    """
    result = {}
    for tier, group in _by_tier(chunks).items():
        ids = Counter(chunk.id for chunk in group)
        places = Counter((chunk.conversation_id, chunk.start, chunk.end) for chunk in group)
        result[tier] = max(sum(n - 1 for n in ids.values()), sum(n - 1 for n in places.values()))
    return result


def near_duplicates(
    chunks: Iterable[Chunk],
    *,
    threshold: float = NEAR_DUPLICATE_THRESHOLD,
    permutations: int = 64,
    bands: int = 16,
) -> list[NearDuplicate]:
    """Pairs of chunks of the same tier at Jaccard >= ``threshold`` whose texts differ."""
    found: list[NearDuplicate] = []
    for tier, group in sorted(_by_tier(chunks).items()):
        found.extend(_near_in_tier(tier, group, threshold, permutations, bands))
    return found


def _near_in_tier(
    tier: str, group: Sequence[Chunk], threshold: float, permutations: int, bands: int
) -> list[NearDuplicate]:
    sets = [shingles(chunk.content, size=SHINGLE_SIZE) for chunk in group]
    if len(group) < 2:
        return []
    rows = signatures(sets, permutations=permutations)
    pairs = []
    for i, j in sorted(candidate_pairs(rows, bands=bands)):
        if group[i].content == group[j].content:
            continue
        similarity = jaccard(sets[i], sets[j])
        if similarity >= threshold:
            pairs.append(NearDuplicate(group[i].id, group[j].id, tier, similarity))
    return pairs


def mixed_versions(chunks: Iterable[Chunk], *, current: int = CHUNKING_VERSION) -> dict[int, int]:
    """Chunks per ``chunking_version`` other than ``current`` (empty: no mixing)."""
    counts = Counter(chunk.chunking_version for chunk in chunks)
    return {version: n for version, n in sorted(counts.items()) if version != current}
