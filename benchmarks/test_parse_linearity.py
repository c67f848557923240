"""Parsing time is linear in the input, on the strings that used to make it quadratic.

A JSON string that spans many of the parser's reads is re-scanned on each
(13.6 MB of Cyrillic in one message took 15.6 s, 20 M ``\\n`` escapes 84 s):
its cost grows with the square of its length. Reading a mebibyte at a time
and cutting a string past ``ReadOptions.max_string_bytes`` before the parser
sees it bound that. For each shape, an export whose one message is that
string is read with the default options (``load_export``, through the byte
guard) at about 12 MB and 24 MB of JSON, in the same process, best of three
each: linear parsing takes about 2x as long for twice the input, quadratic
about 4x. The bar: at most 3x.
"""

from __future__ import annotations

import io
import json
import time
from typing import Any

import pytest

from chunking.formats import load_export

UNITS = {
    "cyrillic, raw UTF-8": ("Жизнь ", False),
    "cyrillic as \\u escapes": ("Жизнь ", True),
    "newline escapes": ("\n", True),
    "escaped quotes": ('"', True),
    "emoji as surrogate escapes": ("😀", True),
    "ascii prose": ("the cat sat on the mat ", True),
}
MEGABYTES = 12


def export(unit: str, ascii_only: bool, megabytes: int) -> bytes:
    size = len(json.dumps(unit, ensure_ascii=ascii_only).encode()) - 2
    text = unit * (megabytes * 1_000_000 // size)
    message = {"role": "user", "content": text}
    return json.dumps([{"id": "c", "messages": [message]}], ensure_ascii=ascii_only).encode()


def parse_seconds(raw: bytes) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for conversation in load_export(io.BytesIO(raw)):
            assert conversation.messages
        best = min(best, time.perf_counter() - started)
    return best


@pytest.mark.parametrize("shape", sorted(UNITS))
def test_parsing_time_grows_linearly(benchmark: Any, shape: str, report: list[str]) -> None:
    unit, ascii_only = UNITS[shape]
    small, large = (export(unit, ascii_only, mb) for mb in (MEGABYTES, 2 * MEGABYTES))
    once = parse_seconds(small)
    twice = benchmark.pedantic(parse_seconds, args=(large,), rounds=1, iterations=1)
    ratio = twice / once
    benchmark.extra_info.update(
        small_mb=round(len(small) / 1e6, 1),
        large_mb=round(len(large) / 1e6, 1),
        ratio=round(ratio, 2),
    )
    report.append(
        f"parse {shape}: {len(small) / 1e6:.1f} MB in {once:.2f} s, {len(large) / 1e6:.1f} MB "
        f"in {twice:.2f} s: {ratio:.2f}x for twice the input (bar 3x); "
        f"{len(large) / 1e6 / twice:.0f} MB/s"
    )
    assert ratio <= 3
