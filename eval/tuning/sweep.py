"""The tier-budget sweep: which chunk budgets and context weights retrieve evidence best.

``make eval SWEEP=1`` runs :func:`sweep` over the fixtures and, when present,
the LoCoMo dev file. For every point of a grid of tier budgets
(:data:`TIER_GRID`) it chunks each dataset, indexes it, and measures evidence
span recall, strict recall and precision at the context budgets of
:data:`BUDGETS` for flat ``bm25:small`` and for ``context:small`` under every
weight setting of :data:`WEIGHT_GRID`, each query by the run's own measuring
loop (:func:`eval.measure.measure`: the same metrics under the same names).

Choosing without peeking: each dataset's queries are split in two
(:func:`split_queries`); the setting is chosen on the **training** side only
(:func:`objective`, averaged over datasets; among the settings not
significantly worse than the best, by the paired randomization test of
:mod:`eval.metrics.significance` at p < 0.05, the current defaults stay, else the
cheapest tiers win, see ``_choose``), and the report shows the held-out
**test** side next to it. Then an ablation adds the index and ranking
choices one at a time on the chosen tiers, to show what each is worth.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from itertools import pairwise
from statistics import fmean
from typing import Any

from chunking import ChunkingConfig, chunk_conversations
from eval.budgets import HEADLINE_BUDGETS
from eval.datasets.model import Dataset, Query
from eval.errors import DatasetError
from eval.measure import Plan, measure
from eval.metrics.significance import SIGNIFICANCE, interval, paired_test
from eval.retrieval import ContextBM25, ContextWeights, Retriever, TierBM25, TierIndexes
from eval.retrieval.context import DEFAULT_WEIGHTS
from eval.retrieval.text import Analyzer, message_dates

__all__ = [
    "BUDGETS",
    "TIER_GRID",
    "WEIGHT_GRID",
    "Setting",
    "objective",
    "split_queries",
    "sweep",
]

BUDGETS = HEADLINE_BUDGETS
"""Context-token budgets at which each setting is measured; :func:`objective` averages them."""

TIER_GRID: tuple[tuple[int, int, int], ...] = tuple(
    (small, medium, 2048)
    for small in (64, 96, 128, 192)
    for medium in (256, 384, 512, 768)
    if small * 2 <= medium
)
"""(small, medium, large) token budgets tried; ``large`` is fixed (no strategy here returns it)."""

WEIGHT_GRID = tuple(
    ContextWeights(parent=parent, neighbours=neighbours)
    for parent in (0.0, 0.5, 1.0)
    for neighbours in (0.0, 0.3, 0.6, 1.0)
    if parent or neighbours
)
"""Context weights tried at every tier point (both 0 is flat ``bm25:small``, measured anyway)."""

Notify = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Setting:
    """One measured configuration: tiers, index choices and ranking."""

    small: int
    medium: int
    large: int
    stopwords: str = "en_plus"
    stem: bool = True
    dates: bool = True
    parent: float | None = None  # None: flat bm25:small
    neighbours: float = 0.0

    @property
    def tiers(self) -> ChunkingConfig:
        return ChunkingConfig(small=self.small, medium=self.medium, large=self.large)

    @property
    def strategy(self) -> str:
        if self.parent is None:
            return "bm25:small"
        return f"context:small (parent {self.parent:g}, neighbours {self.neighbours:g})"

    def retriever(self, indexes: TierIndexes) -> Retriever:
        if self.parent is None:
            return TierBM25(indexes, "small")
        weights = ContextWeights(parent=self.parent, neighbours=self.neighbours)
        return ContextBM25(indexes, "small", weights=weights)


def split_queries(dataset: Dataset) -> dict[str, str]:
    """``"train"`` or ``"test"`` for every scored query (one with gold spans).

    With two users or more, users are ordered by the SHA-256 of their id and
    the first ``ceil(n / 2)`` train (LoCoMo: whole conversations are held out).
    With one user, queries are split the same way by their own id.
    """
    scored = [q for q in dataset.queries if q.gold.spans]
    users = sorted({q.user_id for q in scored}, key=_digest)
    if len(users) >= 2:
        train = set(users[: (len(users) + 1) // 2])
        return {q.id: "train" if q.user_id in train else "test" for q in scored}
    ids = sorted((q.id for q in scored), key=_digest)
    train = set(ids[: (len(ids) + 1) // 2])
    return {q.id: "train" if q.id in train else "test" for q in scored}


def objective(figures: dict[str, dict[str, float]]) -> float:
    """Mean of span and strict evidence recall over :data:`BUDGETS` (one side's figures)."""
    return _objective(
        (figures[str(b)]["span_recall"], figures[str(b)]["strict_recall"]) for b in BUDGETS
    )


def _objective(recalls: Iterable[tuple[float, float]]) -> float:
    """The objective's formula, over (span recall, strict recall) at each budget."""
    return fmean((span + strict) / 2 for span, strict in recalls)


def sweep(datasets: Sequence[Dataset], *, notify: Notify = lambda _: None) -> dict[str, Any]:
    """The grid, the chosen setting and the ablation, for every dataset (JSON-ready).

    Raises:
        DatasetError: two datasets of the same name, or no scored query on the
            training side of any dataset (nothing to choose on).
    """
    names = [d.name for d in datasets]
    if len(set(names)) != len(names):
        raise DatasetError(f"datasets must have distinct names to be reported apart, got {names}")
    splits = {d.name: split_queries(d) for d in datasets}
    if not any("train" in split.values() for split in splits.values()):
        raise DatasetError(
            "no query with gold spans on the training side of any dataset; the sweep needs "
            "scored queries to choose on"
        )
    grid: dict[str, list[dict[str, Any]]] = {d.name: [] for d in datasets}
    for number, (small, medium, large) in enumerate(TIER_GRID, start=1):
        notify(f"sweep: tiers {small}/{medium}/{large} ({number}/{len(TIER_GRID)})")
        settings = [Setting(small, medium, large)] + [
            Setting(small, medium, large, parent=w.parent, neighbours=w.neighbours)
            for w in WEIGHT_GRID
        ]
        for dataset in datasets:
            grid[dataset.name] += _measure(dataset, splits[dataset.name], settings)
    tied = _tied(grid)
    chosen = _choose(tied)
    notify("sweep: ablation on the chosen tiers")
    ablation = {
        d.name: _measure(d, splits[d.name], _ablation_steps(chosen)) for d in datasets
    }  # fmt: skip
    return {
        "budgets": list(BUDGETS),
        "objective": "mean over budgets of (span recall + strict recall) / 2, training side",
        "rule": (
            "among settings whose training objective is not significantly below the best's "
            f"(paired randomization test over the training queries, p >= {SIGNIFICANCE}), the "
            "current defaults if there, else the largest small budget, then the largest medium"
        ),
        "split": {
            d.name: {
                side: sum(s == side for s in splits[d.name].values()) for side in ("train", "test")
            }
            for d in datasets
        },
        "chosen": asdict(chosen),
        "tied": tied,
        "grid": {name: _public(rows) for name, rows in grid.items()},
        "ablation": {name: _public(_against_previous(rows)) for name, rows in ablation.items()},
    }


def _ablation_steps(chosen: Setting) -> list[Setting]:
    base = Setting(chosen.small, chosen.medium, chosen.large)
    plain = Setting(base.small, base.medium, base.large, stopwords="en", stem=False, dates=False)
    steps = [
        plain,
        Setting(base.small, base.medium, base.large, stem=False, dates=False),
        Setting(base.small, base.medium, base.large, dates=False),
        base,
        Setting(base.small, base.medium, base.large, parent=0.0, neighbours=chosen.neighbours),
        chosen,
    ]
    return [s for i, s in enumerate(steps) if i == 0 or s != steps[i - 1]]


def _choose(tied: list[dict[str, Any]], default: Setting | None = None) -> Setting:
    """The setting to use of the ``tied`` ones (:func:`_tied`, best score first): the cheapest.

    When the current defaults
    (``ChunkingConfig()`` and ``DEFAULT_WEIGHTS``) are tied they stay: a
    production tier does not move on noise. Otherwise the tied setting with the
    largest ``small`` budget (fewest rows to store and rank), then the largest
    ``medium`` (fewest extraction calls: the pipeline reads ``medium`` chunks),
    then the best score.
    """
    if default is None:
        tiers = ChunkingConfig()
        default = Setting(
            tiers.small,
            tiers.medium,
            tiers.large,
            parent=DEFAULT_WEIGHTS.parent,
            neighbours=DEFAULT_WEIGHTS.neighbours,
        )
    if asdict(default) in tied:
        return default
    # tied is best score first: among equal tiers, the first is the best score.
    _, chosen = max(
        enumerate(tied), key=lambda item: (item[1]["small"], item[1]["medium"], -item[0])
    )
    return Setting(**chosen)


def _tied(grid: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The ``context:small`` settings not significantly worse than the best, best score first.

    A setting's score is its training objective averaged over datasets. Every
    setting is measured on the same queries, so it is compared with the best
    by the paired per-query values (:func:`_weighted`): it is tied unless the
    paired randomization test finds it lower at ``p < 0.05``
    (:func:`eval.metrics.significance.paired_test`).
    """
    rows = [row for row in next(iter(grid.values())) if row["setting"]["parent"] is not None]

    def runs(setting: dict[str, Any]) -> list[dict[str, Any]]:  # datasets with training queries
        return [
            r for rs in grid.values() for r in rs
            if r["setting"] == setting and r["train"]["queries"]
        ]  # fmt: skip

    def score(setting: dict[str, Any]) -> float:
        return fmean(objective(r["train"]) for r in runs(setting))

    def worse(setting: dict[str, Any], best: dict[str, Any]) -> bool:
        if score(setting) >= score(best):
            return False
        mine, top = _weighted(runs(setting)), _weighted(runs(best))
        return paired_test(mine, top).p_value < SIGNIFICANCE

    ranked = sorted((row["setting"] for row in rows), key=score, reverse=True)
    return [setting for setting in ranked if not worse(setting, ranked[0])]


def _against_previous(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ablation's steps, each with ``vs_previous``: per side, the paired comparison of
    its per-query objectives with the previous step's
    (:func:`eval.metrics.significance.paired_test`).
    """
    steps = [dict(rows[0])] if rows else []
    for previous, row in pairwise(rows):
        sides = {"train": "_per_query", "test": "_per_query_test"}
        compared = {
            side: paired_test(row[key], previous[key]).to_dict()
            for side, key in sides.items()
            if row[key]
        }
        steps.append({**row, "vs_previous": compared})
    return steps


def _weighted(runs: list[dict[str, Any]]) -> list[float]:
    """The training queries' objectives of every dataset, weighted so their mean is the score.

    A query of dataset ``d`` (``n_d`` training queries, ``D`` datasets,
    ``N = sum_d n_d``) is scaled by ``N / (D * n_d)``: the mean of the scaled
    values is the mean over datasets of each dataset's mean, as in the score.
    """
    total = sum(len(run["_per_query"]) for run in runs)
    return [
        value * total / (len(runs) * len(run["_per_query"]))
        for run in runs
        for value in run["_per_query"]
    ]


def _measure(
    dataset: Dataset, split: dict[str, str], settings: Sequence[Setting]
) -> list[dict[str, Any]]:
    """Every setting's figures on ``dataset``, per side; settings sharing tiers share chunks."""
    measured: list[dict[str, list[dict[int, Any]]]] = [{"train": [], "test": []} for _ in settings]
    queries = _by_user(dataset.queries)
    for corpus in dataset.corpora:
        asked = [q for q in queries.get(corpus.user_id, []) if q.gold.spans]
        if not asked:
            continue
        dates = message_dates(corpus.conversations)
        for tiers, same_tiers in _group(settings, key=lambda s: s.tiers):
            chunks = list(chunk_conversations(corpus.conversations, config=tiers))
            for index_key, same_index in _group(
                [settings[i] for i in same_tiers], key=lambda s: (s.stopwords, s.stem, s.dates)
            ):
                stopwords, stem, with_dates = index_key
                indexes = TierIndexes.build(
                    chunks, analyzer=Analyzer(stopwords=stopwords, stem=stem),
                    dates=dates if with_dates else None,
                )  # fmt: skip
                for position in (same_tiers[i] for i in same_index):
                    retriever = settings[position].retriever(indexes)
                    for query in asked:
                        measured[position][split[query.id]].append(_scores(retriever, query))
    return [
        {"setting": asdict(s), "strategy": s.strategy,
         **{side: _summary(rows) for side, rows in sides.items()},
         "_per_query": [_query_objective(r) for r in sides["train"]],
         "_per_query_test": [_query_objective(r) for r in sides["test"]]}
        for s, sides in zip(settings, measured, strict=True)
    ]  # fmt: skip


_PLAN = Plan(
    budgets=BUDGETS,
    at_budget=("span_recall", "evidence_strict_recall", "evidence_precision", "context_tokens"),
    max_results=10_000,
)
"""What the sweep measures per query: the run's metrics of the same names (:mod:`eval.measure`)."""


def _scores(retriever: Retriever, query: Query) -> dict[int, dict[str, float]]:
    """Budget -> figures of ``query``, by the run's measuring loop."""
    figures: dict[int, dict[str, float]] = measure(retriever, query, _PLAN)["at_budget"]
    return figures


def _summary(rows: list[dict[int, dict[str, float]]]) -> dict[str, Any]:
    if not rows:
        return {"queries": 0}
    per_query = [_query_objective(r) for r in rows]
    return {
        "queries": len(rows),
        "objective_interval": interval(per_query).to_dict(),
        **{
            str(b): {
                "span_recall": round(fmean(r[b]["span_recall"] for r in rows), 6),
                "span_recall_interval": interval([r[b]["span_recall"] for r in rows]).to_dict(),
                "strict_recall": round(fmean(r[b]["evidence_strict_recall"] for r in rows), 6),
                "precision": round(fmean(r[b]["evidence_precision"] for r in rows), 6),
                "context_tokens": round(fmean(r[b]["context_tokens"] for r in rows), 1),
            }
            for b in BUDGETS
        },
    }


def _query_objective(scores: dict[int, dict[str, float]]) -> float:
    """:func:`objective` of one query."""
    return _objective(
        (scores[b]["span_recall"], scores[b]["evidence_strict_recall"]) for b in BUDGETS
    )


def _public(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if not k.startswith("_")} for row in rows]


def _group(
    items: Sequence[Setting], *, key: Callable[[Setting], Any]
) -> list[tuple[Any, list[int]]]:
    """Positions of ``items`` grouped by ``key``, groups in order of first appearance."""
    groups: dict[Any, list[int]] = {}
    for position, item in enumerate(items):
        groups.setdefault(key(item), []).append(position)
    return list(groups.items())


def _by_user(queries: Iterable[Query]) -> dict[str, list[Query]]:
    grouped: dict[str, list[Query]] = {}
    for query in queries:
        grouped.setdefault(query.user_id, []).append(query)
    return grouped


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
