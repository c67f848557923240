"""Fact extraction and memory generation over the chunk tiers, with a token ledger.

The full pass (:func:`run_full_pass`) loads an export, chunks it, syncs the
chunk store, extracts facts with an :class:`LLM` (Claude, or the offline
stand-in), builds the memory profile and saves it. Importing this package
reads no environment variable and does not import ``anthropic``.
"""

from extraction.errors import ExtractionError
from extraction.factory import build_llm, open_result_cache
from extraction.facts import Fact
from extraction.health import health
from extraction.ledger import Ledger, LedgerSummary
from extraction.levers import DEFAULT_LEVERS, NAIVE, Levers
from extraction.llm import LLM, LLMRequest, LLMResponse, Usage
from extraction.memory import MemoryDocument, build_memory
from extraction.pipeline import PassResult, run_full_pass, run_full_pass_async
from extraction.settings import ExtractionSettings, load_settings

__all__ = [  # noqa: RUF022 - plain sorted(), as tests/test_architecture.py checks
    "DEFAULT_LEVERS",
    "ExtractionError",
    "ExtractionSettings",
    "Fact",
    "LLM",
    "LLMRequest",
    "LLMResponse",
    "Ledger",
    "LedgerSummary",
    "Levers",
    "MemoryDocument",
    "NAIVE",
    "PassResult",
    "Usage",
    "build_llm",
    "build_memory",
    "health",
    "load_settings",
    "open_result_cache",
    "run_full_pass",
    "run_full_pass_async",
]
