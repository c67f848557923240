"""Character-span metrics, after Chroma's chunking evaluation.

Spans are ``[start, end)`` character ranges of a conversation's canonical text.
``R`` is the list of returned chunks' spans (repetitions kept), ``U(X)`` the
union of spans ``X`` (per conversation), ``|.|`` a number of characters, and
``hit = |U(R) ∩ U(G)|`` the gold characters returned at least once.

Recall here is *pooled* over a query's gold characters (:func:`pooled_span_recall`),
so a long gold span weighs more than a short one. The report's **span recall**
is the other one, the mean over gold spans of each span's covered share
(``span_recall``, :mod:`eval.metrics.evidence`); they agree when a query has
one gold span.
"""

from __future__ import annotations

from collections.abc import Sequence

from eval.datasets.model import Gold
from eval.spans import Span, SpanUnit, intersection, union

__all__ = ["pooled_span_recall", "redundancy", "span_iou", "span_precision"]


def _spans(ranked: Sequence[SpanUnit], k: int | None) -> list[Span]:
    top = ranked if k is None else ranked[:k]
    return [Span(c.conversation_id, c.start, c.end) for c in top]


def pooled_span_recall(ranked: Sequence[SpanUnit], gold: Gold, k: int | None) -> float:
    """pooled_span_recall@k = hit / |U(G)|; 0.0 when there are no gold spans."""
    total = sum(s.length for s in union(gold.spans))
    return intersection(_spans(ranked, k), gold.spans) / total if total else 0.0


def span_precision(ranked: Sequence[SpanUnit], gold: Gold, k: int | None) -> float:
    """span_precision@k = hit / sum_{r in R} |r|.

    The denominator sums the returned lengths without merging them, so text
    returned twice is paid for twice. 0.0 when nothing was returned.
    """
    spans = _spans(ranked, k)
    returned = sum(s.length for s in spans)
    return intersection(spans, gold.spans) / returned if returned else 0.0


def span_iou(ranked: Sequence[SpanUnit], gold: Gold, k: int | None) -> float:
    """span_iou@k = hit / (sum_{r in R} |r| + |U(G)| - hit).

    The denominator is the returned length plus the gold characters not
    returned. 0.0 when both are empty.
    """
    spans = _spans(ranked, k)
    hit = intersection(spans, gold.spans)
    denominator = sum(s.length for s in spans) + sum(s.length for s in union(gold.spans)) - hit
    return hit / denominator if denominator else 0.0


def redundancy(ranked: Sequence[SpanUnit], gold: Gold, k: int | None) -> float:
    """Share of returned characters that repeat text already returned.

    redundancy@k = (sum_{r in R} |r| - |U(R)|) / sum_{r in R} |r|; 0.0 when
    nothing was returned. Across tiers this is the cross-tier redundancy of the
    context (a ``small`` chunk inside a returned ``large`` one counts fully).
    ``gold`` is unused; the signature is the registry's.
    """
    spans = _spans(ranked, k)
    returned = sum(s.length for s in spans)
    if not returned:
        return 0.0
    return (returned - sum(s.length for s in union(spans))) / returned
