"""The parts of a pass built from settings: the LLM and the result cache.

What the command line builds, public, so that a service builds the same
objects the same way. Nothing here reads the environment: settings come from
:func:`extraction.settings.load_settings` (or are built by the caller).
"""

from __future__ import annotations

from extraction.cache import ClosableFactCache, SqliteFactCache
from extraction.cache_url import open_fact_cache
from extraction.llm import LLM
from extraction.settings import ExtractionSettings

__all__ = ["build_llm", "open_result_cache"]


def build_llm(settings: ExtractionSettings) -> LLM:
    """The LLM the settings name: Claude over the direct API or Bedrock, or the offline stand-in.

    ``anthropic`` is imported only for the real providers; the client's
    credentials are read from ``settings`` now, not at import.

    Example:
        >>> from extraction.settings import load_settings
        >>> build_llm(load_settings(provider="offline")).model
        'offline-rules-v2'
    """
    if settings.provider == "offline":
        from extraction.offline import OfflineLLM

        return OfflineLLM()
    from extraction.anthropic_llm import AnthropicLLM
    from extraction.client import make_client

    return AnthropicLLM(make_client(settings), model=settings.model)


def open_result_cache(store_url: str, cache: str | None = None) -> ClosableFactCache:
    """The result cache: ``cache`` (a SQLite file or a URL), by default beside the chunks.

    Without ``cache`` it lives in the chunk store's own SQLite file or
    PostgreSQL database. The caller closes it (``close()``).

    Raises:
        SettingsError: a URL of an unknown scheme, or a SQLite URL naming no file.
    """
    if cache:
        return open_fact_cache(cache) if "://" in cache else SqliteFactCache(cache)
    return open_fact_cache(store_url)
