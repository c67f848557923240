"""A seeded mutation fuzzer for exports: the mutants, and a runner that reads each one.

``python -m tests.chunking.formats.mutations --seed S --count N [SAMPLE ...]`` writes
each mutant to a temporary file, reads it as the CLI does (``load_export`` and
``chunk_conversations``) and prints one JSON line per case: its name, size,
seconds and outcome (``ok``, the library's error kind, or ``crash`` with the
traceback), then a last line with the process's peak RSS. Seeded: the same
seed and samples give the same cases.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import random
import sys
import tempfile
import time
import traceback
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.rss import peak_rss_mb

__all__ = ["Mutant", "mutants", "samples"]

SAMPLE_BYTES = 200_000
"""A sample bigger than this keeps its first conversations up to about this size."""


@dataclass(frozen=True, slots=True)
class Mutant:
    name: str
    data: bytes
    suffix: str


def samples(paths: list[Path]) -> list[tuple[str, bytes]]:
    """The samples' bytes, each cut to about :data:`SAMPLE_BYTES` at a conversation."""
    found = []
    for path in paths:
        raw = path.read_bytes()
        if len(raw) > SAMPLE_BYTES and raw.lstrip()[:1] == b"[":
            kept: list[Any] = []
            size = 0
            for conversation in json.loads(raw):
                kept.append(conversation)
                size += len(json.dumps(conversation))
                if size > SAMPLE_BYTES:
                    break
            raw = json.dumps(kept).encode()
        found.append((path.name, raw))
    return found


def mutants(pool: list[tuple[str, bytes]], *, seed: int, count: int) -> Iterator[Mutant]:
    """``count`` mutants of the samples in ``pool``, drawn with ``seed``."""
    rng = random.Random(seed)
    for index in range(count):
        name, raw = rng.choice(pool)
        steps = []
        for _ in range(rng.randint(1, 3)):
            operator = rng.choice(OPERATORS)
            raw = operator(raw, rng)
            steps.append(operator.__name__)
        wrap = rng.choice(WRAPPERS)
        data, suffix = wrap(raw, rng)
        yield Mutant(f"{index}:{name}:{'+'.join(steps)}:{wrap.__name__}", data, suffix)


def _document(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # not JSON, or nested past Python's own parser
        return None


def _slots(value: Any) -> list[tuple[Any, Any]]:
    found: list[tuple[Any, Any]] = []
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, dict | list):
            keys = list(current) if isinstance(current, dict) else range(len(current))
            for key in keys:
                found.append((current, key))
                stack.append(current[key])
    return found


def _structural(change: Callable[[Any, Any, random.Random], None]) -> Callable[..., bytes]:
    def operator(raw: bytes, rng: random.Random) -> bytes:
        document = _document(raw)
        slots = _slots(document)
        if not slots:
            return _flip(raw, rng)
        container, key = rng.choice(slots)
        change(container, key, rng)
        return json.dumps(document, ensure_ascii=rng.random() < 0.5).encode(
            "utf-8", "surrogatepass"
        )

    operator.__name__ = change.__name__.removeprefix("_")
    return operator


def _wrong_type(container: Any, key: Any, rng: random.Random) -> None:
    container[key] = rng.choice([None, 0, -1, 1.5, True, "", "x", [], {}, [[]], {"a": None}])


def _delete(container: Any, key: Any, rng: random.Random) -> None:
    if isinstance(container, dict):
        del container[key]
    else:
        container.pop(key)


def _huge_string(container: Any, key: Any, rng: random.Random) -> None:
    unit = rng.choice(["x", "Ж", "\n", '"', "\\", "😀", "data:image/png;base64,QUJD"])
    container[key] = unit * rng.randint(100_000, 3_000_000 // len(unit.encode()))


def _big_number(container: Any, key: Any, rng: random.Random) -> None:
    container[key] = rng.choice([10**30, -(10**25), 2**63, 1e308, 10**400])


def _surrogate(container: Any, key: Any, rng: random.Random) -> None:
    container[key] = rng.choice(["a\udc00b", "\ud800", "\udfff\ud800", "x\ud83d"])


def _nul(container: Any, key: Any, rng: random.Random) -> None:
    container[key] = f"a\x00b{container[key]}" if isinstance(container[key], str) else "\x00"


def _deep(raw: bytes, rng: random.Random) -> bytes:
    depth = rng.choice([50, 100, 1_000, 40_000])
    at = rng.randrange(len(raw) + 1)
    return raw[:at] + b"[" * depth + raw[at:] + b"]" * depth


def _truncate(raw: bytes, rng: random.Random) -> bytes:
    return raw[: rng.randrange(len(raw) + 1)]


def _flip(raw: bytes, rng: random.Random) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 10)):
        if data:
            data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


