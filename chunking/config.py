"""Chunking configuration: the per-tier token budgets."""

from __future__ import annotations

from dataclasses import dataclass

from chunking.errors import ConfigError
from chunking.tiers import ChunkTier

__all__ = ["CHUNKING_VERSION", "ChunkingConfig"]

CHUNKING_VERSION = 3
"""Version of the chunking algorithm and rendering.

Stored on every chunk and part of every chunk id. Bump it whenever the
rendered text, the boundaries or the budgets' meaning change, so that chunks
of two versions can always be told apart. Version 1 is the legacy service's
chunking (rows that predate this library); 2 the first of this library; 3
counts a blank line of spaces, tabs or carriage returns (``"\r\n\r\n"``) as
a paragraph break, as it does ``"\n\n"``.
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChunkingConfig:
    """Token budgets (cl100k tokens) of the three tiers.

    Defaults follow the common 128/512/2048 hierarchy (the same as LlamaIndex's
    ``HierarchicalNodeParser``), to be revised by the evaluation harness's
    budget sweep. A chunk never has more tokens than its tier's budget.

    Raises:
        ConfigError: a budget that is not a positive integer, or budgets that
            do not grow from small to large.
    """

    small: int = 128
    medium: int = 512
    large: int = 2048

    def __post_init__(self) -> None:
        for tier in ChunkTier:
            budget = self.budget(tier)
            if isinstance(budget, bool) or not isinstance(budget, int) or budget <= 0:
                raise ConfigError(
                    f"the {tier.value} budget must be a positive number of tokens, got {budget!r}"
                )
        if not self.small <= self.medium <= self.large:
            raise ConfigError(
                "tier budgets must satisfy small <= medium <= large, got "
                f"small={self.small}, medium={self.medium}, large={self.large}; "
                "a chunk must fit inside its parent"
            )

    def budget(self, tier: ChunkTier) -> int:
        """The token budget of ``tier``."""
        value: int = getattr(self, ChunkTier.parse(tier).value)
        return value
