"""Run in a child process by the memory benchmark: stream an export, print measurements.

Usage: ``python stream_child.py EXPORT MODE`` with MODE ``chunk`` (load_export
+ chunk_conversations), ``parse`` (load_export only) or ``baseline`` (import
and load the tokenizer, read nothing). Prints one JSON object: seconds, time
spent inside the reader, conversations, chunks and the peak RSS (ru_maxrss).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chunking import Conversation, chunk_conversations
from chunking.formats import ExportReport, load_export
from chunking.tokens import get_tokenizer
from tests.rss import peak_rss_mb


def main(export: Path, mode: str) -> dict[str, object]:
    tokenizer = get_tokenizer()
    tokenizer.count("warm up the tokenizer")
    report = ExportReport()
    parse_seconds = 0.0

    def timed(conversations: Iterator[Conversation]) -> Iterator[Conversation]:
        nonlocal parse_seconds
        while True:
            started = time.perf_counter()
            conversation = next(conversations, None)
            parse_seconds += time.perf_counter() - started
            if conversation is None:
                return
            yield conversation

    started = time.perf_counter()
    chunks = 0
    if mode != "baseline":
        conversations = timed(load_export(export, report=report))
        if mode == "chunk":
            chunks = sum(1 for _ in chunk_conversations(conversations, tokenizer=tokenizer))
        else:
            for _ in conversations:
                pass
    seconds = time.perf_counter() - started
    return {
        "mode": mode,
        "seconds": seconds,
        "parse_seconds": parse_seconds,
        "conversations": report.conversations,
        "messages": report.messages,
        "chunks": chunks,
        "peak_rss_mb": peak_rss_mb(),
        "summary": report.summary(),
    }


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), sys.argv[2])))  # noqa: T201