def _insert(raw: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(raw) + 1)
    junk = rng.choice([b"\x00", b"\xff\xfe", b"\xed\xa0\x80", b'"', b"}", b"\\u", b"\r\n"])
    return raw[:at] + junk * rng.randint(1, 5) + raw[at:]


def _duplicate(raw: bytes, rng: random.Random) -> bytes:
    document = _document(raw)
    if isinstance(document, list) and document:
        document = [*document, rng.choice(document)]
        return json.dumps(document).encode("utf-8", "surrogatepass")
    return raw


def _safe_cycle(container: Any, key: Any, rng: random.Random) -> None:
    # json.dumps refuses a real reference cycle: make a parent-link cycle instead.
    if isinstance(container, dict) and "parent" in container:
        container["parent"] = rng.choice([container.get("id"), "missing"])
    else:
        _wrong_type(container, key, rng)


OPERATORS: list[Callable[[bytes, random.Random], bytes]] = [
    _truncate,
    _flip,
    _insert,
    _deep,
    _duplicate,
    _structural(_wrong_type),
    _structural(_delete),
    _structural(_huge_string),
    _structural(_big_number),
    _structural(_surrogate),
    _structural(_nul),
    _structural(_safe_cycle),
]


def plain_json(raw: bytes, rng: random.Random) -> tuple[bytes, str]:
    return raw, ".json"


def gzipped(raw: bytes, rng: random.Random) -> tuple[bytes, str]:
    data = gzip.compress(raw, compresslevel=1, mtime=0)
    if rng.random() < 0.3:
        data = data[: rng.randrange(len(data) + 1)]
    return data, ".json.gz"


def zipped(raw: bytes, rng: random.Random) -> tuple[bytes, str]:
    buffer = io.BytesIO()
    method = rng.choice([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        # A fixed date: the same seed gives the same bytes.
        archive.writestr(zipfile.ZipInfo("conversations.json", (2024, 1, 1, 0, 0, 0)), raw)
        if rng.random() < 0.3:
            archive.writestr(zipfile.ZipInfo("user.json", (2024, 1, 1, 0, 0, 0)), b"{}")
    data = bytearray(buffer.getvalue())
    damage = rng.random()
    if damage < 0.15:  # the encrypted flag
        data[6] |= 1
        central = data.rfind(b"PK\x01\x02")
        data[central + 8] |= 1
    elif damage < 0.3:  # an unsupported method
        data[8] = 9
        central = data.rfind(b"PK\x01\x02")
        data[central + 10] = 9
    elif damage < 0.45 and len(data) > 60:
        data[rng.randrange(40, len(data) - 20)] ^= 0xFF
    return bytes(data), ".zip"


def json_lines(raw: bytes, rng: random.Random) -> tuple[bytes, str]:
    document = _document(raw)
    if isinstance(document, list):
        lines = [json.dumps(item).encode("utf-8", "surrogatepass") for item in document]
        return b"\n".join(lines), ".jsonl"
    return raw, ".jsonl"


WRAPPERS = [plain_json, plain_json, gzipped, zipped, json_lines]


def run(pool: list[tuple[str, bytes]], *, seed: int, count: int) -> Iterator[dict[str, Any]]:
    """Read each mutant as the CLI does; one result per case."""
    from chunking import chunk_conversations
    from chunking.errors import ChunkingError
    from chunking.formats import load_export

    with tempfile.TemporaryDirectory() as folder:
        for mutant in mutants(pool, seed=seed, count=count):
            path = Path(folder) / f"case{mutant.suffix}"
            path.write_bytes(mutant.data)
            started = time.perf_counter()
            outcome: dict[str, Any] = {"case": mutant.name, "bytes": len(mutant.data)}
            try:
                chunks = sum(1 for _ in chunk_conversations(load_export(path)))
                outcome.update(outcome="ok", chunks=chunks)
            except ChunkingError as error:
                outcome.update(outcome=getattr(error, "kind", type(error).__name__))
            except Exception:  # noqa: BLE001 - what the fuzzer is looking for
                outcome.update(outcome="crash", traceback=traceback.format_exc(limit=8))
            outcome["seconds"] = round(time.perf_counter() - started, 3)
            outcome["peak_rss_mb"] = round(peak_rss_mb(), 1)
            yield outcome


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("sample", type=Path, nargs="+")
    args = parser.parse_args(argv)
    for outcome in run(samples(args.sample), seed=args.seed, count=args.count):
        sys.stdout.write(json.dumps(outcome) + "\n")
        sys.stdout.flush()
    peak = peak_rss_mb()
    sys.stdout.write(json.dumps({"peak_rss_mb": round(peak, 1)}) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
