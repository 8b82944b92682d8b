"""The window shell: navigation by keyboard, a Stop that is always reachable, safe closing."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.main_window import MainWindow
from desktop.widgets import Page


class One(Page):
    title = "One"


class Two(Page):
    title = "Two"


async def test_keyboard_navigation_and_stop(qtbot: QtBot) -> None:
    stops: list[int] = []
    window = MainWindow([One(), Two()], on_stop=lambda: stops.append(1))
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    assert window.stack.currentIndex() == 0
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    assert window.stack.currentIndex() == 1
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert stops == []  # nothing running: Stop is disabled
    window.set_stop_enabled(True)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert stops == [1]
    await asyncio.sleep(0)


def test_close_is_intercepted_until_allowed(qtbot: QtBot) -> None:
    window = MainWindow([One()], on_stop=lambda: None)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.close_requested):
        window.close()
    assert window.isVisible()
    window.allow_close()
    window.close()
    assert not window.isVisible()
