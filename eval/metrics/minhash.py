"""Word shingles, MinHash signatures and LSH banding, for near-duplicate detection."""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Sequence
from typing import Any

__all__ = ["candidate_pairs", "jaccard", "shingles", "signatures"]

_WORD = re.compile(r"\w+")
_PRIME = (1 << 31) - 1


def shingles(text: str, *, size: int = 5) -> frozenset[str]:
    """The set of ``size``-word shingles of ``text`` (lower-cased ``\\w+`` words).

    A text of fewer than ``size`` words is one shingle (all its words); a text
    without words has none.
    """
    words = _WORD.findall(text.lower())
    if len(words) < size:
        return frozenset([" ".join(words)]) if words else frozenset()
    return frozenset(" ".join(words[i : i + size]) for i in range(len(words) - size + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """|a & b| / |a | b|; 0.0 for two empty sets."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def signatures(sets: Sequence[frozenset[str]], *, permutations: int, seed: int = 1) -> Any:
    """MinHash signatures, one row per set: ``min((a*h(s) + b) mod p)`` per permutation.

    ``h`` is a 31-bit BLAKE2b hash of the shingle and ``p = 2^31 - 1``; ``(a, b)``
    are drawn from ``random.Random(seed)``. An empty set's row is all ``p``.
    """
    import numpy as np

    rng = random.Random(seed)
    a = np.array([rng.randrange(1, _PRIME) for _ in range(permutations)], dtype=np.uint64)
    b = np.array([rng.randrange(0, _PRIME) for _ in range(permutations)], dtype=np.uint64)
    rows = np.full((len(sets), permutations), _PRIME, dtype=np.uint64)
    for row, items in enumerate(sets):
        if not items:
            continue
        hashes = np.fromiter(
            (
                int.from_bytes(hashlib.blake2b(s.encode(), digest_size=4).digest()) % _PRIME
                for s in items
            ),
            dtype=np.uint64,
            count=len(items),
        )
        rows[row] = ((hashes[:, None] * a[None, :] + b[None, :]) % _PRIME).min(axis=0)
    return rows


def candidate_pairs(rows: Any, *, bands: int) -> set[tuple[int, int]]:
    """Pairs ``(i, j)``, ``i < j``, whose signatures agree on every row of some band."""
    per_band = rows.shape[1] // bands
    pairs: set[tuple[int, int]] = set()
    for band in range(bands):
        buckets: dict[bytes, list[int]] = {}
        block = rows[:, band * per_band : (band + 1) * per_band]
        for index in range(rows.shape[0]):
            buckets.setdefault(block[index].tobytes(), []).append(index)
        for members in buckets.values():
            pairs.update(
                (members[x], members[y])
                for x in range(len(members))
                for y in range(x + 1, len(members))
            )
    return pairs
