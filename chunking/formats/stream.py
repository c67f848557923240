"""Incremental JSON: the raw conversations of one file, one at a time.

The file is parsed with ``ijson`` so that only one conversation is in memory
at a time, whatever the size of the file, through a :class:`JsonGuard` that
repairs what the parser would wrongly reject and refuses nesting that would
cost it memory out of proportion (:mod:`chunking.formats.guard`). A
string that spans many of the parser's reads is re-scanned on each, so its
parsing time grows with the square of its length; the guard's cap on a
string's size (``max_string_bytes``) bounds that, and the parser reads
256 KiB at a time (four times its default), a trade of a little speed on
such strings for memory and a shorter hold of the GIL. Accepted shapes:

- a top-level list of conversations (the ChatGPT and Claude exports);
- an object ``{"conversations": [...], ...}`` (streamed the same way);
- a single conversation object;
- JSON Lines (one value per line), or any sequence of top-level values.

Values come out as parsed (not yet validated): the format readers judge them.
"""

from __future__ import annotations

import lzma
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from typing import Any

import ijson
from ijson.common import ObjectBuilder

from chunking.errors import MalformedExportError
from chunking.formats.guard import DEFAULT_MAX_DEPTH, DEFAULT_MAX_STRING_BYTES, JsonGuard
from chunking.formats.sources import Readable, Replay, read_head

__all__ = ["READ_ERRORS", "raw_conversations"]

READ_ERRORS = (
    ijson.JSONError,
    UnicodeDecodeError,
    OSError,
    EOFError,
    zlib.error,
    zipfile.BadZipFile,
    lzma.LZMAError,
)
"""What the parser and the decompressors raise on bad bytes."""

_BOM = b"\xef\xbb\xbf"
_BUFFER = 1 << 18
_JSON_LINES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
_STARTS = frozenset({"start_map", "start_array"})
_ENDS = frozenset({"end_map", "end_array"})


def raw_conversations(
    stream: Readable,
    *,
    name: str,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_string_bytes: int = DEFAULT_MAX_STRING_BYTES,
    repairs: Counter[str] | None = None,
) -> Iterator[Any]:
    """Yield each raw conversation of a JSON (or JSON Lines) byte stream.

    Args:
        stream: the decompressed bytes.
        name: the file, for messages.
        max_depth: nesting levels allowed.
        max_string_bytes: a longer string is cut there before it is parsed.
        repairs: receives the guard's repairs of the bytes, by kind.

    Raises:
        MalformedExportError: the bytes are not JSON (truncated, binary,
            empty) or nest too deep; names the file and how many
            conversations were read.
    """
    count = 0
    guard = JsonGuard(stream, name=name, max_depth=max_depth, max_string_bytes=max_string_bytes)
    values = _values(guard, name, repairs if repairs is not None else Counter())
    while True:
        try:
            value = next(values)
        except StopIteration:
            return
        except READ_ERRORS as error:
            raise MalformedExportError(
                f"not valid JSON after {count} conversation(s) ({error}); expected a JSON "
                "export. The file may be truncated: export it again, or pass the intact file",
                path=name,
                kind="not json",
            ) from error
        count += 1
        yield value


def _values(guard: JsonGuard, name: str, repairs: Counter[str]) -> Iterator[Any]:
    head = read_head(guard, 4096)
    head = head.removeprefix(_BOM)
    first = head.lstrip()[:1]
    if not first:
        raise MalformedExportError(
            "the file is empty; expected a JSON export", path=name, kind="not json"
        )
    replay = Replay(head, guard)
    try:
        if name.lower().endswith(_JSON_LINES):
            yield from ijson.items(
                replay, "", use_float=True, multiple_values=True, buf_size=_BUFFER
            )
        elif first == b"[":
            yield from ijson.items(replay, "item", use_float=True, buf_size=_BUFFER)
        else:
            events = ijson.parse(replay, use_float=True, multiple_values=True, buf_size=_BUFFER)
            yield from _top_level(iter(events))
    finally:
        repairs.update(guard.repairs)


def _top_level(events: Iterator[tuple[str, str, Any]]) -> Iterator[Any]:
    for _prefix, event, value in events:
        if event == "start_array":
            yield from _array_items(events)
        elif event == "start_map":
            yield from _top_map(events)
        else:
            yield value


def _array_items(events: Iterator[tuple[str, str, Any]]) -> Iterator[Any]:
    """The items of an array whose ``start_array`` was just read."""
    for _prefix, event, value in events:
        if event == "end_array":
            return
        yield _build(event, value, events)


def _top_map(events: Iterator[tuple[str, str, Any]]) -> Iterator[Any]:
    """A top-level object: stream its ``conversations`` list, or yield it whole."""
    whole: dict[str, Any] = {}
    streamed = False
    key = ""
    for _prefix, event, value in events:
        if event == "end_map":
            break
        if event == "map_key":
            key = value
        elif key == "conversations" and event == "start_array":
            streamed = True
            yield from _array_items(events)
        else:
            whole[key] = _build(event, value, events)
    if not streamed:
        yield whole


def _build(event: str, value: Any, events: Iterator[tuple[str, str, Any]]) -> Any:
    """The value whose first event is ``event``, built from the following events."""
    if event not in _STARTS:
        return value
    builder = ObjectBuilder()
    builder.event(event, value)
    depth = 1
    for _prefix, next_event, next_value in events:
        builder.event(next_event, next_value)
        if next_event in _STARTS:
            depth += 1
        elif next_event in _ENDS:
            depth -= 1
            if depth == 0:
                break
    return builder.value
