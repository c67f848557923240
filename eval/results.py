"""A run's results, typed: what :func:`eval.runner.evaluate` returns and ``metrics.json`` holds.

:class:`RunResults` is the run; each retrieval row is a :class:`RowFigures`.
Both are frozen; ``to_dict`` gives the JSON body of ``metrics.json`` and
``from_dict`` reads one back (``from_dict(r.to_dict()) == r``), so a report
can be rendered again from a saved run. The parts that are documents of their
own (the dataset's description, duplicates, re-import, cost, the peers, the
comparisons) stay JSON mappings; their keys are described where they are made
(:mod:`eval.runner`, :mod:`eval.metrics.compare`).

Figures are keyed as in ``metrics.json``: a cut-off ``k`` or a budget as a
string, then a metric name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from eval.metrics.significance import Interval

__all__ = ["Figures", "PerQuery", "RowFigures", "RunResults"]

Figures = Mapping[str, Mapping[str, float]]
"""Cut-off or budget (as a string) -> metric -> the mean over queries."""

PerQuery = Mapping[str, Any]
"""``{"run_budget", "queries", "rows"}``: each query's figures per row (:mod:`eval.runner`)."""


@dataclass(frozen=True, slots=True)
class RowFigures:
    """One retrieval row (a strategy of ours, or a peer's): its means and their intervals.

    Attributes:
        source: ``"ours"`` or ``"peer"``.
        deduplicates: whether the row drops returned text it already returned.
        queries: the number of queries measured.
        at_k / at_budget: the means at each cut-off k and each context budget.
        by_kind: query kind -> ``"<metric>@<k>"`` or ``"<metric>@<budget>tok"`` -> mean.
        intervals: ``"at_k"`` or ``"at_budget"`` -> key -> metric -> 95% interval
            (the headline metrics only).
    """

    source: str
    deduplicates: bool = True
    queries: int = 0
    at_k: Figures = field(default_factory=dict)
    at_budget: Figures = field(default_factory=dict)
    by_kind: Figures = field(default_factory=dict)
    intervals: Mapping[str, Mapping[str, Mapping[str, Interval]]] = field(default_factory=dict)

    @property
    def is_peer(self) -> bool:
        return self.source == "peer"

    def curve(self, group: str) -> Figures:
        """``at_k`` or ``at_budget``, by name (``group`` as in ``metrics.json``)."""
        if group not in ("at_k", "at_budget"):
            raise ValueError(f"unknown group {group!r}; expected 'at_k' or 'at_budget'")
        return self.at_k if group == "at_k" else self.at_budget

    def at(self, budget: int | str, metric: str) -> float | None:
        """The mean of ``metric`` at ``budget`` tokens; ``None`` when not measured."""
        return self.at_budget.get(str(budget), {}).get(metric)

    def interval_at(self, budget: int | str, metric: str) -> Interval | None:
        """The interval of ``metric`` at ``budget`` tokens; ``None`` when not measured."""
        return self.intervals.get("at_budget", {}).get(str(budget), {}).get(metric)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "deduplicates": self.deduplicates,
            "queries": self.queries,
            "at_k": _plain(self.at_k),
            "at_budget": _plain(self.at_budget),
            "by_kind": _plain(self.by_kind),
            "intervals": {
                group: {
                    key: {metric: iv.to_dict() for metric, iv in metrics.items()}
                    for key, metrics in keys.items()
                }
                for group, keys in self.intervals.items()
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, name: str = "") -> RowFigures:
        """Read a row of ``metrics.json``; a row without ``source`` (older files) is a peer's
        when its name starts with ``peer:``."""
        return cls(
            source=str(data.get("source") or ("peer" if name.startswith("peer:") else "ours")),
            deduplicates=bool(data.get("deduplicates", True)),
            queries=int(data.get("queries", 0)),
            at_k=_plain(data.get("at_k", {})),
            at_budget=_plain(data.get("at_budget", {})),
            by_kind=_plain(data.get("by_kind", {})),
            intervals={
                group: {
                    key: {metric: Interval.from_dict(iv) for metric, iv in metrics.items()}
                    for key, metrics in keys.items()
                }
                for group, keys in data.get("intervals", {}).items()
            },
        )


@dataclass(frozen=True, slots=True)
class RunResults:
    """Everything one run measured (see ``report.md`` for what each figure means)."""

    config: Mapping[str, Any]
    dataset: Mapping[str, Any]
    retrieval: Mapping[str, RowFigures]
    peers: Mapping[str, Any] = field(default_factory=dict)
    comparisons: Mapping[str, Any] = field(default_factory=dict)
    duplicates: Mapping[str, Any] = field(default_factory=dict)
    reimport: Mapping[str, Any] | None = None
    cost: Mapping[str, Any] = field(default_factory=dict)
    timings: Mapping[str, float] = field(default_factory=dict)
    environment: Mapping[str, Any] = field(default_factory=dict)
    per_query: PerQuery | None = None
    """Not part of ``metrics.json``: written as ``per_query.jsonl`` and TREC files."""

    def to_dict(self) -> dict[str, Any]:
        """The body of ``metrics.json`` (``per_query`` is left out: it has files of its own)."""
        body: dict[str, Any] = {
            "config": dict(self.config),
            "dataset": dict(self.dataset),
            "retrieval": {name: row.to_dict() for name, row in self.retrieval.items()},
            "peers": dict(self.peers),
            "comparisons": dict(self.comparisons),
            "duplicates": dict(self.duplicates),
            "reimport": None if self.reimport is None else dict(self.reimport),
            "cost": dict(self.cost),
            "timings": dict(self.timings),
        }
        if self.environment:
            body["environment"] = dict(self.environment)
        return body

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunResults:
        """Read ``metrics.json`` (a missing part is empty)."""
        return cls(
            config=data.get("config", {}),
            dataset=data.get("dataset", {}),
            retrieval={
                name: RowFigures.from_dict(row, name=name)
                for name, row in data.get("retrieval", {}).items()
            },
            peers=data.get("peers", {}),
            comparisons=data.get("comparisons", {}),
            duplicates=data.get("duplicates", {}),
            reimport=data.get("reimport"),
            cost=data.get("cost") or {},
            timings=data.get("timings", {}),
            environment=data.get("environment", {}),
            per_query=data.get("per_query"),
        )


def _plain(figures: Mapping[str, Any]) -> dict[str, Any]:
    return {key: dict(values) for key, values in figures.items()}
