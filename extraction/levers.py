"""The cost levers of extraction, as one frozen options object.

Each field is one lever; :data:`NAIVE` is the design the levers are measured
against (all three tiers, full assistant text, one chunk per call, no
caching, no batches).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from chunking.tiers import ChunkTier

__all__ = ["DEFAULT_LEVERS", "NAIVE", "Levers"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Levers:
    """How extraction spends tokens.

    Attributes:
        tiers: the tiers whose chunks are sent (default: ``medium`` only).
        assistant_chars: assistant turns are cut to this many characters
            (``None``: sent in full); the user's turns are always sent in full.
        chunks_per_call: how many chunks one call may carry.
        call_token_budget: the most chunk tokens one call may carry.
        prompt_caching: mark the shared system prompt for caching when it
            reaches the model's minimum cacheable prefix.
        batch: use the Message Batches API (direct API only, half price,
            asynchronous).
    """

    tiers: tuple[ChunkTier, ...] = (ChunkTier.MEDIUM,)
    assistant_chars: int | None = 280
    chunks_per_call: int = 8
    call_token_budget: int = 3000
    prompt_caching: bool = True
    batch: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "tiers", tuple(ChunkTier.parse(tier) for tier in self.tiers))
        if not self.tiers:
            raise ValueError("levers: at least one tier must be extracted")
        if self.assistant_chars is not None and self.assistant_chars < 0:
            raise ValueError(f"levers: assistant_chars must be >= 0, got {self.assistant_chars}")
        if self.chunks_per_call < 1 or self.call_token_budget < 1:
            raise ValueError(
                "levers: chunks_per_call and call_token_budget must be >= 1, got "
                f"{self.chunks_per_call} and {self.call_token_budget}"
            )

    def with_(self, **changes: object) -> Levers:
        """A copy with ``changes`` applied."""
        return replace(self, **changes)  # type: ignore[arg-type]


DEFAULT_LEVERS = Levers()

NAIVE = Levers(
    tiers=tuple(ChunkTier),
    assistant_chars=None,
    chunks_per_call=1,
    call_token_budget=1_000_000,
    prompt_caching=False,
    batch=False,
)
