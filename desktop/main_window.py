"""The one window: a column of large page buttons, the page, and a Stop that is always there."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.buttons import ActionButton
from desktop.theme import MIN_WINDOW, SPACE

if TYPE_CHECKING:
    from desktop.widgets import Page

# Nothing here touches PySide6's `Qt` namespace before the window has painted: building
# its Python enums takes about 20 ms (issue 13); `_finish` sets what needs them, after.
# The page column's share of the window beyond which its labels go onto two lines.
NAV_SHARE = 0.26
# Text size from the keyboard, as in a browser: larger, smaller, back to the default.
TEXT_SIZE_KEYS = (
    (("Ctrl++", "Ctrl+="), +1),
    (("Ctrl+-",), -1),
    (("Ctrl+0",), 0),
)


def page_key(page_type: type[Page]) -> str:
    """A page class's name, so a slot can name its page without importing its module."""
    return f"{page_type.__module__}:{page_type.__qualname__}"


class PageSlot(NamedTuple):
    """A page the sidebar offers, built the first time it is shown (a fast first window:
    building all nine pages, and importing their modules, took most of start-up). A
    NamedTuple: quicker to define at start-up than a frozen dataclass."""

    title: str
    key: str  # page_key of the class `make` returns
    make: Callable[[], Page]

    @staticmethod
    def ready(page: Page) -> PageSlot:
        return PageSlot(page.title, page_key(type(page)), lambda: page)


