"""TREC files of a run: one run per row and one qrels, for trec_eval and its kin.

Documents are **messages**: ``docid`` is ``<conversation id>/<message id>``
(each part percent-encoded, so it has no whitespace and one ``/``). A row's run
lists, per query, the messages of the context it returned at the run budget, in
the order they were first returned (a unit's messages in text order), with
``score = m - rank + 1`` for ``m`` messages, so trec_eval keeps that order. The
qrels give each gold message relevance 1. trec_eval's ``set_recall`` on these
files is the harness's message ``recall`` at the run budget.

Formats (whitespace-separated, one line each)::

    run:    qid Q0 docid rank score tag
    qrels:  qid 0 docid rel

>>> run_lines("bm25:small", [("q1", [("c 1", "m1"), ("c 1", "m2")])])
['q1 Q0 c%201/m1 1 2 bm25:small', 'q1 Q0 c%201/m2 2 1 bm25:small']
>>> qrels_lines([("q1", [("c 1", "m2")])])
['q1 0 c%201/m2 1']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from urllib.parse import quote

__all__ = ["docid", "qrels_lines", "run_lines"]

Messages = Sequence[tuple[str, str]]


def docid(conversation_id: str, message_id: str) -> str:
    """The document id of a message: both ids percent-encoded, joined by ``/``."""
    return f"{quote(conversation_id, safe=':-_.@+')}/{quote(message_id, safe=':-_.@+')}"


def run_lines(tag: str, queries: Iterable[tuple[str, Messages]]) -> list[str]:
    """The run of row ``tag``: ``(query id, returned messages in order)`` per query.

    A query that returned nothing has no line (trec_eval scores it 0 when the
    qrels list it).

    Raises:
        ValueError: ``tag`` or a query id holds whitespace (the format splits on it).
    """
    _plain(tag, "row name")
    lines = []
    for query, messages in queries:
        _plain(query, "query id")
        count = len(messages)
        lines += [
            f"{query} Q0 {docid(*message)} {rank} {count - rank + 1} {tag}"
            for rank, message in enumerate(messages, start=1)
        ]
    return lines


def qrels_lines(queries: Iterable[tuple[str, Messages]]) -> list[str]:
    """The qrels: ``(query id, gold messages)`` per query, each message relevant (1).

    Raises:
        ValueError: a query id holds whitespace.
    """
    lines = []
    for query, gold in queries:
        _plain(query, "query id")
        lines += [f"{query} 0 {docid(*message)} 1" for message in sorted(gold)]
    return lines


def _plain(text: str, what: str) -> None:
    if not text or any(character.isspace() for character in text):
        raise ValueError(
            f"{what} {text!r} cannot be written in a TREC file: it must be non-empty and hold "
            "no whitespace; rename it in the dataset or the strategy registry"
        )
