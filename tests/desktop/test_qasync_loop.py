"""Regression guard for the PySide6 6.12 + CPython 3.11 crash under qasync.

qasync on PySide6 6.12.0 with CPython 3.11 aborts with `Fatal Python error:
none_dealloc` after a few thousand loop callbacks (docs/bumble-pitfalls.md).
pyproject.toml pins PySide6 below 6.12 on 3.11; this test runs tens of thousands
of callbacks on the real QEventLoop in a child process, so a crash shows up as a
failed test rather than a dead test runner.
"""

from __future__ import annotations

import os
import subprocess
import sys

CHILD = r"""
import asyncio, sys
from PySide6.QtWidgets import QApplication
import qasync

app = QApplication(sys.argv)
N = 30_000

async def main() -> int:
    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    count = 0
    def tick() -> None:
        nonlocal count
        count += 1
        if count < N:
            loop.call_soon(tick) if count % 2 else loop.call_later(0, tick)
        else:
            done.set()
    tick()
    await done.wait()
    for _ in range(2_000):
        await asyncio.sleep(0)
    return count

with asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
    print(runner.run(main()))
"""


def test_thirty_thousand_callbacks_on_the_qt_loop() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=300, env=env
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "30000"
