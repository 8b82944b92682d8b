"""Look and feel for stiff hands and tired eyes: large targets, readable text, high contrast.

One stylesheet for the whole app, derived from the person's text scale, so
every control grows with the text and nothing is styled one widget at a time.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

MIN_TARGET_PX = 48  # WCAG 2.5.5 asks 44 px; a little more for hands that ache
BASE_POINT_SIZE = 11.0


def apply_theme(app: QApplication, text_scale: float, high_contrast: bool) -> None:
    font = QFont(app.font())
    font.setPointSizeF(BASE_POINT_SIZE * text_scale)
    app.setFont(font)
    target = round(MIN_TARGET_PX * max(1.0, text_scale * 0.9))
    palette = QPalette()
    if high_contrast:
        for role, color in (
            (QPalette.ColorRole.Window, "#000000"),
            (QPalette.ColorRole.WindowText, "#ffffff"),
            (QPalette.ColorRole.Base, "#000000"),
            (QPalette.ColorRole.AlternateBase, "#1a1a1a"),
            (QPalette.ColorRole.Text, "#ffffff"),
            (QPalette.ColorRole.Button, "#000000"),
            (QPalette.ColorRole.ButtonText, "#ffffff"),
            (QPalette.ColorRole.Highlight, "#ffff00"),
            (QPalette.ColorRole.HighlightedText, "#000000"),
        ):
            palette.setColor(role, QColor(color))
    app.setPalette(palette)
    title_pt = BASE_POINT_SIZE * text_scale * 1.6
    focus = "#ffff00" if high_contrast else "#1f6feb"
    border = "#ffffff" if high_contrast else "#8a8f98"
    app.setStyleSheet(
        f"""
        QPushButton, QToolButton, QComboBox, QSpinBox, QLineEdit, QDateEdit, QTimeEdit {{
            min-height: {target}px; padding: 4px 14px;
        }}
        QPushButton {{ border: 2px solid {border}; border-radius: 8px; }}
        QPushButton:checked {{ background: {focus}; color: {"#000" if high_contrast else "#fff"}; }}
        QPushButton:disabled {{ color: #777; border-color: #555; }}
        *:focus {{ outline: 3px solid {focus}; }}
        QPushButton:focus, QComboBox:focus, QSpinBox:focus, QSlider:focus,
        QCheckBox:focus, QRadioButton:focus, QListWidget:focus {{
            border: 3px solid {focus};
        }}
        QListWidget::item {{ min-height: {target}px; padding: 0 8px; }}
        QSlider::groove:horizontal {{ height: 10px; }}
        QSlider::handle:horizontal {{ width: {target // 2}px; margin: -12px 0; }}
        QCheckBox::indicator, QRadioButton::indicator {{ width: 24px; height: 24px; }}
        QPushButton#stopButton {{
            background: #c62828; color: white; font-weight: bold; border-color: #7f0000;
        }}
        QPushButton#stopButton:disabled {{ background: #6d4c4c; color: #ddd; }}
        QLabel#pageTitle {{ font-size: {title_pt:.0f}pt; font-weight: bold; }}
        QLabel#notice {{ border: 2px solid {border}; border-radius: 6px; padding: 8px; }}
        """
    )
