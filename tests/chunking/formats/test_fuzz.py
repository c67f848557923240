"""Random and mutated exports: only the project's own errors, and never a hang."""

from __future__ import annotations

import gzip
import io
import json
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chunking.errors import ChunkingError
from chunking.formats import ExportReport, ReadOptions, load_export

DATA = Path(__file__).resolve().parent / "data"
SEEDS = [
    "chatgpt_branches.json",
    "chatgpt_content_types.json",
    "chatgpt_hidden.json",
    "chatgpt_malformed.json",
    "chatgpt_wrapped.json",
    "claude_blocks.json",
]
SECONDS = 10
DEFAULT = ReadOptions()

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "mapping",
                    "parent",
                    "message",
                    "content",
                    "chat_messages",
                    "messages",
                    "current_node",
                    "conversations",
                    "x",
                ]
            )
            | st.text(max_size=4),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)
FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class _HangError(Exception):
    """Raised by the alarm: reading took longer than any input should."""


@contextmanager
def _time_limit(seconds: int) -> Iterator[None]:
    def alarm(_signum: int, _frame: object) -> None:
        raise _HangError(f"reading took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _read_all(raw: bytes, *, strict: bool, options: ReadOptions = DEFAULT) -> None:
    """Read the whole export; anything but a ChunkingError (or a hang) fails the test."""
    report = ExportReport()
    yielded = 0
    with _time_limit(SECONDS):
        try:
            for conversation in load_export(
                io.BytesIO(raw), strict=strict, report=report, options=options
            ):
                assert conversation.id
                yielded += 1
        except ChunkingError:
            pass
    # The report counts exactly what was yielded, and its summary says so.
    assert report.conversations == yielded
    assert report.summary().startswith(f"{yielded} conversations read, ")


def _containers(value: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) slot in ``value``, depth first."""
    slots: list[tuple[Any, Any]] = []
    stack = [value]
    while stack:
        current = stack.pop()
        keys = list(current) if isinstance(current, dict) else range(len(current))
        for key in keys:
            slots.append((current, key))
            if isinstance(current[key], dict | list):
                stack.append(current[key])
    return slots


@st.composite
def mutated_exports(draw: st.DrawFn) -> bytes:
    document = json.loads((DATA / draw(st.sampled_from(SEEDS))).read_text(encoding="utf-8"))
    for _ in range(draw(st.integers(1, 4))):
        slots = _containers(document)
        if not slots:
            break
        container, key = draw(st.sampled_from(slots))
        operation = draw(st.sampled_from(["delete", "replace", "cycle"]))
        if operation == "delete" and isinstance(container, dict):
            del container[key]
        elif operation == "cycle" and isinstance(container, dict) and key == "parent":
            siblings = [k for k, v in _mappings(document) for k in v]
            container[key] = draw(st.sampled_from(siblings)) if siblings else None
        else:
            container[key] = draw(json_values)
    raw = json.dumps(document).encode()
    cut = draw(st.one_of(st.none(), st.integers(0, len(raw))))
    raw = raw if cut is None else raw[:cut]
    return gzip.compress(raw) if draw(st.booleans()) else raw


def _mappings(document: Any) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("mapping", container[key])
        for container, key in _containers(document)
        if key == "mapping" and isinstance(container[key], dict)
    ]


@FUZZ
@given(value=json_values, strict=st.booleans())
def test_random_json_values(value: Any, strict: bool) -> None:
    _read_all(json.dumps(value).encode(), strict=strict)


@FUZZ
@given(raw=st.binary(max_size=200), strict=st.booleans())
def test_random_bytes(raw: bytes, strict: bool) -> None:
    _read_all(raw, strict=strict)


@FUZZ
@given(
    raw=mutated_exports(),
    strict=st.booleans(),
    branches=st.booleans(),
    keep_hidden=st.booleans(),
)
def test_mutated_exports(raw: bytes, strict: bool, branches: bool, keep_hidden: bool) -> None:
    options = ReadOptions(abandoned_branches=branches, keep_hidden=keep_hidden)
    _read_all(raw, strict=strict, options=options)


def test_long_parent_chain_with_a_cycle_at_the_end() -> None:
    size = 20_000
    mapping = {
        f"n{i}": {"id": f"n{i}", "parent": f"n{i - 1}" if i else f"n{size - 1}", "message": None}
        for i in range(size)
    }
    raw = json.dumps([{"id": "c", "mapping": mapping, "current_node": f"n{size - 1}"}]).encode()
    report = ExportReport()
    with _time_limit(SECONDS):
        assert list(load_export(io.BytesIO(raw), report=report)) == []
    assert report.skipped == {"cycle": 1}


def test_deeply_nested_values() -> None:
    deep = "[" * 5000 + "]" * 5000
    block = f'{{"type": "tool_use", "input": {deep}}}'
    raw = f'[{{"uuid": "c", "chat_messages": [{{"sender": "assistant", "content": [{block}]}}]}}]'
    _read_all(raw.encode(), strict=True)