class MainWindow(QMainWindow):
    """Pages on the right, navigation on the left (Alt+1..9), Stop at the top (Esc).

    Pages are built on demand (`page_at`, `page`): the sidebar, the shortcuts and Stop
    exist from the start; a page's widgets and module only when it is first shown or
    asked for. `pages` builds them all (the layout audit, tests).

    The window can be shown before its pages can be built (`waiting`: the start shows it
    while the log opens, desktop/shell.py); `fill` then gives it the slots that build them.
    A page chosen, or a close asked for, while waiting is carried out by `fill`.
    """

    close_requested = Signal()
    closing_shown = Signal(str)
    page_built = Signal(object)  # a Page, just built (the app wires it to the others)
    stop_requested = Signal()  # Stop or Esc (enabled only while something runs)
    text_step_requested = Signal(int)  # Ctrl+plus (+1), Ctrl+minus (-1), Ctrl+0 (0)

    def __init__(
        self,
        pages: Sequence[Page | PageSlot],
        on_stop: Callable[[], None] | None = None,
        on_text_step: Callable[[int], None] | None = None,
        first: int | None = 0,
        waiting: str = "",
    ) -> None:
        super().__init__()
        self.setWindowTitle("Thenar")
        self.setMinimumSize(*MIN_WINDOW)
        self.slots = [p if isinstance(p, PageSlot) else PageSlot.ready(p) for p in pages]
        self._built: dict[int, Page] = {}
        self._allow_close = False
        self.waiting = bool(waiting)  # shown before `fill`: no page can be built yet
        self._chosen: int | None = None  # a page chosen while waiting
        self._close_asked = False  # closing asked for while waiting
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(SPACE.gap, SPACE.gap, SPACE.gap, SPACE.gap)
        outer.setSpacing(SPACE.gap)
        header = QHBoxLayout()
        self.connection_label = QLabel("Massager: not connected")
        self.connection_label.setAccessibleName("Connection state")
        self.connection_label.setWordWrap(True)
        header.addWidget(self.connection_label, 1)
        self.closing_notice = QLabel()  # "Stopping the massager…" while closing mid-massage
        self.closing_notice.setObjectName("pausedBanner")
        self.closing_notice.setWordWrap(True)
        self.closing_notice.setVisible(False)
        header.addWidget(self.closing_notice, 2)
        self.stop_button = ActionButton("■ Stop massage (Esc)", "Stop the massage now")
        self.stop_button.setObjectName("stopButton")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop_requested)
        if on_stop is not None:
            self.stop_requested.connect(on_stop)
        header.addWidget(self.stop_button)
        outer.addLayout(header)

        body = QHBoxLayout()
        body.setSpacing(SPACE.gap)
        self.nav_panel = QWidget()
        nav = QVBoxLayout(self.nav_panel)
        nav.setContentsMargins(0, 0, 0, 0)
        nav.setSpacing(SPACE.gap)
        self.stack = QStackedWidget()
        self.nav_group = QButtonGroup(self)
        self.nav_group.setExclusive(True)
        self.nav_buttons: list[ActionButton] = []
        self.shortcuts: list[QShortcut] = []
        for index, slot in enumerate(self.slots):
            button = ActionButton(f"{index + 1}  {slot.title}", f"Open {slot.title}")
            button.setToolTip(f"Alt+{index + 1}")
            button.setCheckable(True)
            if index < 9:
                key = self._shortcut(f"Alt+{index + 1}")
                key.activated.connect(lambda i=index: self.show_page(i))
            self.nav_group.addButton(button, index)
            self.nav_buttons.append(button)
            nav.addWidget(button)
            self.stack.addWidget(QWidget())  # the page's place until it is built
        nav.addStretch(1)
        self.waiting_label = QLabel(waiting)  # "Opening your health log…" until `fill`
        self.waiting_label.setObjectName("stepTitle")
        self.waiting_label.setWordWrap(True)
        first_place = self.stack.widget(0)
        if waiting and first_place is not None:
            box = QVBoxLayout(first_place)
            box.addWidget(self.waiting_label)
            box.addStretch(1)
        self.nav_group.idClicked.connect(self.show_page)
        # The buttons keep one width on every page and at every text size (the widest
        # label's); on a short screen the column scrolls rather than squeezing them.
        self.nav_scroll = QScrollArea()
        self.nav_scroll.setWidget(self.nav_panel)
        self.nav_scroll.setWidgetResizable(True)
        self.nav_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.nav_scroll.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        body.addWidget(self.nav_scroll)
        body.addWidget(self.stack, 1)
        outer.addLayout(body, 1)
        self.setCentralWidget(central)

        # Esc stops wherever focus is (a file dialog included): stopping is always safe, so
        # no confirmation. It is on only while Stop is, so otherwise Esc closes dialogs.
        self.stop_key = self._shortcut("Esc")
        self.stop_key.setEnabled(False)
        self.stop_key.activated.connect(self.stop_button.click)
        self.text_keys: list[QShortcut] = []
        for sequences, step in TEXT_SIZE_KEYS:
            for sequence in sequences:
                key = self._shortcut(sequence)
                key.activated.connect(lambda s=step: self.text_step_requested.emit(s))
                self.text_keys.append(key)
        if on_text_step is not None:
            self.text_step_requested.connect(on_text_step)
        self._fit_nav()
        if not self.waiting:
            self._finish()
            if self.slots and first is not None:
                self.show_page(first)  # the only page built now

    def _shortcut(self, sequence: str) -> QShortcut:
        key = QShortcut(QKeySequence(sequence), self)
        self.shortcuts.append(key)
        return key

    def _finish(self) -> None:
        """What needs PySide6's `Qt` enums, set once the window has painted (or at once,
        for a window that does not wait): the keys work wherever focus is (a file dialog
        included), the buttons take focus by click, the page column never scrolls sideways."""
        from PySide6.QtCore import Qt

        for key in self.shortcuts:
            key.setContext(Qt.ShortcutContext.ApplicationShortcut)
        for button in (self.stop_button, *self.nav_buttons):
            button.take_focus_on_click()
        self.nav_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.nav_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def fill(self, slots: Sequence[PageSlot], first: int) -> None:
        """Give a waiting window the slots that build its pages (the same titles and
        pages, in the same order), then show the page chosen while it waited, or `first`.
        A close asked for while waiting is asked for again now."""
        if [(s.title, s.key) for s in slots] != [(s.title, s.key) for s in self.slots]:
            raise ValueError("fill: the slots must name the sidebar's pages, in its order")
        self.slots = list(slots)
        self.waiting = False
        self._finish()
        self.show_page(first if self._chosen is None else self._chosen)
        self.waiting_label.setVisible(False)
        if self._close_asked:
            self._close_asked = False
            self.close_requested.emit()

    def _fit_nav(self) -> None:
        """One width for every page button: the widest label at the current text size.

        A label wider than its share of the window (large text on a small screen) goes
        onto two lines, so the page keeps room for its own buttons beside the column.
        """
        budget = int(self.width() * NAV_SHARE)
        for index, (button, slot) in enumerate(zip(self.nav_buttons, self.slots, strict=True)):
            label = f"{index + 1}  {slot.title}"
            button.setText(label)
            if _needed_width(button) > budget:
                button.setText(_two_lines(button, index + 1, slot.title))
        widest = max((_needed_width(b) for b in self.nav_buttons), default=0)
        for button in self.nav_buttons:
            button.setFixedWidth(widest)
        bar = self.nav_scroll.verticalScrollBar().sizeHint().width()
        self.nav_scroll.setFixedWidth(widest + bar + SPACE.gap)

    def restyled(self) -> None:
        """The theme changed (desktop.theme.apply_theme calls this): fit the buttons again."""
        self._fit_nav()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit_nav()

    @property
    def titles(self) -> list[str]:
        return [slot.title for slot in self.slots]

    @property
    def pages(self) -> list[Page]:
        """Every page, built if it was not yet."""
        return [self.page_at(index) for index in range(len(self.slots))]

    def built_pages(self) -> list[Page]:
        return [self._built[index] for index in sorted(self._built)]

    def page_at(self, index: int) -> Page:
        """The page in the sidebar's `index`-th place, built now if it was not yet."""
        page = self._built.get(index)
        if page is not None:
            return page
        slot = self.slots[index]
        page = slot.make()
        if page.title != slot.title or page_key(type(page)) != slot.key:
            raise TypeError(f"slot {slot.title!r} made a {type(page).__name__}")
        self._built[index] = page
        from desktop.widgets import quiet_wheels  # with its `Qt` enums: after the first paint

        quiet_wheels(page)  # the wheel scrolls the page unless a control has focus
        holder = self.stack.widget(index)
        assert holder is not None
        current = self.stack.currentIndex()
        self.stack.insertWidget(index, page)
        self.stack.removeWidget(holder)
        holder.deleteLater()
        self.stack.setCurrentIndex(current)
        self.page_built.emit(page)
        return page

    def index_of(self, page_type: type[Page]) -> int:
        key = page_key(page_type)
        for index, slot in enumerate(self.slots):
            if slot.key == key:
                return index
        for index, page in self._built.items():  # a subclass of the one asked for
            if isinstance(page, page_type):
                return index
        raise KeyError(page_type)

    def page(self, page_type: type[Page]) -> Page:
        """The page of this type, built now if it was not yet."""
        return self.page_at(self.index_of(page_type))

    def built_page(self, page_type: type[Page]) -> Page | None:
        """The page of this type if it has been built, without building it."""
        return self._built.get(self.index_of(page_type))

    def show_page(self, index: int) -> None:
        if self.waiting:  # no page can be built yet: `fill` shows it
            self._chosen = index
            self.nav_buttons[index].setChecked(True)
            return
        page = self.page_at(index)
        self.stack.setCurrentIndex(index)
        self.nav_buttons[index].setChecked(True)
        page.shown()

    def show_page_of(self, page_type: type[Page]) -> None:
        self.show_page(self.index_of(page_type))

    def set_stop_enabled(self, on: bool) -> None:
        """Stop (and Esc) on while something runs that it can stop."""
        self.stop_button.setEnabled(on)
        self.stop_key.setEnabled(on)

    def set_connection_text(self, text: str) -> None:
        self.connection_label.setText(f"Massager: {text}")

    def show_closing(self, text: str) -> None:
        """Say what closing is waiting for (the massager stopping), in the window itself."""
        self.closing_notice.setText(text)
        self.closing_notice.setAccessibleName(text)
        self.closing_notice.setVisible(True)
        self.closing_shown.emit(text)

    def allow_close(self) -> None:
        self._allow_close = True

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing never just kills a running massage: the app stops it first."""
        if self._allow_close:
            event.accept()
            return
        event.ignore()
        if self.waiting:  # nothing can be stopped or closed in order yet: `fill` asks again
            self._close_asked = True
            return
        self.close_requested.emit()


def _needed_width(button: QPushButton) -> int:
    """The width `button` needs for its whole label (its size hint, with room to spare)."""
    button.ensurePolished()
    metrics = button.fontMetrics()
    text = max(metrics.horizontalAdvance(line) for line in button.text().split("\n"))
    return max(button.sizeHint().width(), text + 2 * metrics.averageCharWidth() + 40)


def _two_lines(button: QPushButton, number: int, title: str) -> str:
    """'9  Without the\nmassager': the break that makes the wider line narrowest."""
    words = title.split()
    if len(words) < 2:
        return f"{number}  {title}"
    metrics = button.fontMetrics()

    def wider(k: int) -> int:
        first = f"{number}  {' '.join(words[:k])}"
        return max(metrics.horizontalAdvance(first), metrics.horizontalAdvance(" ".join(words[k:])))

    k = min(range(1, len(words)), key=wider)
    return f"{number}  {' '.join(words[:k])}\n{' '.join(words[k:])}"
