"""The regression gate: compare a run's ``metrics.json`` with the committed baseline.

The baseline stores, for each gated figure (a dotted path into
``metrics.json``), its value, which direction is better and its tolerance.
A figure fails when it moved in the worse direction by more than
``max(abs, rel * |baseline value|)``, or is not a finite number. ``RULES``
decide which figures are gated and with which tolerance; they are written into
the baseline with it. Metrics of another dataset than the baseline's are an
error, not a comparison; the rows of a peer whose extra is not installed (listed
under ``peers.skipped``) are not gated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from eval.errors import BaselineMismatchError

__all__ = ["RULES", "Rule", "Violation", "check", "flatten", "make_baseline", "ungated_peers"]


@dataclass(frozen=True, slots=True)
class Rule:
    """Figures matching ``pattern`` (fnmatch on dotted paths) are gated so."""

    pattern: str
    better: str  # "higher" or "lower"
    abs: float
    rel: float = 0.0


RULES: tuple[Rule, ...] = (
    # Retrieval quality: deterministic on the fixtures; the tolerance absorbs library drift.
    Rule("retrieval.*.at_k.*.recall", "higher", 0.02),
    Rule("retrieval.*.at_k.*.precision", "higher", 0.02),
    Rule("retrieval.*.at_k.*.mrr", "higher", 0.02),
    Rule("retrieval.*.at_k.*.ndcg", "higher", 0.02),
    Rule("retrieval.*.at_k.*.span_recall", "higher", 0.02),
    Rule("retrieval.*.at_k.*.pooled_span_recall", "higher", 0.02),
    Rule("retrieval.*.at_k.*.span_precision", "higher", 0.001, 0.05),
    Rule("retrieval.*.at_budget.*.recall", "higher", 0.02),
    Rule("retrieval.*.at_budget.*.pooled_span_recall", "higher", 0.02),
    Rule("retrieval.*.at_budget.*.span_iou", "higher", 0.001, 0.05),
    # Evidence recall at context budgets (ours and the peers'): two points down fails.
    Rule("retrieval.*.at_budget.*.span_recall", "higher", 0.02),
    Rule("retrieval.*.at_budget.*.evidence_strict_recall", "higher", 0.02),
    # Redundancy of returned context: at most one point up.
    Rule("retrieval.*.at_budget.*.redundancy", "lower", 0.01),
    # Duplicates and re-import rows: not one more.
    Rule("duplicates.exact.*", "lower", 0),
    Rule("duplicates.rows.*", "lower", 0),
    Rule("duplicates.near.*", "lower", 0),
    Rule("reimport.unchanged_export.added", "lower", 0),
    Rule("reimport.overlapping_export.added_unchanged_conversations", "lower", 0),
    Rule("reimport.overlapping_export.added", "lower", 0),
    # Cost (once the ledger lands): 5% more tokens or dollars fails.
    Rule("cost.*tokens*", "lower", 0, 0.05),
    Rule("cost.*usd*", "lower", 0, 0.05),
)


@dataclass(frozen=True, slots=True)
class Violation:
    path: str
    baseline: float | None
    current: float | None
    allowed: float
    better: str

    def __str__(self) -> str:
        if self.current is None:
            return f"{self.path}: missing from the run (baseline {self.baseline})"
        return (
            f"{self.path}: {self.current:.6g} vs baseline {self.baseline:.6g} "
            f"({self.better} is better; tolerance {self.allowed:.3g})"
        )


def flatten(data: Any, prefix: str = "") -> dict[str, float]:
    """Every number in ``data`` by its dotted path (booleans left out)."""
    if isinstance(data, dict):
        flat: dict[str, float] = {}
        for key, value in data.items():
            flat.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(data, int | float) and not isinstance(data, bool):
        return {prefix: float(data)}
    return {}


def make_baseline(metrics: dict[str, Any], rules: tuple[Rule, ...] = RULES) -> dict[str, Any]:
    """A baseline of every figure of ``metrics`` that a rule gates (first matching rule)."""
    gated: dict[str, Any] = {}
    for path, value in sorted(flatten(metrics).items()):
        rule = next((r for r in rules if fnmatchcase(path, r.pattern)), None)
        if rule is not None:
            gated[path] = {"value": value, "better": rule.better, "abs": rule.abs, "rel": rule.rel}
    return {"dataset_digest": metrics.get("dataset", {}).get("digest"), "metrics": gated}


def check(metrics: dict[str, Any], baseline: dict[str, Any]) -> list[Violation]:
    """The gated figures of ``baseline`` that ``metrics`` misses or worsens past tolerance.

    Raises:
        BaselineMismatchError: ``metrics`` were measured on another dataset.
    """
    expected, measured = baseline.get("dataset_digest"), metrics.get("dataset", {}).get("digest")
    if expected is not None and measured != expected:
        raise BaselineMismatchError(
            f"the metrics are of dataset {measured!r}, the baseline of {expected!r}: check a "
            "run against the baseline of the same data (make eval-check for the fixtures, "
            "make eval-locomo for LoCoMo dev)"
        )
    current = flatten(metrics)
    skipped = set(ungated_peers(metrics))
    violations = []
    for path, gate in sorted(baseline["metrics"].items()):
        if _peer_of(path) in skipped:
            continue
        value, better = gate["value"], gate["better"]
        allowed = max(gate["abs"], gate["rel"] * abs(value))
        now = current.get(path)
        worse = None if now is None else (value - now if better == "higher" else now - value)
        if worse is None or not math.isfinite(worse) or worse > allowed + 1e-12:
            violations.append(Violation(path, value, now, allowed, better))
    return violations


def ungated_peers(metrics: dict[str, Any]) -> list[str]:
    """Peers the run skipped (their extra is missing): their baseline rows are not gated."""
    return sorted(metrics.get("peers", {}).get("skipped", {}))


def _peer_of(path: str) -> str | None:
    """``"llamaindex-hierarchical"`` for ``retrieval.peer:llamaindex-hierarchical+context.…``."""
    parts = path.split(".", 2)
    if len(parts) < 2 or parts[0] != "retrieval" or not parts[1].startswith("peer:"):
        return None
    return parts[1].removeprefix("peer:").split("+", 1)[0]
