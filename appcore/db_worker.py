"""All log access on one worker thread, so the Qt/asyncio loop never waits on the disk.

SQLite connections belong to the thread that opened them; one writer is the
log's rule anyway. So a single-thread executor opens the store and runs every
read and write, and the loop awaits the results.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

from sqlite_utils import Database

from data.store import Store, open_store

P = ParamSpec("P")
T = TypeVar("T")


class DbWorker:
    """Owns the `Store`; `await worker.run(fn, *args)` calls `fn(db, *args)` on its thread."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._executor = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="thenar-db")
        self._store: Store | None = None
        self.notices: list[str] = []

    def _open(self) -> None:
        self._store = open_store(self.folder)
        self.notices = list(self._store.notices)

    async def open(self) -> list[str]:
        """Open (migrate, back up, recover if needed); returns messages for the person."""
        await asyncio.get_running_loop().run_in_executor(self._executor, self._open)
        return self.notices

    def _call(self, fn: Callable[..., T], *args: object) -> T:
        if self._store is None:
            raise RuntimeError("the log is not open")
        return fn(self._store.db, *args)

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._call, fn, *args)

    def run_sync(self, fn: Callable[[Database], T]) -> T:
        """For start-up and shutdown paths outside the loop."""
        return self._executor.submit(self._call, fn).result()

    async def close(self) -> None:
        def _close() -> None:
            if self._store is not None:
                self._store.close()
                self._store = None

        await asyncio.get_running_loop().run_in_executor(self._executor, _close)
        self._executor.shutdown(wait=True)
