"""Extraction cost: tokens and dollars per import, from the extraction pipeline's ledger.

The ledger is being built in ``extraction``; until it lands this module says
so instead of reporting figures (a report never shows invented numbers).
"""

from __future__ import annotations

import importlib.util
from typing import Any

__all__ = ["LEDGER_MODULE", "collect_cost"]

LEDGER_MODULE = "extraction.ledger"


def collect_cost() -> dict[str, Any]:
    """The cost figures, or ``{"available": False, "reason": ...}`` when there is no ledger."""
    if importlib.util.find_spec(LEDGER_MODULE) is None:
        return {
            "available": False,
            "reason": (
                f"the extraction pipeline's token ledger ({LEDGER_MODULE}) has not landed; "
                "no extraction was run, so there are no token or dollar figures"
            ),
            "llm_backend": None,
        }
    return {
        "available": False,
        "reason": (
            f"{LEDGER_MODULE} exists but the harness does not read it yet; "
            "wire eval.cost.collect_cost to it"
        ),
        "llm_backend": None,
    }
