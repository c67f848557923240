"""The LLM boundary: one request in, text and token usage out.

Implementations: :class:`extraction.anthropic_llm.AnthropicLLM` (the real
model, direct API or Bedrock) and :class:`extraction.offline.OfflineLLM` (a
deterministic rule-based stand-in). Tests add their own fakes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

__all__ = ["LLM", "LLMMessage", "LLMRequest", "LLMResponse", "Usage"]


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens of one call, by kind, as billed.

    ``estimated`` is true when the figures were counted locally (cl100k)
    instead of read from the provider's ``usage``.
    """

    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    estimated: bool = False


@dataclass(frozen=True, slots=True)
class LLMMessage:
    """One turn of the conversation sent to the model."""

    role: Literal["user", "assistant"]
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LLMRequest:
    """What one call sends.

    Attributes:
        system: the shared instructions (the same for every call of a run).
        messages: the turns, starting and ending with a user turn.
        max_tokens: the most output tokens the model may write.
        cache_system: ask the provider to cache ``system`` (prompt caching).
        output_schema: a JSON schema the answer must follow (structured
            outputs), or ``None`` for free text.
    """

    system: str
    messages: tuple[LLMMessage, ...]
    max_tokens: int = 2048
    cache_system: bool = False
    output_schema: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class LLMResponse:
    """The model's text, the call's usage and why the model stopped.

    ``stop_reason`` is the provider's (``end_turn``, ``max_tokens``,
    ``refusal``...), ``None`` when unknown.
    """

    text: str
    usage: Usage
    stop_reason: str | None = None

    @property
    def truncated(self) -> bool:
        """The answer was cut at ``max_tokens``: it is incomplete and must not be parsed."""
        return self.stop_reason == "max_tokens"


@runtime_checkable
class LLM(Protocol):
    """Anything that completes a request.

    Attributes:
        model: identity of the model, part of the result cache key.
        description: what this LLM is, for reports (a stand-in says so).
        estimates: true when usage figures are local estimates.
    """

    @property
    def model(self) -> str: ...

    @property
    def description(self) -> str: ...

    @property
    def estimates(self) -> bool: ...

    async def complete(self, request: LLMRequest) -> LLMResponse:
        """Complete ``request``.

        Raises:
            LLMAccessError: the provider refuses every call (credentials,
                permission, unknown model): no later call can succeed.
            LLMCallError: the call failed for good (after the provider's retries).
        """
        ...
