"""What extraction costs under each lever, measured by the ledger on given conversations.

:func:`lever_costs` runs extraction (with a fresh cache each time) under the
naive design and under each lever, and returns one ledger per scenario; the
eval harness reports them. :func:`model_costs` does the same for each model of
the registry under one set of levers: the model is a lever too.

With the offline LLM the figures are estimates of the same prompts the model
would get: cl100k counts stand for Claude Haiku 4.5's, scaled by each model's
:attr:`~extraction.models.ModelSpec.tokens_per_haiku_4_5_token` (Haiku 5.5's
tokenizer counts about 30% more); output tokens are those of the stand-in's
answers, so output figures say little about what a model would write.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from chunking.chunker import chunk_conversations
from chunking.model import Conversation
from chunking.render import render
from chunking.tiers import ChunkTier
from chunking.tokens import get_tokenizer
from extraction.cache import MemoryFactCache
from extraction.extract import extract_facts
from extraction.items import ExtractionItem, item_from_chunk
from extraction.ledger import Ledger, LedgerSummary
from extraction.levers import DEFAULT_LEVERS, NAIVE, Levers
from extraction.llm import LLM
from extraction.models import DEFAULT_MODEL, MODELS, ModelSpec, get_model
from extraction.prompts import SYSTEM_PROMPT

__all__ = [
    "LeverCost",
    "estimating_llm",
    "lever_costs",
    "model_costs",
    "reimport_costs",
    "scenarios",
]

LLMFactory = Callable[[], LLM]


@dataclass(frozen=True, slots=True)
class LeverCost:
    """One scenario's ledger, relative to the naive design."""

    name: str
    levers: Levers
    ledger: LedgerSummary
    ratio_to_naive: float
    usd_per_million_conversation_tokens: float

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "name": self.name,
            "ledger": self.ledger.to_dict(),
            "ratio_to_naive": round(self.ratio_to_naive, 4),
            "usd_per_million_conversation_tokens": round(
                self.usd_per_million_conversation_tokens, 4
            ),
        }


def scenarios() -> dict[str, Levers]:
    """The naive design, each lever alone on top of it, and the default levers."""
    return {
        "naive": NAIVE,
        "one_tier_medium": NAIVE.with_(tiers=(ChunkTier.MEDIUM,)),
        "trim_assistant": NAIVE.with_(assistant_chars=DEFAULT_LEVERS.assistant_chars),
        "several_chunks_per_call": NAIVE.with_(
            chunks_per_call=DEFAULT_LEVERS.chunks_per_call,
            call_token_budget=DEFAULT_LEVERS.call_token_budget,
        ),
        "prompt_caching": NAIVE.with_(prompt_caching=True),
        "batches_api": NAIVE.with_(batch=True),
        "default_levers": DEFAULT_LEVERS,
        "default_levers_with_batches": DEFAULT_LEVERS.with_(batch=True),
    }


def estimating_llm(spec: ModelSpec) -> LLMFactory:
    """Makes offline stand-ins whose token estimates are in ``spec``'s tokens.

    The stand-ins it makes share one memo of the rules' facts (:class:`OfflineLLM`).
    """
    from extraction.offline import FactsMemo, OfflineLLM

    count = get_tokenizer().count
    ratio = spec.tokens_per_haiku_4_5_token

    def scaled(text: str) -> int:
        return round(count(text) * ratio)

    memo: FactsMemo = {}  # the stand-ins of one estimate read the same turns
    return lambda: OfflineLLM(count_tokens=scaled, memo=memo)


def lever_costs(
    conversations: Iterable[Conversation],
    *,
    llm_factory: LLMFactory | None = None,
    model: str = DEFAULT_MODEL,
    levers: dict[str, Levers] | None = None,
) -> list[LeverCost]:
    """The ledger of a first import under each scenario (a new LLM and cache each).

    Args:
        conversations: the export's conversations.
        llm_factory: makes the LLM for a scenario (default: the offline
            stand-in, estimating in ``model``'s tokens).
        model: whose prices, tokenizer and caching minimum apply.
        levers: scenarios by name (default :func:`scenarios`); must include ``naive``.
    """
    items, conversation_tokens = _items(conversations)
    spec = get_model(model)
    factory = llm_factory or estimating_llm(spec)
    ledgers = {
        name: (chosen, _first_import(items, spec, factory, chosen))
        for name, chosen in (levers or scenarios()).items()
    }
    return _relative(ledgers, "naive", conversation_tokens)


