"""The chunk tiers: the one definition of the production enum ``chunk_tier_enum``."""

from __future__ import annotations

from enum import StrEnum

from chunking.errors import InvalidTierError

__all__ = ["ChunkTier"]


class ChunkTier(StrEnum):
    """Granularity of a chunk, from finest to coarsest.

    The values are exactly the labels of the Postgres enum ``chunk_tier_enum``;
    they are defined here and nowhere else. Iteration order is the nesting
    order: every ``small`` chunk lies inside one ``medium``, every ``medium``
    inside one ``large``.
    """

    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"

    @property
    def parent(self) -> ChunkTier | None:
        """The next coarser tier, or ``None`` for ``LARGE``."""
        order = list(ChunkTier)
        index = order.index(self)
        return order[index + 1] if index + 1 < len(order) else None

    @classmethod
    def parse(cls, value: object) -> ChunkTier:
        """Return the tier named by ``value``, or raise ``InvalidTierError``.

        >>> ChunkTier.parse("medium")
        <ChunkTier.MEDIUM: 'medium'>
        """
        if isinstance(value, ChunkTier):
            return value
        if isinstance(value, str):
            try:
                return cls(value)
            except ValueError:
                pass
        raise InvalidTierError(value, tuple(tier.value for tier in cls))
