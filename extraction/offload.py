"""Blocking work of a pass, run off the event loop on one worker thread.

Loading, chunking, the store sync, cache reads and writes, the memory build
and the sinks are blocking (disk, database, CPU). :class:`Offload` runs each
such call on a single thread of its own, in the order submitted, so that the
event loop keeps serving a service's other requests while a pass runs. One
thread, not a pool: the store's and the cache's connections are used by one
thread at a time, and a 512 MB instance has no room for a second interpreter.

A cancelled pass cannot stop a call already running on the thread; it sets
:attr:`Offload.stopping` (which long calls check between units of work), and
:meth:`Offload.drain` and :meth:`Offload.aclose` wait for the thread to
finish what it started, so no call outlives the pass that made it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

__all__ = ["Offload"]

T = TypeVar("T")


class Offload:
    """One worker thread for a pass's blocking calls; use ``async with``."""

    def __init__(self, *, name: str = "extraction-io") -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._running: set[Future[Any]] = set()
        self.stopping = threading.Event()
        """Set when the pass is ending early: long calls stop at their next check."""

    async def __call__(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` on the worker thread; the loop is free while it runs."""
        future = self._executor.submit(function, *args)
        self._running.add(future)
        future.add_done_callback(self._running.discard)
        return await asyncio.wrap_future(future)

    async def drain(self) -> None:
        """Wait until every call submitted so far has ended (their errors are not raised)."""
        waiting = [asyncio.wrap_future(future) for future in list(self._running)]
        if waiting:
            await asyncio.gather(*waiting, return_exceptions=True)

    async def aclose(self) -> None:
        """Ask running calls to stop, wait for the thread to finish them, release it."""
        self.stopping.set()
        await self.drain()
        self._executor.shutdown(wait=False)

    async def __aenter__(self) -> Offload:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await asyncio.shield(self.aclose())
