"""One full pass in a fresh process; prints its peak RSS as JSON.

``python benchmarks/full_pass_child.py CONVERSATIONS CONCURRENCY`` runs the
pass over a generated export; ``python benchmarks/full_pass_child.py 0 0``
only imports and loads the tokenizer (the reference).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chunking.store import open_store
from chunking.tokens import get_tokenizer
from extraction.cache import SqliteFactCache
from extraction.offline import OfflineLLM
from extraction.pipeline import file_memory_sink, run_full_pass
from tests.extraction.synthetic import write_export
from tests.rss import peak_rss_mb


def main(conversations: int, concurrency: int) -> dict[str, Any]:
    get_tokenizer()
    if conversations == 0:
        return {"chunks": 0, "peak_rss_mb": peak_rss_mb()}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        export = write_export(root / "export.json", conversations)
        store = open_store(f"sqlite:///{root / 'store.sqlite3'}")
        store.migrate()
        cache = SqliteFactCache(root / "cache.sqlite3")
        result = run_full_pass(
            user_id="bench",
            fetch_export=lambda: export,
            store=store,
            llm=OfflineLLM(),
            cache=cache,
            save_memory=file_memory_sink(root / "memory"),
            concurrency=concurrency,
        )
        cache.close()
        store.close()
    return {
        "status": result.status,
        "chunks": result.chunks_stored,
        "chunks_extracted": result.chunks_extracted,
        "calls": result.ledger.calls,
        "peak_rss_mb": peak_rss_mb(),
    }


if __name__ == "__main__":
    sys.stdout.write(json.dumps(main(int(sys.argv[1]), int(sys.argv[2]))) + "\n")
