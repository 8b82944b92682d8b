"""Small building blocks every page uses, so each looks and behaves the same."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QValidator
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDateEdit,
    QDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollBar,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from therapy.questionnaire import YES, Option, Question

# Yes/no questions whose safe answer is "Yes" (the person could stop it; someone is there).
# Everywhere else the safe answer is the question's first option ("No", "Yes, normally",
# "None of these"). Shown answers always put the safe one first.
SAFE_YES = frozenset({"report_discomfort", "helper_present"})

_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def shown_options(q: Question) -> tuple[Option, ...]:
    """The question's options in the order shown: the safe answer first, everywhere."""
    if q.question_id not in SAFE_YES:
        return q.options
    yes = [o for o in q.options if o.option_id == YES]
    return (*yes, *(o for o in q.options if o.option_id != YES))


def _plain_enter(event: QKeyEvent) -> bool:
    mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    return event.key() in _ENTER and mods == Qt.KeyboardModifier.NoModifier


def page_title(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("pageTitle")
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


class ActionButton(QPushButton):
    """A push button that Enter and Return press as well as Space, on every page.

    In a dialog Qt's own rule stands (an auto-default button takes Enter, otherwise the
    dialog's default button does), so a scale button can leave Enter to "Check".
    """

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if _plain_enter(event) and not isinstance(self.window(), QDialog):
            if self.isEnabled():
                self.click()
            event.accept()
            return
        super().keyPressEvent(event)


def big_button(text: str, accessible: str | None = None) -> QPushButton:
    button = ActionButton(text)
    button.setAccessibleName(accessible or text.replace("&", ""))
    button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    return button


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
WHEEL_TYPES = (QComboBox, QAbstractSpinBox, QAbstractSlider)


def quiet_wheel(widget: QWidget) -> None:
    """The wheel changes `widget` only once it has focus (a click or Tab gives it)."""
    widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # a wheel turn no longer takes focus
    widget.removeEventFilter(_WHEEL_GUARD)
    widget.installEventFilter(_WHEEL_GUARD)


def quiet_wheels(root: QWidget) -> list[QWidget]:
    """`quiet_wheel` for every combo box, spin box and slider under `root`; returns them."""
    found: list[QWidget] = [
        w
        for w in root.findChildren(QWidget)
        if isinstance(w, WHEEL_TYPES) and not isinstance(w, QScrollBar)  # bars scroll, always
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


class Page(QWidget):
    """A main-window page: a title, then content. `shown()` runs each time it is opened.

    Enter that no control took presses the page's `default_button`, if it has one.
    """

    title = "Page"

    def __init__(self) -> None:
        super().__init__()
        self.default_button: QPushButton | None = None
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(24, 16, 24, 16)
        self.layout_.setSpacing(12)
        self.layout_.addWidget(page_title(self.title))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        button = self.default_button
        if _plain_enter(event) and button is not None and button.isVisible():
            if button.isEnabled():
                button.click()
            event.accept()
            return
        super().keyPressEvent(event)

    def shown(self) -> None:
        """Refresh on opening (override)."""
