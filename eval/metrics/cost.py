"""Extraction cost: tokens and dollars per import, from the extraction pipeline's ledger.

Extraction runs with the offline stand-in LLM (no model is called): its token
figures are cl100k estimates of the prompts the model would get, priced at
the model's rates, and the report says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chunking import Conversation

__all__ = ["collect_cost"]


def collect_cost(conversations: Sequence[Conversation]) -> dict[str, Any]:
    """Ledgers of the naive design and of each cost lever, plus a re-import.

    Returns a JSON-ready dict: ``scenarios`` (one ledger per lever, with its
    ratio to the naive design and dollars per million conversation tokens),
    ``models`` (each model under the default levers, with its ratio to the
    default model), ``reimport`` (first import and re-import of the same
    export under the default levers) and the LLM backend that produced the figures.
    """
    from extraction.costing import lever_costs, model_costs, reimport_costs
    from extraction.models import DEFAULT_MODEL
    from extraction.offline import OfflineLLM

    costs = lever_costs(conversations)
    first, again = reimport_costs(conversations)
    return {
        "available": True,
        "llm_backend": OfflineLLM.description,
        "model": DEFAULT_MODEL,
        "estimated": first.estimated,
        "scenarios": {cost.name: cost.to_dict() for cost in costs},
        "models": {cost.name: cost.to_dict() for cost in model_costs(conversations)},
        "reimport": {"first_import": first.to_dict(), "reimport": again.to_dict()},
    }
