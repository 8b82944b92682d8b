"""The one way tests wait for something no event announces: poll with a deadline.

Prefer an event (a subscription, a queue) where the code offers one. This lets the
running loop work (the radio, the DB thread, Qt painting under qasync) between looks,
and fails with the condition's name when the deadline passes. Never use
`qtbot.waitUntil` in async code: a nested Qt loop would step asyncio tasks re-entrantly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

POLL_S = 0.01  # between looks; short enough not to slow tests, long enough not to spin


async def until(cond: Callable[[], object], timeout: float = 10.0) -> None:
    """Return once `cond()` is true; raise AssertionError after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not cond():
        if loop.time() > deadline:
            name = getattr(cond, "__qualname__", repr(cond))
            raise AssertionError(f"timed out after {timeout} s waiting for {name}")
        await asyncio.sleep(POLL_S)
