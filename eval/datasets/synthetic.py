"""The synthetic dataset written by ``fixtures/generate.py``: ChatGPT exports + queries."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from chunking import Conversation
from chunking.render import render
from eval.datasets.model import Corpus, Dataset, Gold, ImportPair, Query
from eval.errors import DatasetError
from eval.spans import Span

__all__ = ["load_synthetic", "read_export"]

log = logging.getLogger(__name__)


def read_export(path: Path) -> tuple[Conversation, ...]:
    """The conversations of a ChatGPT export, read by ``chunking.formats``."""
    from chunking.formats import load_export

    return tuple(load_export(path, format="chatgpt"))


def load_synthetic(root: Path) -> Dataset:
    """Load a directory written by ``fixtures/generate.py``.

    The second export of each user is the searched state; both exports form
    the re-import pair.

    Raises:
        DatasetError: a missing file, or a gold span whose text is not in its message.
    """
    manifest = _read_json(root / "manifest.json")
    corpora: list[Corpus] = []
    imports: list[ImportPair] = []
    for user in manifest["users"]:
        first = read_export(root / user["first"])
        second = read_export(root / user["second"])
        changed = frozenset(user["conversations"]["extended"] + user["conversations"]["new"])
        corpora.append(Corpus(user_id=user["id"], conversations=second))
        imports.append(ImportPair(user["id"], first, second, changed))
    queries = _queries(_read_json(root / manifest["queries"]), corpora)
    return Dataset(
        name=root.name,
        corpora=tuple(corpora),
        queries=queries,
        digest=_digest(root),
        imports=tuple(imports),
        gold_spans="the sentence stating a planted fact, inside its message (synthetic fixtures)",
    )


def _queries(items: list[dict[str, Any]], corpora: list[Corpus]) -> tuple[Query, ...]:
    conversations = {
        (corpus.user_id, conversation.id): conversation
        for corpus in corpora
        for conversation in corpus.conversations
    }
    queries = []
    for item in items:
        spans = [_text_span(conversations, item, gold) for gold in item["gold"]]
        messages = frozenset((g["conversation_id"], g["message_id"]) for g in item["gold"])
        queries.append(
            Query(
                id=item["id"],
                user_id=item["user_id"],
                text=item["text"],
                gold=Gold(messages=messages, spans=tuple(sorted(spans))),
                kind=item.get("kind", ""),
            )
        )
    return tuple(queries)


def _text_span(
    conversations: dict[tuple[str, str], Conversation], query: dict[str, Any], gold: dict[str, Any]
) -> Span:
    """Map a span of a message's content to the conversation's canonical text."""
    where = f"query {query['id']!r}, message {gold['message_id']!r}"
    conversation = conversations.get((query["user_id"], gold["conversation_id"]))
    if conversation is None:
        raise DatasetError(
            f"{where}: conversation {gold['conversation_id']!r} is not in the export"
        )
    rendered = render(conversation)
    for index, message in enumerate(rendered.messages):
        if message.id == gold["message_id"]:
            offset = rendered.message_starts[index] + len(message.label) + 2
            start = _locate(message.content, gold, where)
            return Span(conversation.id, offset + start, offset + start + len(gold["text"]))
    raise DatasetError(f"{where}: not among the rendered messages; regenerate the fixtures")


def _locate(content: str, gold: dict[str, Any], where: str) -> int:
    if content[gold["start"] : gold["end"]] == gold["text"]:
        return int(gold["start"])
    found = content.find(gold["text"])
    if found < 0:
        raise DatasetError(
            f"{where}: gold text {gold['text']!r} is not in the message; the reader changed "
            "the message text or the fixtures are stale (run `python -m fixtures.generate`)"
        )
    log.debug("%s: gold span moved from %d to %d", where, gold["start"], found)
    return found


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise DatasetError(
            f"{path}: cannot read ({error}); expected a directory written by fixtures/generate.py"
        ) from error


def _digest(root: Path) -> str:
    """SHA-256 over every file's relative path and bytes, in path order."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()
