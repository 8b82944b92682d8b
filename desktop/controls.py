"""Controls only some pages use: number, time and date boxes that say why they refuse,
a list that keeps a few rows, and a check box whose text wraps.

Kept out of `desktop.widgets` so that the first window (Home) does not build these Qt
classes: PySide6 creates a class's Python enums when the class is first used, and
QStyle's alone take about 16 ms (issue 13, fast start). The check box imports QStyle
where it measures and paints itself, so the Massage page (a returning person's first
window), which needs only the rows list, does not build it either.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QPaintEvent, QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QListWidget,
    QSizePolicy,
    QSpinBox,
    QTimeEdit,
    QWidget,
)

from desktop.theme import MIN_TARGET_PX

# --- numbers and times that say why they refuse ----------------------------------------


Checked = tuple[QValidator.State, str, int]  # what `validate` answers


def _report(box: NumberBox | TimeBox | DateBox, result: object) -> Checked:
    """Pass Qt's verdict on, and say why when it refuses what was typed."""
    assert isinstance(result, tuple)
    state = QValidator.State(result[0])
    if state == QValidator.State.Invalid:
        box.problem.emit(box.explain)
    return state, str(result[1]), int(result[2])


class NumberBox(QSpinBox):
    """A spin box that says what it cannot take (in `problem`) instead of dropping keys."""

    problem = Signal(str)

    def __init__(self, low: int, high: int, what: str) -> None:
        super().__init__()
        self.setRange(low, high)
        self.explain = f"{what} can be a whole number from {low} to {high}."

    def validate(self, text: str, pos: int) -> Checked:
        return _report(self, super().validate(text, pos))


class TimeBox(QTimeEdit):
    """A time box that says what it cannot take (25:99) in `problem`."""

    problem = Signal(str)
    explain = "Type a time of day: hours from 0 to 23, minutes from 0 to 59."

    def validate(self, text: str, pos: int) -> Checked:
        return _report(self, super().validate(text, pos))


class DateBox(QDateEdit):
    """A date box that says what it cannot take in `problem`."""

    problem = Signal(str)
    explain = "Type a real date, or pick one from the calendar."

    def validate(self, text: str, pos: int) -> Checked:
        return _report(self, super().validate(text, pos))


class RowsList(QListWidget):
    """A list that never shrinks below `rows` rows of the current text size."""

    def __init__(self, rows: int) -> None:
        super().__init__()
        self.rows = rows
        # A height to fill with whole rows (a page's view, in one column), or None.
        self.room: Callable[[], int] | None = None
        self.setWordWrap(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(hint.width(), self._height(self.rows))

    def sizeHint(self) -> QSize:
        """A little more than the minimum: in a scrolling page, its preferred height is
        what it gets, and it must fit a short screen. With `room`: as many whole rows as
        fit in it, as the style draws them (`rows` at least, all of them at most)."""
        width = super().sizeHint().width()
        if self.room is None:
            return QSize(width, self._height(self.rows + 1))
        row, frame = self.row_px(), self._height(0)
        shown = max(self.rows, min((self.room() - frame) // row, self.count()))
        return QSize(width, row * shown + frame)

    def row_px(self) -> int:
        """The tallest row as the style draws it: the theme's targets grow with the text
        (86 px at 200%), past the one and a half lines `_height` counts."""
        least = round(self._row_estimate())
        return max([least, *(self.sizeHintForRow(i) for i in range(self.count()))])

    def _row_estimate(self) -> float:
        return max(self.fontMetrics().height() * 1.5, MIN_TARGET_PX)

    def _height(self, rows: int) -> int:
        return round(self._row_estimate() * rows) + 2 * self.frameWidth() + 4


class WrapCheckBox(QCheckBox):
    """A check box whose text wraps onto more lines instead of being cut (a long sentence
    at large text in a narrow window). Behaves as a QCheckBox: text(), toggled, Space."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def _indicator(self) -> tuple[int, int]:
        from PySide6.QtWidgets import QStyle, QStyleOptionButton  # only where one is shown

        option = QStyleOptionButton()
        self.initStyleOption(option)
        style = self.style()
        width = style.pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth, option, self)
        gap = style.pixelMetric(QStyle.PixelMetric.PM_CheckBoxLabelSpacing, option, self)
        return width, gap

    def _text_height(self, width: int) -> int:
        indicator, gap = self._indicator()
        room = max(1, width - indicator - gap - 4)
        flags = int(Qt.TextFlag.TextWordWrap)
        return (
            self.fontMetrics().boundingRect(QRect(0, 0, room, 1 << 20), flags, self.text()).height()
        )

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return max(super().sizeHint().height(), self._text_height(width) + 8)

    def minimumSizeHint(self) -> QSize:
        indicator, gap = self._indicator()
        words = max(
            (self.fontMetrics().horizontalAdvance(w) for w in self.text().split()), default=0
        )
        width = indicator + gap + words + 8
        return QSize(width, self.heightForWidth(width))

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(hint.width(), self.heightForWidth(hint.width()))

    def hitButton(self, pos: QPoint) -> bool:
        return self.rect().contains(pos)  # the whole box and its text, as people expect

    def paintEvent(self, _event: QPaintEvent) -> None:
        from PySide6.QtWidgets import (
            QStyle,
            QStyleOptionButton,
            QStyleOptionFocusRect,
            QStylePainter,
        )

        painter = QStylePainter(self)
        option = QStyleOptionButton()
        self.initStyleOption(option)
        indicator, gap = self._indicator()
        box = QRect(0, (self.height() - indicator) // 2, indicator, indicator)
        option.rect = box
        painter.drawPrimitive(QStyle.PrimitiveElement.PE_IndicatorCheckBox, option)
        text_rect = self.rect().adjusted(indicator + gap, 0, 0, 0)
        flags = int(Qt.TextFlag.TextWordWrap) | int(Qt.AlignmentFlag.AlignVCenter)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(text_rect, flags, self.text())
        if self.hasFocus():
            focus = QStyleOptionFocusRect()
            focus.initFrom(self)
            focus.rect = text_rect
            painter.drawPrimitive(QStyle.PrimitiveElement.PE_FrameFocusRect, focus)
