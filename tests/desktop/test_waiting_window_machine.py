"""The waiting window (desktop.shell) through any order of clicks, keys, closes and the
moment its pages arrive: what the person asked for while it waited is carried out once,
nothing is built before the pages can be, and the keys work everywhere once it is filled."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop.main_window import MainWindow, PageSlot, page_key
from desktop.widgets import Page


class One(Page):
    title = "One"


class Two(Page):
    title = "Two"


class Three(Page):
    title = "Three"


PAGES = (One, Two, Three)
INDEX = st.integers(min_value=0, max_value=len(PAGES) - 1)


class WaitingWindow(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        QApplication.instance() or QApplication([])
        self.made: list[int] = []
        self.window = MainWindow(
            [PageSlot(p.title, page_key(p), self._refuse) for p in PAGES], waiting="Opening…"
        )
        self.window.show()
        self.closes: list[int] = []
        self.steps: list[int] = []
        self.window.close_requested.connect(lambda: self.closes.append(1))
        self.window.text_step_requested.connect(self.steps.append)
        # the model
        self.waiting = True
        self.chosen: int | None = None
        self.current: int | None = None
        self.close_pending = False
        self.expected_closes = 0
        self.expected_steps: list[int] = []

    @staticmethod
    def _refuse() -> Page:
        raise AssertionError("a page was built while the window waited")

    def _slot(self, index: int) -> PageSlot:
        page_type = PAGES[index]

        def make() -> Page:
            self.made.append(index)
            return page_type()

        return PageSlot(page_type.title, page_key(page_type), make)

    def _choose(self, index: int) -> None:
        if self.waiting:
            self.chosen = index
        else:
            self.current = index

    @rule(index=INDEX)
    def click_a_page_button(self, index: int) -> None:
        self.window.nav_buttons[index].click()
        self._choose(index)

    @rule(index=INDEX)
    def press_alt_and_its_number(self, index: int) -> None:
        self.window.shortcuts[index].activated.emit()
        self._choose(index)

    @rule()
    def close_the_window(self) -> None:
        self.window.close()
        if self.waiting:
            self.close_pending = True
        else:
            self.expected_closes += 1

    @rule(step=st.sampled_from((-1, 0, 1)))
    def press_a_text_size_key(self, step: int) -> None:
        sequence = {1: "Ctrl++", -1: "Ctrl+-", 0: "Ctrl+0"}[step]
        key = next(k for k in self.window.text_keys if k.key().toString() == sequence)
        key.activated.emit()
        self.expected_steps.append(step)

    @precondition(lambda self: self.waiting)
    @rule(first=INDEX)
    def the_log_is_open(self, first: int) -> None:
        self.window.fill([self._slot(i) for i in range(len(PAGES))], first)
        self.waiting = False
        self.current = first if self.chosen is None else self.chosen
        if self.close_pending:
            self.expected_closes += 1
            self.close_pending = False

    @invariant()
    def nothing_is_built_while_waiting(self) -> None:
        assert self.window.waiting == self.waiting
        if self.waiting:
            assert self.made == []
            assert self.window.built_pages() == []
            assert self.window.waiting_label.isVisibleTo(self.window)

    @invariant()
    def the_page_asked_for_is_the_page_shown(self) -> None:
        if self.waiting:
            if self.chosen is not None:  # the choice is seen on its button
                assert self.window.nav_buttons[self.chosen].isChecked()
            return
        assert self.current is not None
        page = self.window.built_page(PAGES[self.current])
        assert page is not None
        assert self.window.stack.currentWidget() is page
        assert self.window.nav_buttons[self.current].isChecked()
        assert not self.window.waiting_label.isVisibleTo(self.window)
        assert sorted(set(self.made)) == sorted(self.made)  # each page built once

    @invariant()
    def a_close_is_asked_for_once_each_time(self) -> None:
        assert self.window.isVisible()  # closing is the app's to do, in order
        assert len(self.closes) == self.expected_closes
        assert self.steps == self.expected_steps

    @invariant()
    def the_keys_work_everywhere_once_filled(self) -> None:
        contexts = {k.context() for k in self.window.shortcuts}
        wanted = (
            Qt.ShortcutContext.WindowShortcut
            if self.waiting
            else Qt.ShortcutContext.ApplicationShortcut
        )
        assert contexts == {wanted}

    def teardown(self) -> None:
        self.window.allow_close()
        self.window.close()
        self.window.deleteLater()


WaitingWindow.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestWaitingWindow = WaitingWindow.TestCase
