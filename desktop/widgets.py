"""Small building blocks every page uses, so each looks and behaves the same.

Why this module is long: a catalogue of small, independent building blocks (labels,
buttons, the wheel and arrow-key guards, `Page`, `ActionFlow`), each short; one module
is where every page takes its shared look and behaviour from.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QFrame,
    QLabel,
    QLayout,
    QLayoutItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.buttons import ActionButton as ActionButton
from desktop.buttons import big_button as big_button
from desktop.buttons import plain_enter
from desktop.theme import SPACE
from therapy.questionnaire import YES, Option, Question

if TYPE_CHECKING:
    from PySide6.QtWidgets import QLineEdit

# Only the Qt classes the first window shows are imported here: PySide6 builds a class's
# Python enums when the class is first used (QStyle's alone take about 16 ms). The number,
# time and date boxes, the rows list and the wrapping check box are in desktop.controls.

# Yes/no questions whose safe answer is "Yes" (the person could stop it; someone is there).
# Everywhere else the safe answer is the question's first option ("No", "Yes, normally",
# "None of these"). Shown answers always put the safe one first.
SAFE_YES = frozenset({"report_discomfort", "helper_present"})

def shown_options(q: Question) -> tuple[Option, ...]:
    """The question's options in the order shown: the safe answer first, everywhere."""
    if q.question_id not in SAFE_YES:
        return q.options
    yes = [o for o in q.options if o.option_id == YES]
    return (*yes, *(o for o in q.options if o.option_id != YES))


