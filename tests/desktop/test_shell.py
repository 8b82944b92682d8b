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


# --- the waiting window: shown before the log is open (desktop.shell, issue 13) -----------


def waiting_window(qtbot: QtBot) -> tuple[MainWindow, list[str], list[PageSlot]]:
    """A window of the two test pages, waiting as desktop.shell's does, with the slots
    that `fill` gives it; `made` records which pages those build."""
    made: list[str] = []

    def slot(page_type: type[Page], make: bool) -> PageSlot:
        def build() -> Page:
            if not make:
                raise RuntimeError("built while waiting")
            made.append(page_type.title)
            return page_type()

        return PageSlot(page_type.title, page_key(page_type), build)

    window = MainWindow([slot(One, False), slot(Two, False)], waiting="Opening your log…")
    qtbot.addWidget(window)
    return window, made, [slot(One, True), slot(Two, True)]


def test_a_waiting_window_builds_nothing_and_shows_the_page_chosen_meanwhile(
    qtbot: QtBot,
) -> None:
    window, made, slots = waiting_window(qtbot)
    window.show()
    assert window.waiting
    assert window.waiting_label.isVisible()
    assert window.waiting_label.text() == "Opening your log…"
    qtbot.mouseClick(window.nav_buttons[1], Qt.MouseButton.LeftButton)  # chosen while waiting
    assert made == []
    assert window.built_pages() == []
    assert window.nav_buttons[1].isChecked()  # the choice is seen
    window.fill(slots, first=0)
    assert not window.waiting
    assert made == ["Two"]  # the page chosen, not `first`
    assert window.stack.currentWidget() is window.page(Two)
    assert not window.waiting_label.isVisible()


def test_a_filled_window_shows_its_first_page(qtbot: QtBot) -> None:
    window, made, slots = waiting_window(qtbot)
    window.show()
    window.fill(slots, first=1)
    assert made == ["Two"]
    assert window.nav_buttons[1].isChecked()
    qtbot.mouseClick(window.nav_buttons[0], Qt.MouseButton.LeftButton)
    assert made == ["Two", "One"]
    assert window.stack.currentWidget() is window.page(One)


def test_closing_a_waiting_window_is_asked_again_once_it_is_filled(qtbot: QtBot) -> None:
    """Nothing can close in order before the app is built (a massage, the log): the
    close waits, and is asked for again, once, when the pages are there."""
    window, _made, slots = waiting_window(qtbot)
    window.show()
    asked: list[int] = []
    window.close_requested.connect(lambda: asked.append(1))
    window.close()
    assert window.isVisible()
    assert asked == []
    window.fill(slots, first=0)
    assert asked == [1]
    window.fill(slots, first=0)
    assert asked == [1]


def test_fill_refuses_slots_for_other_pages(qtbot: QtBot) -> None:
    window, _made, slots = waiting_window(qtbot)
    swapped = list(reversed(slots))
    with pytest.raises(ValueError, match="in its order"):
        window.fill(swapped, first=0)
    assert window.waiting


def test_the_shell_window_names_every_page_and_paints_before_the_log_opens(
    qtbot: QtBot,
) -> None:
    """desktop.shell's window: the sidebar's nine pages in order, the waiting words in
    the page's place, painted by Qt's own loop (no asyncio loop yet)."""
    from PySide6.QtWidgets import QApplication

    from appcore.settings import Settings
    from desktop import shell

    qapp = QApplication.instance()
    assert isinstance(qapp, QApplication)
    window = shell.make_window(qapp, Settings(text_scale=1.5))
    qtbot.addWidget(window)
    assert window.titles == [title for title, _key in shell.PAGES]
    assert window.waiting_label.text() == shell.WAITING_WORDS
    assert not shell.paint_now(window, timeout_ms=50)  # hidden: it cannot paint, and says so
    window.show()
    assert shell.paint_now(window)
    with pytest.raises(RuntimeError, match=r"MainWindow\.fill"):
        window.page_at(0)
