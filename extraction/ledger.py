"""The token ledger: every call's usage, and what an import cost.

Cost of one call, in US dollars, with prices per million tokens::

    (input * p_in + output * p_out + cache_write * p_cw + cache_read * p_cr) / 1e6

at the prices of the call's prompt length (:meth:`ModelPrices.for_prompt`: a
prompt of input, cache-write and cache-read tokens above a model's threshold is
priced at its long-prompt rate), times ``prices.batch_discount`` for calls made
through the Message Batches API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from extraction.llm import Usage
from extraction.models import ModelPrices

__all__ = ["Ledger", "LedgerSummary"]


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerSummary:
    """Totals of one import."""

    calls: int
    input_tokens: int
    output_tokens: int
    cache_write_tokens: int
    cache_read_tokens: int
    cost_usd: float
    estimated: bool
    cached_chunks: int = 0

    @property
    def total_tokens(self) -> int:
        """All tokens of every kind."""
        return (
            self.input_tokens
            + self.output_tokens
            + self.cache_write_tokens
            + self.cache_read_tokens
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: calls, tokens by kind, cost_usd, estimated."""
        return {
            "calls": self.calls,
            "tokens": {
                "input": self.input_tokens,
                "output": self.output_tokens,
                "cache_write": self.cache_write_tokens,
                "cache_read": self.cache_read_tokens,
                "total": self.total_tokens,
            },
            "cost_usd": round(self.cost_usd, 8),
            "estimated": self.estimated,
            "cached_chunks": self.cached_chunks,
        }


@dataclass(slots=True)
class Ledger:
    """Accumulates the usage of every call of one import (not thread-safe; one event loop)."""

    prices: ModelPrices
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    cost_usd: float = 0.0
    estimated: bool = False
    cached_chunks: int = 0

    def record(self, usage: Usage, *, batch: bool = False) -> None:
        """Add one call."""
        self.calls += 1
        self.input_tokens += usage.input_tokens
        self.output_tokens += usage.output_tokens
        self.cache_write_tokens += usage.cache_write_tokens
        self.cache_read_tokens += usage.cache_read_tokens
        self.estimated = self.estimated or usage.estimated
        prompt = usage.input_tokens + usage.cache_write_tokens + usage.cache_read_tokens
        prices = self.prices.for_prompt(prompt)
        cost = (
            usage.input_tokens * prices.input
            + usage.output_tokens * prices.output
            + usage.cache_write_tokens * prices.cache_write
            + usage.cache_read_tokens * prices.cache_read
        ) / 1_000_000
        self.cost_usd += cost * (self.prices.batch_discount if batch else 1.0)

    def summary(self) -> LedgerSummary:
        """The totals so far."""
        return LedgerSummary(
            calls=self.calls,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            cache_write_tokens=self.cache_write_tokens,
            cache_read_tokens=self.cache_read_tokens,
            cost_usd=self.cost_usd,
            estimated=self.estimated,
            cached_chunks=self.cached_chunks,
        )
