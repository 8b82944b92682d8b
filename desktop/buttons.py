"""The app's push button: Enter presses it as Space does, on every page.

Its own module, apart from desktop.widgets, because the window's page buttons and Stop
are built before the first paint, and this module touches PySide6's `Qt` namespace only
when a key is pressed or `big_button` is called: building that namespace's Python enums
takes about 20 ms, which the window need not wait for (issue 13, desktop/shell.py).
"""

from __future__ import annotations

from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QPushButton


def plain_enter(event: QKeyEvent) -> bool:
    """Return or Enter (the keypad's too), with no other modifier held."""
    from PySide6.QtCore import Qt

    mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    keys = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
    return event.key() in keys and mods == Qt.KeyboardModifier.NoModifier


class ActionButton(QPushButton):
    """A push button that Enter and Return press as well as Space, on every page.

    In a dialog Qt's own rule stands (an auto-default button takes Enter, otherwise the
    dialog's default button does), so a scale button can leave Enter to "Check".
    """

    def __init__(self, text: str, accessible: str | None = None) -> None:
        super().__init__(text)
        self.setAccessibleName(accessible or text.replace("&", ""))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if plain_enter(event) and not self.window().inherits("QDialog"):
            if self.isEnabled():
                self.click()
            event.accept()
            return
        super().keyPressEvent(event)

    def take_focus_on_click(self) -> None:
        """Focus by click as well as by Tab (Qt's default everywhere but macOS)."""
        from PySide6.QtCore import Qt

        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)


def big_button(text: str, accessible: str | None = None) -> QPushButton:
    button = ActionButton(text, accessible)
    button.take_focus_on_click()
    return button
