"""One column when a page is narrow for its text, side by side when there is room.

A 1024x600 screen at 200% text leaves a page about 20 lines of text wide and a view
about 220 px tall: two columns there wrap every routine's name onto two lines and
squeeze a list and a drawing into a box that shows one row. In one column each gets
the page's width and the page's own scroll area scrolls past them. The page chooses
from its scroll area's width, in lines of its text, so the choice follows both the
window and the text size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QGridLayout, QLayout, QWidget

NARROW_LINES = 24  # narrower than 24 lines of text are tall: one column
# (1024x600 is 20 lines wide at 200% text and 28 at 150%; 1280x720 is 27 at 200%.)

Cell = tuple[int, int, int, int]  # row, column, rows, columns
Spots = Sequence[tuple[QWidget | QLayout, Cell]]


def is_narrow(width: int, line_px: int) -> bool:
    """Too narrow for two columns at this text size."""
    return width < NARROW_LINES * line_px


def place(grid: QGridLayout, spots: Spots) -> None:
    """Put each widget or layout in its cell, taking it out of the one it was in."""
    for item, _cell in spots:
        if isinstance(item, QWidget):
            grid.removeWidget(item)
        else:
            grid.removeItem(item)
    for item, (row, column, rows, columns) in spots:
        if isinstance(item, QWidget):
            grid.addWidget(item, row, column, rows, columns)
        else:
            grid.addLayout(item, row, column, rows, columns)


class OnResize(QObject):
    """Calls `then` after `watched` changed size (a scroll area's view: the window, the
    text size or the footer's message changed the room a page has)."""

    def __init__(self, watched: QWidget, then: Callable[[], None]) -> None:
        super().__init__(watched)
        self._then = then
        watched.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self._then()
        return False
