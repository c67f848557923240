"""The full pass as a service runs it: off the event loop, from uploads, cancellable, paged."""

from __future__ import annotations

import asyncio
import io
import json
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

import extraction.extract
import extraction.pipeline
from chunking import chunk_conversations
from chunking.formats import load_export
from chunking.model import Chunk
from chunking.store import open_store
from extraction.cache import MemoryFactCache
from extraction.extract import extract_facts, group_items
from extraction.ledger import Ledger
from extraction.levers import DEFAULT_LEVERS
from extraction.models import get_model
from extraction.offline import OfflineLLM
from extraction.offload import Offload
from extraction.pipeline import file_memory_sink, run_full_pass, run_full_pass_async
from tests.extraction.conftest import SAMPLE_EXPORT
from tests.extraction.fakes import InstrumentedLLM
from tests.extraction.helpers import fake_items

WAIT = 30  # seconds: only reached when the behaviour under test is broken


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Any]:
    opened = open_store(f"sqlite:///{tmp_path / 'chunks.sqlite3'}")
    opened.migrate()
    yield opened
    opened.close()


def options(store: Any, tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    return {
        "user_id": "ana",
        "fetch_export": lambda: SAMPLE_EXPORT,
        "store": store,
        "llm": OfflineLLM(),
        "cache": MemoryFactCache(),
        "save_memory": file_memory_sink(tmp_path / "memory"),
        **overrides,
    }


def test_the_loop_runs_other_tasks_while_the_pass_reads_and_syncs(
    store: Any, tmp_path: Path
) -> None:
    """The fetch and the sync wait for a task on the loop: on the loop, they would deadlock."""
    served = threading.Event()
    threads: set[str] = set()

    def fetch() -> Path:
        threads.add(threading.current_thread().name)
        if not served.wait(timeout=WAIT):
            raise TimeoutError("the event loop was blocked while the export was fetched")
        return SAMPLE_EXPORT

    original_sync = store.sync

    def sync(user_id: str, chunks: Iterable[Chunk], **kw: Any) -> Any:
        threads.add(threading.current_thread().name)
        return original_sync(user_id, chunks, **kw)

    store.sync = sync

    async def main() -> Any:
        loop_thread = threading.current_thread().name
        task = asyncio.create_task(
            run_full_pass_async(**options(store, tmp_path, fetch_export=fetch))
        )
        await asyncio.sleep(0)
        served.set()  # runs only if the loop is free while fetch() waits
        result = await task
        return result, loop_thread

    result, loop_thread = asyncio.run(main())
    assert result.status == "complete", result.reason
    assert len(threads) == 1  # the fetch and the sync ran on one worker thread
    assert loop_thread not in threads


def test_run_full_pass_works_inside_a_running_loop(store: Any, tmp_path: Path) -> None:
    async def main() -> Any:
        return run_full_pass(**options(store, tmp_path))

    result = asyncio.run(main())
    assert result.status == "complete", result.reason
    assert result.chunks_stored > 0


def test_the_export_may_be_an_uploaded_file_object(store: Any, tmp_path: Path) -> None:
    upload = io.BytesIO(SAMPLE_EXPORT.read_bytes())
    result = run_full_pass(**options(store, tmp_path, fetch_export=lambda: upload))
    assert result.status == "complete", result.reason
    assert result.conversations == len(json.loads(SAMPLE_EXPORT.read_text()))
    assert not upload.closed  # the caller's object: read, not closed


def test_the_profile_covers_every_stored_conversation(store: Any, tmp_path: Path) -> None:
    """A second export of other conversations adds to the profile built from the first."""
    conversations = json.loads(SAMPLE_EXPORT.read_text())
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    first.write_text(json.dumps(conversations[:1]))
    second.write_text(json.dumps(conversations[1:]))
    cache = MemoryFactCache()
    run_full_pass(**options(store, tmp_path, fetch_export=lambda: first, cache=cache))
    result = run_full_pass(**options(store, tmp_path, fetch_export=lambda: second, cache=cache))
    assert result.status == "complete", result.reason
    memory = Path(result.memory_location).read_text(encoding="utf-8")
    assert "Name is Ana Souza" in memory  # said in the first export only
    assert "Has a cat named Miso" in memory


def test_a_cancelled_pass_stops_its_worker_and_ends_failed(
    store: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cancelled while the third conversation is synced: the first is written, whole."""
    offloads: list[Offload] = []

    class Recorded(Offload):
        def __init__(self) -> None:
            super().__init__()
            offloads.append(self)

    monkeypatch.setattr(extraction.pipeline, "Offload", Recorded)
    reached, statuses, outcome = threading.Event(), [], []
    original_sync = store.sync

    def pausing(chunks: Iterable[Chunk]) -> Iterator[Chunk]:
        seen: list[str] = []
        for chunk in chunks:
            if chunk.conversation_id not in seen:
                seen.append(chunk.conversation_id)
                if len(seen) == 3:
                    reached.set()
                    if not offloads[0].stopping.wait(timeout=WAIT):
                        raise TimeoutError("the cancelled pass never asked its worker to stop")
            yield chunk

    def sync(user_id: str, chunks: Iterable[Chunk], **kw: Any) -> Any:
        try:
            return original_sync(user_id, pausing(chunks), batch_rows=1, **kw)
        except BaseException as error:
            outcome.append(error)
            raise

    store.sync = sync
    big = tmp_path / "big.json"
    conversations = json.loads(SAMPLE_EXPORT.read_text())
    copies = [{**c, "id": f"{n:03d}-{c['id']}"} for n in range(50) for c in conversations]
    big.write_text(json.dumps(copies))

    async def main() -> None:
        pass_options = options(
            store,
            tmp_path,
            fetch_export=lambda: big,
            update_profile=lambda _user, status, _reason: statuses.append(status),
        )
        task = asyncio.create_task(run_full_pass_async(**pass_options))
        while not reached.is_set():
            await asyncio.sleep(0.001)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert statuses == ["processing", "failed"]
    assert [type(error).__name__ for error in outcome] == ["PassCancelledError"]
    first = copies[0]["id"]
    assert {c.conversation_id for c in store.chunks("ana")} == {first}
    expected = [c for c in chunk_conversations(load_export(big)) if c.conversation_id == first]
    assert store.chunks("ana") == expected


def test_extraction_reads_its_items_a_page_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extraction.extract, "PAGE_ITEMS", 10)
    pulled = 0
    pulled_at_first_call: list[int] = []

    def items() -> Iterator[Any]:
        nonlocal pulled
        for item in fake_items(95):
            pulled += 1
            yield item

    llm = InstrumentedLLM()
    original = llm.complete

    async def complete(request: Any) -> Any:
        if not pulled_at_first_call:
            pulled_at_first_call.append(pulled)
        return await original(request)

    llm.complete = complete  # type: ignore[method-assign]
    result = asyncio.run(
        extract_facts(
            items(),
            llm=llm,
            cache=MemoryFactCache(),
            ledger=Ledger(get_model("claude-haiku-4-5").prices),
            levers=DEFAULT_LEVERS,
        )
    )
    assert pulled_at_first_call == [10]
    assert (result.chunks, pulled) == (95, 95)
    pages = [fake_items(95)[start : start + 10] for start in range(0, 95, 10)]
    assert llm.calls == sum(len(group_items(page, DEFAULT_LEVERS)) for page in pages)