def page_title(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("pageTitle")
    label.setWordWrap(True)  # a long title at 200% text on a small screen: two lines, not cut
    label.setAccessibleName(text)
    return label


def paragraph(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def notice(text: str = "") -> QLabel:
    """A framed message line for errors and outcomes, read out by screen readers."""
    label = QLabel(text)
    label.setObjectName("notice")
    label.setWordWrap(True)
    label.setAccessibleName("Message")
    label.setVisible(bool(text))
    return label


def limit_text(edit: QLineEdit, limit: int, example: str = "") -> str:
    """Cap a text field at `limit` characters; returns "up to N characters" for its label.

    The limit is also the field's tooltip and accessible description, and its placeholder
    when there is no example to show.
    """
    edit.setMaxLength(limit)
    rule = f"up to {limit} characters"
    edit.setPlaceholderText(example or rule.capitalize())
    edit.setToolTip(rule.capitalize())
    edit.setAccessibleDescription(rule.capitalize())
    return rule


# --- the wheel scrolls the page unless the control has focus ------------------------


class _WheelGuard(QObject):
    """Hands a wheel turn over an unfocused control to the page, which scrolls."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() != QEvent.Type.Wheel
            or not isinstance(watched, QWidget)
            or watched.hasFocus()
        ):
            return False
        area = watched.parentWidget()
        while area is not None and not isinstance(area, QAbstractScrollArea):
            area = area.parentWidget()
        if area is not None:  # the scroll area this control sits in scrolls instead
            QApplication.sendEvent(area.viewport(), event)
            event.accept()
        else:  # handled but not accepted: Qt offers it to the parent
            event.ignore()
        return True


_WHEEL_GUARD = _WheelGuard()
# By Qt class name (QObject.inherits), which needs no Python class for each of them.
WHEEL_TYPES = ("QComboBox", "QAbstractSpinBox", "QAbstractSlider")


def quiet_wheel(widget: QWidget) -> None:
    """The wheel changes `widget` only once it has focus (a click or Tab gives it)."""
    widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # a wheel turn no longer takes focus
    widget.removeEventFilter(_WHEEL_GUARD)
    widget.installEventFilter(_WHEEL_GUARD)


def descendant_widgets(root: QWidget) -> Iterator[QWidget]:
    """Every widget under `root`, in the order of `findChildren(QWidget)`.

    One level at a time: PySide6's recursive search wraps every object under `root`,
    a rich-text label's text document included, and so builds Python classes the page
    never uses (QTextDocument's). `children()` is worse: wrapping one of Qt's private
    objects (a label's text control) builds every class of QtWidgets (issue 13)."""
    direct = Qt.FindChildOption.FindDirectChildrenOnly
    for child in root.findChildren(QWidget, options=direct):
        yield child
        yield from descendant_widgets(child)


def quiet_wheels(root: QWidget) -> list[QWidget]:
    """`quiet_wheel` for every combo box, spin box and slider under `root`; returns them."""
    found: list[QWidget] = [
        w
        for w in descendant_widgets(root)
        if any(w.inherits(name) for name in WHEEL_TYPES)
        and not w.inherits("QScrollBar")  # bars scroll, always
    ]
    for widget in found:
        quiet_wheel(widget)
    return found


# --- arrow keys move the focus; only a visible press picks ------------------------------

ARROW_STEPS = {
    Qt.Key.Key_Up: -1,
    Qt.Key.Key_Left: -1,
    Qt.Key.Key_Down: +1,
    Qt.Key.Key_Right: +1,
}


class _ArrowsMoveFocus(QObject):
    """Qt's arrow keys in a button group also *check* the next button: here they only move."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        step = ARROW_STEPS.get(Qt.Key(event.key()))
        if step is None or not isinstance(watched, QAbstractButton):
            return False
        group = watched.group()
        if event.modifiers() == Qt.KeyboardModifier.NoModifier and group is not None:
            buttons = [b for b in group.buttons() if b.isVisible() and b.isEnabled()]
            if watched in buttons:
                index = min(max(buttons.index(watched) + step, 0), len(buttons) - 1)
                buttons[index].setFocus(Qt.FocusReason.TabFocusReason)
        return True  # Alt+arrow and the like do nothing here


_ARROW_GUARD = _ArrowsMoveFocus()


def arrows_move_focus_only(button: QAbstractButton) -> None:
    """In `button`'s group, arrow keys move the focus and never change the answer."""
    button.removeEventFilter(_ARROW_GUARD)
    button.installEventFilter(_ARROW_GUARD)


class Page(QWidget):
    """A main-window page: a title, its content in a scroll area, and an action bar.

    The content (`layout_`) scrolls when the window is small or the text large; the
    action bar (`actions`) below it never scrolls, so a page's main action (Next,
    Start, Stop, Save, Pair) is always in view. Enter that no control took presses
    the page's `default_button`, if it has one.
    """

    title = "Page"
    scrolls = True  # False: the page has its own scroll area (no scroll area in a scroll area)

    def __init__(self) -> None:
        super().__init__()
        self.default_button: QPushButton | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(SPACE.page_x, SPACE.page_y, SPACE.page_x, SPACE.page_y)
        outer.setSpacing(SPACE.gap)
        outer.addWidget(page_title(self.title))
        body = QWidget()
        body.setObjectName("pageBody")
        self.layout_ = QVBoxLayout(body)
        self.layout_.setContentsMargins(0, 0, SPACE.gap, 0)
        self.layout_.setSpacing(SPACE.gap + 4)
        self.scroller = page_scroller(body) if self.scrolls else None
        outer.addWidget(self.scroller or body, 1)
        self.action_bar = QWidget()
        self.action_bar.setObjectName("actionBar")
        self.footer = QVBoxLayout(self.action_bar)  # messages that must stay in view go here
        self.footer.setContentsMargins(0, SPACE.gap, 0, 0)
        self.footer.setSpacing(SPACE.gap)
        self.action_buttons = ActionFlow()  # wraps rather than cuts a button
        self.footer.addLayout(self.action_buttons)
        outer.addWidget(self.action_bar)

    def action_stack(self, pages: QStackedWidget) -> QStackedWidget:
        """Action rows that follow `pages`: add one row widget per page, in the same order."""
        rows = QStackedWidget()
        rows.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        pages.currentChanged.connect(rows.setCurrentIndex)
        # QStackedLayout asks every row, shown or not, for its height (`_Row` answers 0
        # while hidden): the bar is as tall as the row it shows.
        rows.currentChanged.connect(lambda _index: rows.updateGeometry())
        self.footer.addWidget(rows)
        return rows

    def showEvent(self, event: QShowEvent) -> None:
        """No empty bar: it shows only when the page put something in it."""
        used = any(isinstance(w, QWidget) for w in self.action_bar.children())
        self.action_bar.setVisible(used)
        super().showEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        button = self.default_button
        if plain_enter(event) and button is not None and button.isVisible():
            if button.isEnabled():
                button.click()
            event.accept()
            return
        super().keyPressEvent(event)

    def shown(self) -> None:
        """Refresh on opening (override)."""


class _Row(QWidget):
    """An action row that takes no height while an action stack hides it: QStackedLayout
    asks each of its widgets for its heightForWidth, shown or not, so a wrapped row of one
    panel (Massage's "End the session" and "Resume where it stopped" at 200% text) kept
    its two lines of room under every other panel's single line."""

    def heightForWidth(self, width: int) -> int:
        return 0 if self.isHidden() else super().heightForWidth(width)


def action_row(*items: QWidget | None) -> QWidget:
    """A row of buttons for an action bar; None is a stretch (pushes the rest right)."""
    row = _Row()
    layout = ActionFlow(row)
    layout.setContentsMargins(0, 0, 0, 0)
    for item in items:
        if item is None:
            layout.addStretch(1)
        else:
            layout.addWidget(item)
    return row


def page_scroller(body: QWidget) -> QScrollArea:
    """The page's scroll area: vertical as needed, sideways only if a line cannot wrap."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the controls; they scroll in
    area.setWidget(body)
    return area


class ActionFlow(QLayout):
    """A row of buttons that wraps onto a second line when the window is narrow or the
    text large, so no button is ever cut. `addStretch` marks where a line's spare
    room goes (what follows sits on the right), as in a QHBoxLayout."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._stretch_before: set[int] = set()  # indexes of items that follow a stretch
        self.setSpacing(SPACE.gap)

    # QLayout's interface
    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def addWidget(self, widget: QWidget, stretch: int = 0) -> None:
        del stretch  # a flow gives each button its own width
        super().addWidget(widget)

    def addStretch(self, stretch: int = 1) -> None:
        del stretch
        self._stretch_before.add(len(self._items))

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        if 0 <= index < len(self._items):
            return self._items.pop(index)
        return None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._place(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._place(rect, move=True)

    def sizeHint(self) -> QSize:
        widths = [i.sizeHint().width() for i in self._visible()]
        height = max((i.sizeHint().height() for i in self._visible()), default=0)
        margins = self.contentsMargins()
        gaps = self.spacing() * max(0, len(widths) - 1)
        return QSize(sum(widths) + gaps + margins.left() + margins.right(), height)

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._visible():
            size = size.expandedTo(item.minimumSize())
        margins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def _visible(self) -> list[QLayoutItem]:
        return [i for i in self._items if not i.isEmpty()]

    def _place(self, rect: QRect, *, move: bool) -> int:
        margins = self.contentsMargins()
        area = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        gap = self.spacing()
        lines: list[list[tuple[int, QLayoutItem, QSize]]] = [[]]
        used = 0
        for index, item in enumerate(self._items):
            if item.isEmpty():
                continue
            hint = item.sizeHint().boundedTo(QSize(area.width(), 1 << 20))
            hint = hint.expandedTo(item.minimumSize())
            widget = item.widget()
            if hint.width() <= 0 and widget is not None:
                hint = widget.minimumSizeHint()
            need = hint.width() + (gap if lines[-1] else 0)
            if lines[-1] and used + need > area.width():
                lines.append([])
                used, need = 0, hint.width()
            if item.hasHeightForWidth():
                hint.setHeight(item.heightForWidth(hint.width()))
            lines[-1].append((index, item, hint))
            used += need
        y = area.y()
        for line in lines:
            if not line:
                continue
            height = max(h.height() for _, _, h in line)
            widths = sum(h.width() for _, _, h in line) + gap * (len(line) - 1)
            spare = max(0, area.width() - widths)
            breaks = [n for n, (i, _, _) in enumerate(line) if i in self._stretch_before and n]
            x = area.x()
            for n, (_, item, hint) in enumerate(line):
                if breaks and n == breaks[0]:
                    x += spare
                if move:
                    item.setGeometry(QRect(QPoint(x, y), QSize(hint.width(), height)))
                x += hint.width() + gap
            y += height + gap
        return y - gap - area.y() + margins.top() + margins.bottom() if y > area.y() else 0


# Room left on the screen for the window manager's title bar and frame around a dialog.
SCREEN_MARGIN_PX = 64


def fit_to_screen(dialog: QWidget, width: int, height: int) -> None:
    """Size a dialog as it would like, but never beyond the screen it opens on.

    A dialog sized from its font (so many lines of text) is taller than a 1024x600 or a
    1366x768 screen at large text, and its buttons (Check, Save, Close) would open off
    the bottom edge, out of reach. Its own scroll area takes what does not fit (issue 13).
    """
    owner = dialog.parentWidget() or dialog
    room = owner.screen().availableGeometry()
    dialog.resize(
        max(1, min(width, room.width() - SCREEN_MARGIN_PX // 2)),
        max(1, min(height, room.height() - SCREEN_MARGIN_PX)),
    )
