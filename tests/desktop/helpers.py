"""Helpers shared by the GUI tests: wait on the running loop, type like a person, screenshot."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desktop.session_view import SessionPage
from tests.waiting import until

# The safe answer is option 1 everywhere (screening and check-in alike): "No", or "Yes"
# where yes is the safe answer ("could you notice and stop it yourself?").
SAFE_KEY = Qt.Key.Key_1


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
