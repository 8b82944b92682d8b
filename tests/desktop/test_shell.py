"""The window shell: navigation by keyboard, a Stop that is always reachable, safe closing."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.main_window import MainWindow, PageSlot, page_key
from desktop.widgets import Page
from tests.waiting import until


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
    await until(window.isActiveWindow)
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


def test_pages_are_built_when_first_shown_and_reachable_by_type(qtbot: QtBot) -> None:
    made: list[str] = []

    def slot(page_type: type[Page]) -> PageSlot:
        def make() -> Page:
            made.append(page_type.title)
            return page_type()

        return PageSlot(page_type.title, page_key(page_type), make)

    window = MainWindow([slot(One), slot(Two)], on_stop=lambda: None)
    qtbot.addWidget(window)
    window.show()
    assert made == ["One"]  # only the page on screen
    assert window.built_page(Two) is None
    assert [b.text() for b in window.nav_buttons] == ["1  One", "2  Two"]  # the sidebar: all
    qtbot.mouseClick(window.nav_buttons[1], Qt.MouseButton.LeftButton)
    assert made == ["One", "Two"]
    two = window.page(Two)
    assert window.stack.currentWidget() is two
    assert isinstance(two, Two)
    assert window.pages == [window.page(One), two]  # built once each
    assert made == ["One", "Two"]


def test_a_slot_that_makes_another_page_is_refused(qtbot: QtBot) -> None:
    window = MainWindow([PageSlot("Two", page_key(Two), One)], on_stop=lambda: None, first=None)
    qtbot.addWidget(window)
    with pytest.raises(TypeError):
        window.page(Two)