def model_costs(
    conversations: Iterable[Conversation],
    *,
    models: Iterable[str] = tuple(MODELS),
    levers: Levers = DEFAULT_LEVERS,
    reference: str = DEFAULT_MODEL,
) -> list[LeverCost]:
    """The ledger of a first import by each model under ``levers`` (offline estimates).

    ``ratio_to_naive`` is, here, the ratio to ``reference``'s cost.
    """
    items, conversation_tokens = _items(conversations)
    ledgers = {}
    for name in models:
        spec = get_model(name)
        ledgers[name] = (levers, _first_import(items, spec, estimating_llm(spec), levers))
    return _relative(ledgers, reference, conversation_tokens)


def _first_import(
    items: list[ExtractionItem], spec: ModelSpec, factory: LLMFactory, levers: Levers
) -> LedgerSummary:
    ledger = Ledger(spec.prices)
    asyncio.run(
        extract_facts(
            items,
            llm=factory(),
            cache=MemoryFactCache(),
            ledger=ledger,
            levers=levers,
            system_prompt_tokens=_prompt_tokens(spec),
            min_cache_prefix_tokens=spec.min_cache_prefix_tokens,
        )
    )
    return ledger.summary()


def _prompt_tokens(spec: ModelSpec) -> int:
    return round(get_tokenizer().count(SYSTEM_PROMPT) * spec.tokens_per_haiku_4_5_token)


def _relative(
    ledgers: dict[str, tuple[Levers, LedgerSummary]], reference: str, conversation_tokens: int
) -> list[LeverCost]:
    naive = ledgers[reference][1].cost_usd
    return [
        LeverCost(
            name=name,
            levers=chosen,
            ledger=summary,
            ratio_to_naive=summary.cost_usd / naive if naive else 0.0,
            usd_per_million_conversation_tokens=(
                summary.cost_usd / conversation_tokens * 1e6 if conversation_tokens else 0.0
            ),
        )
        for name, (chosen, summary) in ledgers.items()
    ]


def reimport_costs(
    conversations: Iterable[Conversation],
    *,
    llm_factory: LLMFactory | None = None,
    model: str = DEFAULT_MODEL,
    levers: Levers = DEFAULT_LEVERS,
) -> tuple[LedgerSummary, LedgerSummary]:
    """Ledgers of a first import and of a re-import of the same conversations.

    Both runs share one result cache, as two imports of one user do, so the
    second ledger is what re-importing an unchanged export costs.
    """
    items, _ = _items(conversations)
    spec = get_model(model)
    factory = llm_factory or estimating_llm(spec)
    prefix = _prompt_tokens(spec)
    cache = MemoryFactCache()
    summaries = []
    for _ in range(2):
        ledger = Ledger(spec.prices)
        asyncio.run(
            extract_facts(
                items,
                llm=factory(),
                cache=cache,
                ledger=ledger,
                levers=levers,
                system_prompt_tokens=prefix,
                min_cache_prefix_tokens=spec.min_cache_prefix_tokens,
            )
        )
        summaries.append(ledger.summary())
    return summaries[0], summaries[1]


def _items(conversations: Iterable[Conversation]) -> tuple[list[ExtractionItem], int]:
    items: list[ExtractionItem] = []
    tokens = 0
    for conversation in conversations:
        rendered = render(conversation)
        for chunk in chunk_conversations([conversation]):
            if chunk.chunk_tier is ChunkTier.LARGE:
                tokens += chunk.token_count
            items.append(item_from_chunk(chunk, rendered))
    return items, tokens
