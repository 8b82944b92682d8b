"""Typed observers with subscribers that can leave: the one observer mechanism of Thenar.

It lives in `ble` (the lowest layer) so the client and the app share it; `appcore.events`
re-exports it. A subscriber gets a `Subscription`; `close()` (or `with`) ends it. A
failing subscriber is logged and does not stop the others, so one broken view cannot
keep the device from hearing about new caps. `stream()` is the same subscription as an
async iterator over a bounded queue (oldest dropped when its reader falls behind).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

E = TypeVar("E")

QUEUE_SIZE = 256  # per stream; a reader that falls further behind loses the oldest items


class Subscription:
    """A handle on one subscriber; `close()` unsubscribes (idempotent)."""

    def __init__(self, leave: Callable[[], None]) -> None:
        self._leave: Callable[[], None] | None = leave

    def close(self) -> None:
        leave, self._leave = self._leave, None
        if leave is not None:
            leave()

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class Stream(Subscription, Generic[E]):
    """A subscription read as an async iterator, registered from the moment it is created."""

    def __init__(self, owner: Observers[E]) -> None:
        self.queue: asyncio.Queue[E] = asyncio.Queue(QUEUE_SIZE)
        super().__init__(owner.subscribe(self._put).close)

    def _put(self, item: E) -> None:
        if self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(item)

    def __aiter__(self) -> Stream[E]:
        return self

    async def __anext__(self) -> E:
        return await self.queue.get()


class Observers(Generic[E]):
    """Deliver each event of type E to the current subscribers, in subscription order."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[E], None]] = []

    def subscribe(self, callback: Callable[[E], None]) -> Subscription:
        self._callbacks.append(callback)

        def leave() -> None:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

        return Subscription(leave)

    def stream(self) -> Stream[E]:
        return Stream(self)

    def publish(self, event: E) -> None:
        for callback in list(self._callbacks):
            try:
                callback(event)
            except Exception:
                log.exception("a subscriber failed on %r", event)

    def __len__(self) -> int:
        return len(self._callbacks)
