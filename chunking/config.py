"""Chunking configuration: the per-tier token budgets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from chunking.errors import ConfigError
from chunking.tiers import ChunkTier

__all__ = ["CHUNKING_VERSION", "SESSION_GAP", "ChunkingConfig"]

CHUNKING_VERSION = 4
"""Version of the chunking algorithm and rendering.

Stored on every chunk and part of every chunk id. Bump it whenever the
rendered text, the boundaries or the budgets' meaning change, so that chunks
of two versions can always be told apart. Version 1 is the legacy service's
chunking (rows that predate this library); 2 the first of this library; 3
counts a blank line of spaces, tabs or carriage returns (``"\r\n\r\n"``) as
a paragraph break, as it does ``"\n\n"``; 4 cuts at sessions before messages
(:mod:`chunking.sessions`) and shares a run of pieces out in runs of about
equal size (:mod:`chunking.packing`).
"""

SESSION_GAP = timedelta(minutes=30)
"""The pause after which a message opens a new session (:mod:`chunking.sessions`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChunkingConfig:
    """Token budgets (cl100k tokens) of the three tiers, and the pause that starts a session.

    The default budgets, 96/512/2048, are those the evaluation harness's
    tier-budget sweep chooses on its training split (``make eval SWEEP=1``;
    docs/eval.md, "Tier budgets and weights"). A chunk never has more tokens than its
    tier's budget.

    ``session_gap`` is the pause between two messages after which the chunker
    cuts before it cuts anywhere else (``None``: never).

    Raises:
        ConfigError: a budget that is not a positive integer, budgets that do
            not grow from small to large, or a session gap that is not a
            positive ``timedelta``.
    """

    small: int = 96
    medium: int = 512
    large: int = 2048
    session_gap: timedelta | None = SESSION_GAP

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
        gap = self.session_gap
        if gap is not None and (not isinstance(gap, timedelta) or gap <= timedelta(0)):
            shown = (
                f"{gap} ({gap.total_seconds() / 60:g} minutes)"
                if isinstance(gap, timedelta)
                else repr(gap)
            )
            raise ConfigError(
                f"session_gap must be a positive timedelta, or None for no sessions; got {shown}"
            )

    def budget(self, tier: ChunkTier) -> int:
        """The token budget of ``tier``."""
        value: int = getattr(self, ChunkTier.parse(tier).value)
        return value
