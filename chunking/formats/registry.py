"""The registry of export formats and the one entry point that reads an export."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chunking.errors import InvalidMessageError, MalformedExportError
from chunking.formats import chatgpt, claude, plain
from chunking.formats.limits import bound_parsed
from chunking.formats.reader import Parsed, Reader, ReadOptions
from chunking.formats.report import ExportReport
from chunking.formats.sources import Document, Readable, Source, documents
from chunking.formats.stream import raw_conversations
from chunking.model import Conversation

__all__ = ["FORMATS", "detect_format", "load_export"]

log = logging.getLogger(__name__)

FORMATS: dict[str, Reader] = {
    "chatgpt": chatgpt.read_conversation,
    "claude": claude.read_conversation,
    "plain": plain.read_conversation,
}

_SIGNS = (
    ("chatgpt", ("mapping", "current_node")),
    ("claude", ("chat_messages",)),
    ("plain", ("messages",)),
)
_DEFAULT_OPTIONS = ReadOptions()


def load_export(
    source: Source,
    *,
    format: str | None = None,  # noqa: A002
    strict: bool = False,
    report: ExportReport | None = None,
    options: ReadOptions = _DEFAULT_OPTIONS,
) -> Iterator[Conversation]:
    """Yield the conversations of an export, one at a time, reading it incrementally.

    ``source`` is a path (a ``.json``, ``.json.gz`` or ``.jsonl`` file, a zip
    with ``conversations.json`` or ``conversations-NNN.json`` at any depth, or
    an unpacked export folder) or a file object (binary, or text, which is
    read as UTF-8). A file that is a bare list of messages
    (``[{"role": "user", "content": "hi"}, ...]``) is one conversation, whose
    id is derived from its first message (so it is stable when messages are
    appended, and whatever the file is called). One conversation is
    held at a time; beyond it, memory grows only by the ids read so far and a
    16-byte digest of each (to read each id once, see below).

    A malformed conversation is skipped, logged as a warning and counted in
    ``report`` (``strict=False``), or raised (``strict=True``). Each
    conversation id is yielded once: a later copy with the same messages (the
    same conversation in two split files) is counted in ``report.repeated`` and
    left out; a later copy with other messages is malformed (kind
    ``"duplicate id"``) and the first copy stands. Problems with a
    whole file (not JSON, truncated, no conversations file, not an export) are
    always raised, after the conversations before the problem were yielded.

    Args:
        source: the export.
        format: a key of ``FORMATS``; detected per conversation when ``None``.
        strict: raise on the first malformed conversation instead of skipping it.
        report: filled in as conversations are read; complete once the
            iterator is exhausted (see :class:`ExportReport`).
        options: what to keep beyond the visible conversation.

    Raises:
        MalformedExportError: an unknown format or a missing path (at once);
            a bad file, or a bad conversation with ``strict`` (while iterating);
            a ``format`` under which no conversation of a file reads (while
            iterating, even without ``strict``). It names the file, the
            conversation and the node.
        TypeError: ``source`` is neither a path nor a file object (at once).

    Example:
        >>> report = ExportReport()  # doctest: +SKIP
        >>> for conversation in load_export("export.zip", report=report): ...  # doctest: +SKIP
        >>> print(report.summary())  # doctest: +SKIP
    """
    if format is not None and format not in FORMATS:
        valid = ", ".join(sorted(FORMATS))
        raise MalformedExportError(
            f"unknown export format {format!r}; valid formats: {valid}", kind="unknown format"
        )
    if not isinstance(source, str | os.PathLike) and not callable(getattr(source, "read", None)):
        raise TypeError(
            f"expected the path of an export or a file object, got {type(source).__name__}"
            + (": wrap bytes in io.BytesIO" if isinstance(source, bytes | bytearray) else "")
        )
    if isinstance(source, str | os.PathLike) and not Path(source).exists():
        raise MalformedExportError(
            "no such file or folder; expected the path of an export",
            path=str(source),
            kind="not found",
        )
    return _read(source, format, strict, report or ExportReport(), options)


def detect_format(item: Any) -> str | None:
    """The format a raw conversation looks like, from its keys; ``None`` if none."""
    if isinstance(item, dict):
        for name, keys in _SIGNS:
            if any(key in item for key in keys):
                return name
    return None


def _read(
    source: Source, forced: str | None, strict: bool, report: ExportReport, options: ReadOptions
) -> Iterator[Conversation]:
    index = 0
    seen = _Seen()
    for document in documents(source, limits=options.decompression):
        report.files += 1
        tally = _Tally()
        with document.open() as raw:
            stream = _Counted(raw, report)
            items = raw_conversations(
                stream,
                name=document.name,
                max_depth=options.max_depth,
                max_string_bytes=options.max_string_bytes,
                repairs=report.repaired,
            )
            if forced in (None, "plain"):
                items = _bare_messages(items)
            for item in items:
                name = forced or detect_format(item) or tally.fallback
                parsed: Parsed | MalformedExportError
                if name is None:
                    tally.unrecognized += 1
                    parsed = _unrecognized(item, document)
                else:
                    tally.recognized += 1
                    tally.fallback = name
                    parsed = _parse(name, item, index, document, options)
                index += 1
                if isinstance(parsed, Parsed):
                    tally.read += 1
                    parsed = seen.first_copies(parsed, document, report)
                elif forced:
                    tally.note_miss(item)
                if isinstance(parsed, Parsed):
                    if parsed.conversations:
                        parsed, cut = bound_parsed(parsed, options)
                        report.truncated += cut
                        report.add(parsed)
                        yield from parsed.conversations
                elif strict:
                    raise parsed
                else:
                    log.warning("skipped a conversation: %s", parsed)
                    report.skip(parsed)
        if tally.unrecognized and not tally.recognized:
            raise _unrecognized(item, document, whole_file=True)
        if forced and tally.recognized and not tally.read:
            raise _mismatch(forced, tally, document)


@dataclass(slots=True)
class _Tally:
    """What one file of the export held, for the errors about the whole file."""

    recognized: int = 0
    unrecognized: int = 0
    read: int = 0
    fallback: str | None = None
    detected: Counter[str] = field(default_factory=Counter)

    def note_miss(self, item: Any) -> None:
        """Count the format a conversation that failed a forced format looks like."""
        self.detected[detect_format(item) or "none"] += 1


def _mismatch(forced: str, tally: _Tally, document: Document) -> MalformedExportError:
    looks = ", ".join(f"{name} ({count})" for name, count in tally.detected.most_common())
    return MalformedExportError(
        f"none of the {tally.recognized} conversation(s) reads as the {forced!r} format "
        f"given; by their keys they look like: {looks}. Leave the format out to detect it",
        path=document.name,
        kind="wrong format",
    )


class _Counted:
    """A stream that adds the bytes read through it to ``report.bytes_read``."""

    def __init__(self, stream: Readable, report: ExportReport) -> None:
        self._stream = stream
        self._report = report

    def read(self, size: int = -1, /) -> bytes:
        """Up to ``size`` bytes, counted."""
        data = self._stream.read(size)
        self._report.bytes_read += len(data)
        return data


def _bare_messages(items: Iterator[Any]) -> Iterator[Any]:
    """``items``, with each run of bare message objects gathered into one plain conversation."""
    run: list[dict[str, Any]] = []
    for item in items:
        if _is_message(item):
            run.append(item)
            continue
        if run:
            yield _conversation_of(run)
            run = []
        yield item
    if run:
        yield _conversation_of(run)


def _is_message(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and "role" in item
        and "content" in item
        and not any(key in item for _, keys in _SIGNS for key in keys)
    )


def _conversation_of(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """A plain conversation of bare messages; its id is a digest of the first message."""
    first = messages[0]
    key = json.dumps([first.get("role"), first.get("content"), first.get("create_time")])
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()
    return {"id": f"messages-{digest}", "title": "", "messages": messages}


class _Seen:
    """The conversation ids already yielded, with a digest of their content (16 bytes each)."""

    def __init__(self) -> None:
        self.digests: dict[str, bytes] = {}

    def first_copies(
        self, parsed: Parsed, document: Document, report: ExportReport
    ) -> Parsed | MalformedExportError:
        """``parsed`` without the conversations already yielded.

        A copy with the same content is counted in ``report.repeated``; a copy
        with other content is an error for the caller to raise or skip, and the
        other conversations of ``parsed`` are yielded without it (when there is
        one, the error is logged and counted here).
        """
        digests = [(c, _digest(c)) for c in parsed.conversations]
        fresh, conflicts = [], []
        for conversation, digest in digests:
            known = self.digests.get(conversation.id)
            if known is None:
                fresh.append((conversation, digest))
            elif known == digest:
                report.repeated += 1
            else:
                conflicts.append(conversation)
        errors = [_conflict(conversation, document) for conversation in conflicts]
        if errors and not fresh:
            return errors[0]
        for error in errors:  # the others of the same raw conversation are still read
            log.warning("skipped a conversation: %s", error)
            report.skip(error)
        self.digests.update((c.id, digest) for c, digest in fresh)
        if len(fresh) == len(parsed.conversations):
            return parsed
        kept = tuple(c for c, _ in fresh)
        return Parsed(kept, parsed.dropped, parsed.placeholders) if kept else Parsed(())


def _conflict(conversation: Conversation, document: Document) -> MalformedExportError:
    return MalformedExportError(
        "a conversation with this id was already read with other content; the first copy "
        "is kept. Check whether the export's files overlap",
        path=document.name,
        conversation_id=conversation.id,
        kind="duplicate id",
    )


def _digest(conversation: Conversation) -> bytes:
    """16 bytes identifying everything of the conversation that chunking reads."""
    fields = [
        conversation.title,
        conversation.created_at and conversation.created_at.isoformat(),
        *(
            [m.id, m.role.value, m.name, m.content, m.created_at and m.created_at.isoformat()]
            for m in conversation.messages
        ),
    ]
    return hashlib.blake2b(json.dumps(fields).encode(), digest_size=16).digest()


def _parse(
    name: str, item: Any, index: int, document: Document, options: ReadOptions
) -> Parsed | MalformedExportError:
    try:
        return FORMATS[name](item, index=index, path=document.name, options=options)
    except MalformedExportError as error:
        return error
    except InvalidMessageError as error:
        return MalformedExportError(str(error), path=document.name, kind="invalid message")


def _unrecognized(
    item: Any, document: Document, *, whole_file: bool = False
) -> MalformedExportError:
    if isinstance(item, dict):
        keys = ", ".join(repr(str(key)[:40]) for key in list(item)[:8]) or "no keys"
        got = f"an object with {keys}"
    else:
        got = f"a {type(item).__name__}"
    what = "no conversation of a known format" if whole_file else "not a conversation"
    return MalformedExportError(
        f"{what}: got {got}; expected ChatGPT ('mapping'), Claude ('chat_messages') or "
        "plain ('messages') conversations. Pass format= if detection is wrong",
        path=document.name,
        kind="not an export" if whole_file else "unrecognized",
    )
