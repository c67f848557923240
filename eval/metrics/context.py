"""Context size: how many tokens a strategy puts in front of the model."""

from __future__ import annotations

from collections.abc import Sequence

from eval.datasets.model import Gold
from eval.spans import SpanUnit

__all__ = ["context_tokens"]


def context_tokens(ranked: Sequence[SpanUnit], gold: Gold, k: int | None) -> float:
    """context_tokens@k = sum of ``token_count`` of the top k chunks (cl100k).

    Averaged over queries it is the mean context tokens per query. ``gold`` is
    unused; the signature is the registry's.
    """
    top = ranked if k is None else ranked[:k]
    return float(sum(chunk.token_count for chunk in top))
