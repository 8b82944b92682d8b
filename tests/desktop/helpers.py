"""Helpers shared by the GUI tests: an app context, a clock, waiting, typing, screenshots."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, SignalInstance
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from appcore.context import AppContext
from appcore.db_worker import DbWorker
from appcore.screening import now_local
from appcore.settings import Settings
from desktop.session_view import SessionPage
from tests.waiting import until

# The safe answer is option 1 everywhere (screening and check-in alike): "No", or "Yes"
# where yes is the safe answer ("could you notice and stop it yourself?").
SAFE_KEY = Qt.Key.Key_1


@asynccontextmanager
async def app_context(
    home: Path, now: Callable[[], dt.datetime] = now_local, *, log: Path | None = None
) -> AsyncIterator[AppContext]:
    """The app's context on a real log (`home`/log unless `log` names one) and settings
    file under `home`; most tests take the `ctx` fixture, which is this with a fixed clock."""
    worker = DbWorker(log or home / "log")
    await worker.open()
    try:
        yield AppContext(Settings(), home / "settings.json", worker, now=now)
    finally:
        await worker.close()
        # Free the pages' Python wrappers here, on the GUI thread: left to a later cyclic
        # collection, they could be finalised on a worker thread, which crashes Qt.
        gc.collect()


class Clock:
    """An injectable now(): fixed, or running in real time from a chosen moment."""

    def __init__(self, at: dt.datetime) -> None:
        self.set(at)

    def set(self, at: dt.datetime, *, running: bool = False) -> None:
        self.at, self.running, self.since = at, running, time.monotonic()

    def __call__(self) -> dt.datetime:
        if not self.running:
            return self.at
        return self.at + dt.timedelta(seconds=time.monotonic() - self.since)


async def wait_signal(signal: SignalInstance, timeout: float = 10) -> tuple[Any, ...]:
    """Await one emission without a nested Qt event loop."""
    future: asyncio.Future[tuple[Any, ...]] = asyncio.get_running_loop().create_future()

    def got(*args: Any) -> None:
        if not future.done():
            future.set_result(args)

    signal.connect(got)
    try:
        return await asyncio.wait_for(future, timeout)
    finally:
        signal.disconnect(got)


def press(qtbot: QtBot, key: Qt.Key) -> None:
    """A key press goes where a real one would: to the focused widget."""
    target = QApplication.focusWidget()
    assert isinstance(target, QWidget)
    qtbot.keyClick(target, key)


async def shot(widget: QWidget, folder: Path, name: str) -> None:
    """Let layouts settle (Qt shows new children on the next loop turn), then save a PNG."""
    await asyncio.sleep(0.05)
    path = folder / f"{name}.png"
    assert widget.grab().save(str(path))
    assert path.stat().st_size > 0


async def answer_checkin(
    page: SessionPage, qtbot: QtBot, *, flare: bool = False, discomfort: int = 3, go: bool = True
) -> None:
    """Answer the check-in that Start opens, as a person would: click, Check, then go or rest."""
    await until(lambda: page.checkin_dialog is not None and page.checkin_dialog.isVisible())
    dialog = page.checkin_dialog
    assert dialog is not None
    for qid, group in dialog.groups.items():
        buttons = group.buttons()
        if qid == "discomfort":
            qtbot.mouseClick(buttons[discomfort], Qt.MouseButton.LeftButton)
        else:  # the safe answer is first, as in the screening
            unsafe = qid == "flare" and flare
            qtbot.mouseClick(buttons[1 if unsafe else 0], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    assert dialog.stack.currentIndex() == 1
    button = dialog.go_button if go else dialog.stop_button
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    await until(lambda: page.checkin_dialog is None and page.ctx.safety.state.checked_in)
    if not go:
        await until(lambda: not page.tasks.busy)  # the page has said what happens instead
