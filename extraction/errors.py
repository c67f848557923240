"""Errors raised by ``extraction``.

Hierarchy::

    ExtractionError                       base of everything raised here
    ├── SettingsError (ValueError)        settings missing or invalid; names the variable
    ├── UnknownModelError (LookupError)   a logical model name not in the registry
    ├── LLMCallError (RuntimeError)       a call that failed after the SDK's retries
    │   └── LLMAccessError                a refusal no retry can change: 401, 403, unknown model
    ├── LLMOutputError (ValueError)       model output that is not the expected JSON
    └── CacheError (RuntimeError)         the result cache's database cannot be opened

The Anthropic SDK's own error stays available as ``__cause__`` of an
``LLMCallError``. Messages never contain a secret.
"""

from __future__ import annotations

__all__ = [
    "CacheError",
    "ExtractionError",
    "LLMAccessError",
    "LLMCallError",
    "LLMOutputError",
    "SettingsError",
    "UnknownModelError",
]


class ExtractionError(Exception):
    """Base class of every error raised by ``extraction``."""


class SettingsError(ExtractionError, ValueError):
    """Settings that are missing or invalid; the message names the variable."""


class UnknownModelError(ExtractionError, LookupError):
    """A logical model name that is not in ``MODELS``."""

    def __init__(self, name: str, valid: tuple[str, ...]) -> None:
        super().__init__(
            f"unknown model {name!r}; valid logical names: {', '.join(valid)} "
            "(add new models to extraction.models.MODELS)"
        )
        self.name = name


class LLMCallError(ExtractionError, RuntimeError):
    """An LLM call that failed for good (after the SDK's own retries)."""


class LLMAccessError(LLMCallError):
    """The provider refuses every call: bad credentials (401), no permission (403), or a
    model it does not serve (404, or a 400 naming the model). No retry and no other chunk
    can succeed, so the pass stops at once with this reason."""


class LLMOutputError(ExtractionError, ValueError):
    """Model output that could not be parsed or validated as the facts JSON."""


class CacheError(ExtractionError, RuntimeError):
    """The result cache cannot be opened (its database is unreachable or refuses the table)."""
