"""All log access on one worker thread, so the Qt/asyncio loop never waits on the disk.

SQLite connections belong to the thread that opened them; one writer is the
log's rule anyway. So a single-thread executor opens the store and runs every
read and write, and the loop awaits the results.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from data.store import open_store
from data.tx import translate

if TYPE_CHECKING:
    from data.db import LogDb
    from data.store import Store

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
        self._store = open_store(self.folder, verify=False)
        self.notices = list(self._store.notices)

    async def open(self) -> list[str]:
        """Open (migrate, recover a file that cannot be opened); returns messages for the
        person. Raises a StoreError (newer file, no access, ...) with words for them.

        The full integrity check and the daily backup wait for `verify`, so the
        window does not wait for them (about a second on ten years of history)."""
        await asyncio.get_running_loop().run_in_executor(self._executor, self._open)
        return self.notices

    def _verify(self) -> tuple[list[str], bool]:
        if self._store is None:
            raise RuntimeError("the log is not open")
        notices = self._store.verify()
        return notices, self._store.replaced

    async def verify(self) -> tuple[list[str], bool]:
        """The full check (indexes rebuilt, or the newest backup restored) and today's
        backup. Returns messages for the person and whether what was read before
        must be read again. Calls queued after it wait for it: nothing reads or
        writes a log that is still being checked."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._verify)

    def _call(self, fn: Callable[..., T], *args: object) -> T:
        if self._store is None:
            raise RuntimeError("the log is not open")
        try:
            return fn(self._store.db, *args)
        except (sqlite3.Error, OSError) as exc:  # the log's own errors, with words, only
            raise translate(exc) from exc

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._call, fn, *args)

    def run_sync(self, fn: Callable[[LogDb], T]) -> T:
        """For start-up and shutdown paths outside the loop."""
        return self._executor.submit(self._call, fn).result()

    async def close(self) -> None:
        def _close() -> None:
            if self._store is not None:
                self._store.close()
                self._store = None

        await asyncio.get_running_loop().run_in_executor(self._executor, _close)
        # Joining the DB thread blocks: wait for it off the loop.
        await asyncio.to_thread(self._executor.shutdown, wait=True)
