"""Run in a fresh process by the service-path benchmark: one job, then its measurements.

Usage::

    python benchmarks/service_child.py baseline
    python benchmarks/service_child.py import EXPORT STORE_URL
    python benchmarks/service_child.py run EXPORT STORE_URL OUT_DIR
    python benchmarks/service_child.py stall EXPORT STORE_URL OUT_DIR

``baseline`` imports the packages and loads the tokenizer (the reference);
``import`` is ``python -m chunking import``; ``run`` is ``python -m extraction
run --provider offline``; ``stall`` runs ``run_full_pass_async`` (offline LLM)
beside a 10 ms asyncio heartbeat and reports how late the heartbeat ever was.
The last line printed is one JSON object with the peak RSS (``ru_maxrss``).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chunking.tokens import get_tokenizer
from tests.rss import peak_rss_mb

HEARTBEAT_S = 0.010


def run_cli(main: Any, argv: list[str]) -> int:
    with contextlib.redirect_stdout(io.StringIO()):
        return int(main(argv))


def stall(export: Path, url: str, out: Path) -> dict[str, Any]:
    from chunking.store import open_store
    from extraction.cache_url import open_fact_cache
    from extraction.offline import OfflineLLM
    from extraction.pipeline import file_memory_sink, run_full_pass_async

    async def main() -> dict[str, Any]:
        late: list[float] = []
        stop = asyncio.Event()

        async def heartbeat() -> None:
            while not stop.is_set():
                planned = time.perf_counter() + HEARTBEAT_S
                await asyncio.sleep(HEARTBEAT_S)
                late.append(time.perf_counter() - planned)

        beat = asyncio.create_task(heartbeat())
        with open_store(url) as store:
            store.migrate()
            cache = open_fact_cache(url)
            result = await run_full_pass_async(
                user_id="bench",
                fetch_export=lambda: export,
                store=store,
                llm=OfflineLLM(),
                cache=cache,
                save_memory=file_memory_sink(out),
            )
            cache.close()  # type: ignore[attr-defined]
        stop.set()
        await beat
        late.sort()
        return {
            "status": result.status,
            "chunks": result.chunks_stored,
            "beats": len(late),
            "max_stall_ms": round(1000 * late[-1], 1),
            "p99_stall_ms": round(1000 * late[int(0.99 * (len(late) - 1))], 1),
        }

    return asyncio.run(main())


def main(argv: list[str]) -> dict[str, Any]:
    get_tokenizer().count("warm up the tokenizer")
    mode = argv[0]
    started = time.perf_counter()
    figures: dict[str, Any] = {"mode": mode}
    if mode == "import":
        from chunking.cli import main as chunking_main

        export, url = argv[1], argv[2]
        assert run_cli(chunking_main, ["db", "migrate", url]) == 0
        figures["exit"] = run_cli(
            chunking_main, ["import", export, "--user", "bench", "--store", url]
        )
    elif mode == "run":
        from extraction.cli import main as extraction_main

        export, url, out = argv[1], argv[2], argv[3]
        argv_run = ["run", export, "--user", "bench", "--store", url, "--provider", "offline"]
        memory = str(Path(out) / "memory.md")
        figures["exit"] = run_cli(extraction_main, [*argv_run, "--migrate", "--out", memory])
    elif mode == "stall":
        figures.update(stall(Path(argv[1]), argv[2], Path(argv[3])))
    elif mode != "baseline":
        raise SystemExit(f"unknown mode {mode!r}; expected baseline, import, run or stall")
    figures["seconds"] = round(time.perf_counter() - started, 2)
    figures["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return figures


if __name__ == "__main__":
    result = main(sys.argv[1:])
    sys.stdout.write(json.dumps(result) + "\n")
