"""Background tasks started from the GUI: held until done, and never failing silently.

asyncio keeps only weak references to tasks, so a page must hold its own; and a
task that fails in the background must be reported, not dropped. One owner does
both for every page.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any


class TaskOwner:
    """`spawn(coro)` runs it as a task held until it ends; a failure goes to `on_error`.

    Without `on_error`, the failure goes to the loop's exception handler, which
    the app installs to log it and show it in plain words (`desktop.app`).
    """

    def __init__(self, on_error: Callable[[BaseException], None] | None = None) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._on_error = on_error

    @property
    def busy(self) -> bool:
        """Whether any task is still running (tests wait on this, not on a sleep)."""
        return bool(self._tasks)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    async def cancel(self) -> None:
        """Cancel the tasks still running and wait until each has ended: a closed window's
        tasks must not go on to touch its deleted widgets. The calling task is spared."""
        tasks = [t for t in self._tasks if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            return
        if self._on_error is not None:
            self._on_error(exc)
        else:
            task.get_loop().call_exception_handler(
                {"message": "a background task failed", "exception": exc, "task": task}
            )
