"""Small building blocks every page uses, so each looks and behaves the same."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget


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


def big_button(text: str, accessible: str | None = None) -> QPushButton:
    button = QPushButton(text)
    button.setAccessibleName(accessible or text.replace("&", ""))
    button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    return button


class Page(QWidget):
    """A main-window page: a title, then content. `shown()` runs each time it is opened."""

    title = "Page"

    def __init__(self) -> None:
        super().__init__()
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(24, 16, 24, 16)
        self.layout_.setSpacing(12)
        self.layout_.addWidget(page_title(self.title))

    def shown(self) -> None:
        """Refresh on opening (override)."""
