"""Evidence metrics: each gold span is one evidence unit (in LoCoMo files, an evidence turn).

Thin registry adapters over :mod:`eval.metrics.coverage`, scored on the top ``k``
units (``None``: the whole list, already cut to a context budget by the
retriever). ``E_i`` is gold span ``i`` of ``gold.spans``, ``n`` their number,
``R`` the union of the returned characters:

- ``span_recall = (1/n) * sum_i |R ∩ E_i| / |E_i|`` (a fragment scores its share; the
  report's span recall, and :func:`eval.metrics.coverage.span_recall`; the pooled
  ``|R ∩ U(E)| / |U(E)|`` is ``pooled_span_recall`` of :mod:`eval.metrics.spans`);
- ``evidence_strict_recall = (1/n) * #{i : E_i ⊆ R}`` (only whole turns count);
- ``evidence_precision = |R ∩ U(E)| / |R|`` in characters, each counted once;
- ``evidence_token_precision``: the cl100k tokens of the returned evidence text
  over the returned units' token counts (what a prompt pays; see
  :func:`eval.metrics.coverage.token_precision`).

A query without gold spans scores 0.0 on all four, the registry's convention
for a query with nothing to find (see :mod:`eval.metrics.ranking`); the run
counts such queries in ``dataset.queries_without_gold_spans``, so a mean
lowered by them is visible. An empty result scores 0.0.
"""

from __future__ import annotations

from collections.abc import Sequence

from chunking.tokens import get_tokenizer
from eval.datasets.model import Gold
from eval.metrics import coverage as _evidence
from eval.metrics.coverage import char_precision, strict_recall, token_precision
from eval.spans import Span, SpanUnit

__all__ = [
    "evidence_precision",
    "evidence_strict_recall",
    "evidence_token_precision",
    "gold_evidence",
    "span_recall",
]


def gold_evidence(gold: Gold) -> tuple[Span, ...]:
    """The gold spans: each is one evidence unit."""
    return gold.spans


def _top(ranked: Sequence[SpanUnit], k: int | None) -> Sequence[SpanUnit]:
    return ranked if k is None else ranked[:k]


def span_recall(ranked: Sequence[SpanUnit], gold: Gold, k: int | None) -> float:
    """Mean share of each gold span's characters returned (see the module)."""
    evidence = gold_evidence(gold)
    return _evidence.span_recall(_top(ranked, k), evidence) if evidence else 0.0


def evidence_strict_recall(ranked: Sequence[SpanUnit], gold: Gold, k: int | None) -> float:
    """Share of gold spans returned whole, possibly by several units (see the module)."""
    evidence = gold_evidence(gold)
    return strict_recall(_top(ranked, k), evidence) if evidence else 0.0


def evidence_precision(ranked: Sequence[SpanUnit], gold: Gold, k: int | None) -> float:
    """Share of the distinct returned characters inside some gold span (see the module)."""
    return char_precision(_top(ranked, k), gold_evidence(gold))


def evidence_token_precision(ranked: Sequence[SpanUnit], gold: Gold, k: int | None) -> float:
    """Share of the returned tokens that belong to gold spans (see the module)."""
    return token_precision(_top(ranked, k), gold_evidence(gold), get_tokenizer())
