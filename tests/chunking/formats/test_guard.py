"""The byte guard under the parser: the identity on JSON it need not repair, at any piece size."""

from __future__ import annotations

import io
import json
import random
from typing import Any

import ijson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chunking.errors import MalformedExportError
from chunking.formats.guard import JsonGuard

values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=30),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=6), children, max_size=5)
    ),
    max_leaves=30,
)


class Trickle:
    """Returns the bytes in pieces of random size (1 to ``most``), to split everything."""

    def __init__(self, data: bytes, seed: int, most: int = 40) -> None:
        self._data, self._at, self._rng, self._most = data, 0, random.Random(seed), most

    def read(self, size: int = -1) -> bytes:
        if size == 0:
            return b""
        piece = self._data[self._at : self._at + self._rng.randint(1, self._most)]
        self._at += len(piece)
        return piece


def guarded(data: bytes, seed: int = 0, **options: Any) -> tuple[bytes, JsonGuard]:
    guard = JsonGuard(Trickle(data, seed), name="export.json", **options)
    out = b""
    while piece := guard.read(1 << 20):
        out += piece
    return out, guard


@settings(max_examples=300, deadline=None)
@given(values, st.booleans(), st.integers(0, 2**32))
def test_valid_json_passes_unchanged_whatever_the_pieces(
    value: Any, ascii_only: bool, seed: int
) -> None:
    raw = json.dumps(value, ensure_ascii=ascii_only).encode()
    out, guard = guarded(raw, seed, max_depth=1_000)
    assert out == raw
    assert not guard.repairs


@pytest.mark.parametrize(
    ("raw", "expected", "kind"),
    [
        (b'["\\udc00"]', ["\ufffd"], "lone surrogate"),
        (b'["a\\ud800b"]', ["a\ufffdb"], "lone surrogate"),
        (b'["\\ude00\\ud83d"]', ["\ufffd\ufffd"], "lone surrogate"),
        (b"[123456789012345678901234, 5]", [1.2345678901234568e23, 5], "integer over 64 bits"),
        (b"[-9223372036854775809]", [-9.223372036854776e18], "integer over 64 bits"),
        (b'{"t": 1.5e999, "u": -1e400}', {"t": None, "u": None}, "number out of range"),
        (b'{"a": "x\x00y\x01"}', {"a": "x\x00y\x01"}, "control character"),
        (b'["tab\there"]', ["tab\there"], "control character"),
        (b'["\xffab\xc3"]', ["\ufffdab\ufffd"], "invalid UTF-8"),
    ],
)
def test_what_the_parser_would_refuse_is_repaired_and_counted(
    raw: bytes, expected: Any, kind: str
) -> None:
    for seed in range(30):
        out, guard = guarded(raw, seed)
        assert list(ijson.items(io.BytesIO(out), "", use_float=True)) == [expected]
        assert set(guard.repairs) == {kind}


@pytest.mark.parametrize(
    "raw",
    [
        b'["\\\\udc00"]',  # an escaped backslash, then the letters udc00
        b'["\\ud83d\\ude00", 9223372036854775807, "12345678901234567890123"]',
        b'{"code": "x = [[[[[[[[ ]", "n": "e+0001"}',
    ],
)
def test_lookalikes_are_left_alone(raw: bytes) -> None:
    for seed in range(30):
        out, guard = guarded(raw, seed, max_depth=4)
        assert out == raw
        assert not guard.repairs


def test_nesting_deeper_than_the_limit_is_refused_before_the_parser_sees_it() -> None:
    guarded(b"[" * 10 + b"]" * 10, max_depth=10)
    with pytest.raises(MalformedExportError, match="nested deeper than 10 levels") as caught:
        guarded(b"[" * 11 + b"]" * 11, max_depth=10)
    assert caught.value.kind == "too deep"
    assert caught.value.path == "export.json"


def test_brackets_inside_strings_do_not_count_towards_the_depth() -> None:
    raw = json.dumps({"text": "[" * 5_000 + '"' + "{" * 5_000}).encode()
    out, _ = guarded(raw, max_depth=3)
    assert out == raw


def test_a_huge_deep_file_fails_fast_and_small() -> None:
    """40,000 nested arrays cost the parser gigabytes; refused within the first piece."""
    raw = b"[" * 40_000 + b"]" * 40_000
    guard = JsonGuard(io.BytesIO(raw), name="deep.json")
    with pytest.raises(MalformedExportError, match="deeper than 64"):
        guard.read(1 << 20)


@pytest.mark.parametrize("unit", [b"x", "Ж".encode(), b"\\n", b"\\ud83d\\ude00", b'\\"'])
def test_a_string_past_the_limit_is_cut_there_with_a_marker(unit: bytes) -> None:
    limit = 2 * 2**20
    body = unit * (3 * limit // len(unit))
    raw = b'[{"text": "' + body + b'", "after": [1, "kept"]}]'
    for seed in range(3):
        guard = JsonGuard(Trickle(raw, seed, most=300_000), name="x", max_string_bytes=limit)
        out = b""
        while piece := guard.read(1 << 20):
            out += piece
        (value,) = json.loads(out)
        marker = f" [cut: the string is longer than {limit} bytes]"
        assert value["after"] == [1, "kept"]
        assert value["text"].endswith(marker)
        assert value["text"].startswith(json.loads(b'"' + unit * 3 + b'"'))
        kept = out.index(marker.encode()) - len(b'[{"text": "')  # bytes as the parser saw them
        assert limit - 24 <= kept <= limit  # cut at the limit, less a split escape at most
        assert guard.repairs == {"string over the size limit": 1}


def test_a_string_within_the_limit_is_untouched() -> None:
    raw = b'["' + b"y" * (2 * 2**20) + b'"]'
    out, guard = guarded(raw, max_string_bytes=2 * 2**20)
    assert out == raw
    assert not guard.repairs
