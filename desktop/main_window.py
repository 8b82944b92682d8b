"""The one window: a column of large page buttons, the page, and a Stop that is always there."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.widgets import Page, big_button, quiet_wheels


class MainWindow(QMainWindow):
    """Pages on the right, navigation on the left (Alt+1..9), Stop at the top (Esc)."""

    close_requested = Signal()

    def __init__(self, pages: Sequence[Page], on_stop: Callable[[], None]) -> None:
        super().__init__()
        self.setWindowTitle("Thenar")
        self.setMinimumSize(960, 680)
        self.pages = list(pages)
        self._allow_close = False
        central = QWidget()
        outer = QVBoxLayout(central)
        header = QHBoxLayout()
        self.connection_label = QLabel("Massager: not connected")
        self.connection_label.setAccessibleName("Connection state")
        header.addWidget(self.connection_label, 1)
        self.stop_button = big_button("■ Stop massage (Esc)", "Stop the massage now")
        self.stop_button.setObjectName("stopButton")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(on_stop)
        header.addWidget(self.stop_button)
        outer.addLayout(header)

        body = QHBoxLayout()
        nav = QVBoxLayout()
        self.stack = QStackedWidget()
        self.nav_group = QButtonGroup(self)
        self.nav_group.setExclusive(True)
        self.nav_buttons = []
        for index, page in enumerate(self.pages):
            button = big_button(f"{index + 1}  {page.title}", f"Open {page.title}")
            button.setToolTip(f"Alt+{index + 1}")
            button.setCheckable(True)
            if index < 9:
                key = QShortcut(QKeySequence(f"Alt+{index + 1}"), self)
                key.setContext(Qt.ShortcutContext.ApplicationShortcut)
                key.activated.connect(lambda i=index: self.show_page(i))
            button.setMinimumWidth(180)
            self.nav_group.addButton(button, index)
            self.nav_buttons.append(button)
            nav.addWidget(button)
            self.stack.addWidget(page)
            quiet_wheels(page)  # the wheel scrolls the page unless a control has focus
        nav.addStretch(1)
        self.nav_group.idClicked.connect(self.show_page)
        body.addLayout(nav)
        body.addWidget(self.stack, 1)
        outer.addLayout(body, 1)
        self.setCentralWidget(central)

        # Esc stops wherever focus is: stopping is always safe, so no confirmation.
        stop_key = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        stop_key.setContext(Qt.ShortcutContext.ApplicationShortcut)
        stop_key.activated.connect(self.stop_button.click)  # click() does nothing when disabled
        if self.pages:
            self.show_page(0)

    def show_page(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        self.nav_buttons[index].setChecked(True)
        self.pages[index].shown()

    def page(self, page_type: type[Page]) -> Page:
        for page in self.pages:
            if isinstance(page, page_type):
                return page
        raise KeyError(page_type)

    def show_page_of(self, page_type: type[Page]) -> None:
        self.show_page(self.pages.index(self.page(page_type)))

    def set_connection_text(self, text: str) -> None:
        self.connection_label.setText(f"Massager: {text}")

    def allow_close(self) -> None:
        self._allow_close = True

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing never just kills a running massage: the app stops it first."""
        if self._allow_close:
            event.accept()
            return
        event.ignore()
        self.close_requested.emit()
