"""One evaluation run: chunk the dataset, measure retrieval, duplicates and re-import.

:func:`evaluate` returns :class:`eval.results.RunResults`: the body of
``metrics.json``, plus ``per_query`` (every query's figures per row and the
messages returned at ``config.run_budget``), which
:func:`eval.report.write.write_report` writes as TREC run files and JSON Lines.
Each row's means carry bootstrap intervals over queries, and ``comparisons``
holds our best row against the best peer row with paired p-values
(:mod:`eval.metrics.significance`). It is pure apart from the ``notify``
callback that reports progress.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from statistics import fmean
from typing import Any

from chunking import Chunk, Conversation, chunk_conversations
from eval.config import EvalConfig
from eval.datasets.model import Dataset, Query
from eval.errors import DatasetError
from eval.measure import Plan, measure
from eval.metrics.compare import against_best_peer
from eval.metrics.cost import collect_cost
from eval.metrics.duplicates import (
    NEAR_DUPLICATE_THRESHOLD,
    SHINGLE_SIZE,
    duplicate_rows,
    exact_duplicates,
    mixed_versions,
    near_duplicates,
)
from eval.metrics.reimport import state_delta
from eval.metrics.significance import Interval, interval
from eval.peers import peer_chunks
from eval.results import RowFigures, RunResults
from eval.retrieval import (
    STRATEGIES,
    PeerIndex,
    Retriever,
    TierIndexes,
    peer_retrievers,
    peer_rows,
)
from eval.retrieval.dense import shared_encoder
from eval.retrieval.embedding_cache import EmbeddingCache
from eval.retrieval.text import Analyzer, MessageDates, message_dates
from eval.retrieval.turns import Messages

__all__ = ["Notify", "evaluate"]

Notify = Callable[[str], None]


def _silent(_: str) -> None:
    return None


def evaluate(
    dataset: Dataset,
    *,
    config: EvalConfig | None = None,
    notify: Notify = _silent,
    embedding_cache: EmbeddingCache | None = None,
) -> RunResults:
    """Measure ``dataset`` under ``config``; see ``report.md`` for what each figure means.

    ``embedding_cache`` keeps the dense term's message embeddings between runs
    (:mod:`eval.retrieval.embedding_cache`); the figures are the same without it.
    """
    config = config or EvalConfig()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    notify(f"chunking {sum(len(c.conversations) for c in dataset.corpora)} conversations")
    chunks = {corpus.user_id: _chunk(corpus.conversations) for corpus in dataset.corpora}
    timings["chunking_s"] = time.perf_counter() - started
    retrieval, peers, rows = _retrieval(dataset, chunks, config, notify, embedding_cache)
    values = {name: _values(per_query) for name, per_query in rows.items()}
    comparisons = {"ours_vs_best_peer": against_best_peer(retrieval, values)}
    timings["retrieval_s"] = time.perf_counter() - started - timings["chunking_s"]
    notify("looking for duplicates")
    duplicates = _duplicates(chunks)
    notify("measuring re-import")
    reimport = _reimport(dataset)
    notify("measuring extraction cost (offline stand-in LLM)")
    cost = collect_cost(
        [conversation for corpus in dataset.corpora for conversation in corpus.conversations]
    )
    timings["total_s"] = time.perf_counter() - started
    return RunResults(
        config=config.to_dict(),
        dataset=_describe(dataset, chunks),
        retrieval=retrieval,
        peers=peers,
        comparisons=comparisons,
        duplicates=duplicates,
        reimport=reimport,
        cost=cost,
        timings={name: round(value, 3) for name, value in timings.items()},
        per_query={
            "run_budget": config.run_budget,
            "queries": [
                {"id": q.id, "user": q.user_id, "kind": q.kind, "gold": sorted(q.gold.messages)}
                for q in dataset.queries
            ],
            "rows": rows,
        },
    )


def _describe(dataset: Dataset, chunks: dict[str, list[Chunk]]) -> dict[str, Any]:
    tiers: dict[str, int] = {}
    tokens: dict[str, int] = {}
    for user_chunks in chunks.values():
        for chunk in user_chunks:
            tiers[chunk.chunk_tier.value] = tiers.get(chunk.chunk_tier.value, 0) + 1
            tokens[chunk.chunk_tier.value] = (
                tokens.get(chunk.chunk_tier.value, 0) + chunk.token_count
            )
    kinds: dict[str, int] = {}
    for query in dataset.queries:
        kinds[query.kind] = kinds.get(query.kind, 0) + 1
    return {
        "name": dataset.name,
        "digest": dataset.digest,
        "gold_spans": dataset.gold_spans,
        "users": len(dataset.corpora),
        "conversations": sum(len(c.conversations) for c in dataset.corpora),
        "queries": len(dataset.queries),
        "queries_without_gold_spans": sum(not query.gold.spans for query in dataset.queries),
        "query_kinds": dict(sorted(kinds.items())),
        "chunks": dict(sorted(tiers.items())),
        "chunk_tokens": dict(sorted(tokens.items())),
    }


def _retrieval(
    dataset: Dataset,
    chunks: dict[str, list[Chunk]],
    config: EvalConfig,
    notify: Notify,
    embedding_cache: EmbeddingCache | None,
) -> tuple[dict[str, RowFigures], dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """Figures of every row (ours, then the peers'), what happened to the peers, per-query rows.

    Every row's per-query list holds the same queries in the same order (users
    sorted, then the dataset's order), so rows can be compared query by query.
    """
    by_user: dict[str, list[Query]] = {}
    for query in dataset.queries:
        if query.user_id not in chunks:
            raise DatasetError(f"query {query.id!r}: user {query.user_id!r} has no conversations")
        by_user.setdefault(query.user_id, []).append(query)
    conversations = {corpus.user_id: corpus.conversations for corpus in dataset.corpora}
    peers = _Peers(config.peers, notify)
    plan = Plan(
        ks=config.ks,
        at_k=config.at_k,
        budgets=config.budgets,
        at_budget=config.at_budget,
        max_results=config.max_results,
        run_budget=config.run_budget,
    )
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in config.strategies}
    about: dict[str, dict[str, Any]] = {}
    # Only the rows that return turns read the embeddings (ours `turns:*`, every peer's `+turns`).
    turns = config.peers or any(name.startswith("turns:") for name in config.strategies)
    encoder = shared_encoder() if config.dense and turns else None
    cached = (embedding_cache.hits, embedding_cache.misses) if embedding_cache else (0, 0)
    for number, (user, queries) in enumerate(sorted(by_user.items()), start=1):
        notify(f"retrieval: user {number}/{len(by_user)} ({len(queries)} queries)")
        dates = message_dates(conversations[user]) if config.index_dates else None
        # The messages are indexed once per user, for our rows and the peers' alike.
        messages = Messages.build(
            conversations[user],
            analyzer=config.analyzer,
            dates=dates,
            encoder=encoder,
            embedding_cache=embedding_cache,
        )
        indexes = TierIndexes.build(
            chunks[user], analyzer=config.analyzer, dates=dates, messages=messages
        )
        retrievers = [STRATEGIES[name](indexes) for name in config.strategies]
        theirs = peers.retrievers(
            conversations[user], analyzer=config.analyzer, dates=dates, messages=messages
        )
        for retriever in [*retrievers, *theirs]:
            about[retriever.name] = {"deduplicates": retriever.deduplicates}
            rows.setdefault(retriever.name, []).extend(
                measure(retriever, query, plan) for query in queries
            )
    if encoder is not None and embedding_cache is not None:
        hits, misses = embedding_cache.hits - cached[0], embedding_cache.misses - cached[1]
        notify(
            f"dense embeddings: {hits} users' read from {embedding_cache.directory}, "
            f"{misses} computed"
        )
    for name in peers.skipped:  # a peer that failed part-way keeps no partial row
        for row in peer_rows(name):
            rows.pop(row, None)
    retrieval = {
        name: _summarise(
            per_query,
            config,
            source="peer" if name.startswith("peer:") else "ours",
            deduplicates=about.get(name, {}).get("deduplicates", True),
        )
        for name, per_query in rows.items()
    }
    return retrieval, peers.summary(), rows


class _Peers:
    """The peer chunkers of a run: their retrievers per user, and the ones skipped and why."""

    def __init__(self, names: tuple[str, ...], notify: Notify) -> None:
        self.names = names
        self.notify = notify
        self.skipped: dict[str, str] = {}
        self.chunks: dict[str, int] = {}
        self.seconds: dict[str, float] = {}

    def retrievers(
        self,
        conversations: tuple[Conversation, ...],
        *,
        analyzer: Analyzer,
        dates: MessageDates | None,
        messages: Messages,
    ) -> list[Retriever]:
        found: list[Retriever] = []
        for name in self.names:
            if name in self.skipped:
                continue
            started = time.perf_counter()
            try:
                made = peer_chunks(name, conversations)
            except ImportError as error:
                self.skipped[name] = str(error)
                self.notify(f"peer {name} skipped: {error}")
                continue
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started
            self.chunks[name] = self.chunks.get(name, 0) + len(made)
            index = PeerIndex.build(
                name, made, conversations, analyzer=analyzer, dates=dates, messages=messages
            )
            found.extend(peer_retrievers(index))
        return found

    def summary(self) -> dict[str, Any]:
        measured = [name for name in self.names if name not in self.skipped]
        return {
            "requested": list(self.names),
            "rows": [row for name in measured for row in peer_rows(name)],
            "skipped": dict(self.skipped),
            "chunks": {name: self.chunks.get(name, 0) for name in measured},
            "chunking_s": {name: round(self.seconds.get(name, 0.0), 3) for name in measured},
        }


def _values(per_query: list[dict[str, Any]]) -> dict[str, dict[str, list[float]]]:
    """Budget -> metric -> one value per query (the query order of ``per_query``)."""
    if not per_query:
        return {}
    return {
        str(budget): {m: [row["at_budget"][budget][m] for row in per_query] for m in figures}
        for budget, figures in per_query[0]["at_budget"].items()
    }


_BY_KIND_AT_BUDGET = (
    "recall",
    "span_recall",
    "evidence_strict_recall",
    "evidence_precision",
    "evidence_token_precision",
)


_WITH_INTERVALS = ("recall", "span_recall", "evidence_strict_recall")
"""The figures that get a bootstrap interval, at each k and budget measured (the headline ones)."""


def _summarise(
    per_query: list[dict[str, Any]], config: EvalConfig, *, source: str, deduplicates: bool
) -> RowFigures:
    def mean(rows: list[dict[str, Any]], group: str, key: int, metric: str) -> float:
        return round(fmean(row[group][key][metric] for row in rows), 6) if rows else 0.0

    def kind_figures(rows: list[dict[str, Any]]) -> dict[str, float]:
        at_k = {f"recall@{k}": mean(rows, "at_k", k, "recall") for k in config.ks}
        at_budget = {
            f"{metric}@{b}tok": mean(rows, "at_budget", b, metric)
            for metric in _BY_KIND_AT_BUDGET
            if metric in config.at_budget
            for b in config.budgets
        }
        return {**at_k, **at_budget}

    kinds = sorted({row["kind"] for row in per_query})
    return RowFigures(
        source=source,
        deduplicates=deduplicates,
        queries=len(per_query),
        at_k={str(k): {m: mean(per_query, "at_k", k, m) for m in config.at_k} for k in config.ks},
        at_budget={
            str(b): {m: mean(per_query, "at_budget", b, m) for m in config.at_budget}
            for b in config.budgets
        },
        by_kind={kind: kind_figures([r for r in per_query if r["kind"] == kind]) for kind in kinds},
        intervals={
            "at_k": _intervals(per_query, "at_k", config.ks, config.at_k),
            "at_budget": _intervals(per_query, "at_budget", config.budgets, config.at_budget),
        },
    )


def _intervals(
    per_query: list[dict[str, Any]], group: str, keys: tuple[int, ...], measured: tuple[str, ...]
) -> dict[str, dict[str, Interval]]:
    """Key -> metric -> the mean and 95% bootstrap interval over queries (of _WITH_INTERVALS)."""
    if not per_query:
        return {}
    return {
        str(key): {
            m: interval([r[group][key][m] for r in per_query]).rounded()
            for m in _WITH_INTERVALS
            if m in measured
        }
        for key in keys
    }


def _duplicates(chunks: dict[str, list[Chunk]]) -> dict[str, Any]:
    exact: dict[str, int] = {}
    rows: dict[str, int] = {}
    near: dict[str, int] = {}
    examples: list[dict[str, Any]] = []
    versions: dict[str, int] = {}
    for user, user_chunks in sorted(chunks.items()):
        for tier, count in exact_duplicates(user_chunks).items():
            exact[tier] = exact.get(tier, 0) + count
        for tier, count in duplicate_rows(user_chunks).items():
            rows[tier] = rows.get(tier, 0) + count
        pairs = near_duplicates(user_chunks)
        for pair in pairs:
            near[pair.tier] = near.get(pair.tier, 0) + 1
        examples.extend(
            {
                "user": user,
                "tier": p.tier,
                "first": p.first,
                "second": p.second,
                "similarity": round(p.similarity, 3),
            }
            for p in pairs[:3]
        )
        for version, count in mixed_versions(user_chunks).items():
            versions[str(version)] = versions.get(str(version), 0) + count
    tiers = sorted({c.chunk_tier.value for cs in chunks.values() for c in cs})
    return {
        "exact": {tier: exact.get(tier, 0) for tier in tiers},
        "rows": {tier: rows.get(tier, 0) for tier in tiers},
        "near": {tier: near.get(tier, 0) for tier in tiers},
        "near_threshold": NEAR_DUPLICATE_THRESHOLD,
        "shingle_size": SHINGLE_SIZE,
        "near_examples": examples[:10],
        "other_versions": versions,
    }


def _chunk(conversations: Iterable[Conversation]) -> list[Chunk]:
    """Our three tiers of ``conversations``, with the default settings: what a service stores."""
    return list(chunk_conversations(conversations))


def _reimport(dataset: Dataset) -> dict[str, Any] | None:
    if not dataset.imports:
        return None
    totals: dict[str, Any] = {"unchanged_export": {}, "overlapping_export": {}}
    for pair in dataset.imports:
        first, second = _chunk(pair.first), _chunk(pair.second)
        again = state_delta(first, _chunk(pair.first))
        later = state_delta(first, second, changed=pair.changed)
        for label, delta in (("unchanged_export", again), ("overlapping_export", later)):
            for field in delta.__slots__:
                totals[label][field] = totals[label].get(field, 0) + getattr(delta, field)
    totals["overlapping_export"]["changed_conversations"] = sum(
        len(p.changed) for p in dataset.imports
    )
    totals["method"] = (
        "chunk states compared by (chunk id, content hash) in memory: the chunks a "
        "content-addressed sync would add. The chunk store syncs per conversation: an "
        "unchanged one writes nothing, a changed one is replaced whole in one transaction, "
        "so it rewrites changed_conversation_chunks rows"
    )
    return totals
