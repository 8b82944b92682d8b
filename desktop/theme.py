"""Look and feel for stiff hands and tired eyes: large targets, readable text, high contrast.

One small design system for the whole app: a type scale, a spacing scale and two
palettes (normal, high contrast), turned into one application stylesheet derived
from the person's text size. Widgets get roles (object names such as "pageTitle",
"notice", "stopButton"), never styles of their own.

Contrast: every text colour below is at least 4.5:1 on its background in the
normal palette and at least 7:1 in high contrast; `tests/desktop/test_layout_audit.py`
measures it from the pixels actually painted.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

MIN_TARGET_PX = 48  # WCAG 2.5.5 asks 44 px; a little more for hands that ache
BASE_POINT_SIZE = 11.0
TEXT_STEPS = (1.0, 1.25, 1.5, 1.75, 2.0)  # 100-200%: five steps are easy to hit with a sore hand
MIN_WINDOW = (800, 560)  # fits a 1024x600 netbook with its panel and title bar
# A ticked check box shows a tick in the accent's text colour (one file per palette, the
# colour written in it; tests/desktop/test_theme_tick.py checks they match), not a solid
# square that people do not read as "ticked".
TICKS = Path(__file__).parent / "icons"


# The scales and palettes are NamedTuples, not frozen dataclasses: as immutable, and
# about 4 ms quicker to define at every start (issue 13, fast start).
class TypeScale(NamedTuple):
    """Sizes relative to the body text (1.0)."""

    title: float = 1.45
    heading: float = 1.2
    body: float = 1.0


class Spacing(NamedTuple):
    """Pixels at 100% text; `scaled` grows them a little with the text."""

    page_x: int = 16
    page_y: int = 8
    gap: int = 8
    pad_x: int = 14
    pad_y: int = 4
    border: int = 2
    focus: int = 3  # every button has this border always; focus only changes its colour

    def scaled(self, px: int, text_scale: float) -> int:
        return round(px * (0.5 + text_scale / 2))


class Palette(NamedTuple):
    window: str
    text: str
    base: str  # input fields and lists
    alternate: str
    button: str
    button_text: str
    border: str
    accent: str  # selection, checked, focus
    accent_text: str
    muted_text: str  # disabled controls: still readable
    stop: str  # the Stop button while a massage runs
    stop_text: str
    stop_border: str
    idle_stop: str  # Stop while nothing runs: visible, not alarming
    idle_stop_text: str
    groove: str  # slider tracks


NORMAL = Palette(
    window="#f3f4f6",
    text="#111111",
    base="#ffffff",
    alternate="#e9ecf1",
    button="#ffffff",
    button_text="#111111",
    border="#5f6670",
    accent="#0b57c2",
    accent_text="#ffffff",
    muted_text="#4d535c",
    stop="#b3261e",
    stop_text="#ffffff",
    stop_border="#6e0f0a",
    idle_stop="#e6e7ea",
    idle_stop_text="#3b3f46",
    groove="#8a9099",
)

HIGH_CONTRAST = Palette(
    window="#000000",
    text="#ffffff",
    base="#000000",
    alternate="#1a1a1a",
    button="#000000",
    button_text="#ffffff",
    border="#ffffff",
    accent="#ffff00",
    accent_text="#000000",
    muted_text="#d0d0d0",
    stop="#ff8a80",
    stop_text="#000000",
    stop_border="#ffffff",
    idle_stop="#000000",
    idle_stop_text="#d0d0d0",
    groove="#ffffff",
)


TYPE = TypeScale()
SPACE = Spacing()


def palette_for(high_contrast: bool) -> Palette:
    return HIGH_CONTRAST if high_contrast else NORMAL


def target_px(text_scale: float) -> int:
    """The smallest control height at this text size (never below MIN_TARGET_PX)."""
    return round(MIN_TARGET_PX * max(1.0, text_scale * 0.9))


def qt_palette(c: Palette) -> QPalette:
    palette = QPalette()
    roles = QPalette.ColorRole
    for role, color in (
        (roles.Window, c.window),
        (roles.WindowText, c.text),
        (roles.Base, c.base),
        (roles.AlternateBase, c.alternate),
        (roles.Text, c.text),
        (roles.Button, c.button),
        (roles.ButtonText, c.button_text),
        (roles.Highlight, c.accent),
        (roles.HighlightedText, c.accent_text),
        (roles.ToolTipBase, c.base),
        (roles.ToolTipText, c.text),
        (roles.PlaceholderText, c.muted_text),
        (roles.Mid, c.border),
        (roles.Dark, c.border),
        (roles.Light, c.alternate),
        (roles.Link, c.accent if c is HIGH_CONTRAST else "#0b4ea2"),
    ):
        palette.setColor(role, QColor(color))
    for role, color in (
        (roles.WindowText, c.muted_text),
        (roles.Text, c.muted_text),
        (roles.ButtonText, c.muted_text),
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(color))
    return palette


def tick_file(high_contrast: bool) -> Path:
    return TICKS / ("tick_high_contrast.svg" if high_contrast else "tick_normal.svg")


def stylesheet(text_scale: float, high_contrast: bool) -> str:
    c = palette_for(high_contrast)
    target = target_px(text_scale)
    body_pt = BASE_POINT_SIZE * text_scale
    gap = SPACE.scaled(SPACE.gap, text_scale)
    pad_x = SPACE.scaled(SPACE.pad_x, text_scale)
    indicator = round(target * 0.5)
    handle = round(target * 0.5)
    groove = max(8, round(target * 0.18))
    f = SPACE.focus
    tick = tick_file(high_contrast).as_posix()
    return f"""
        QPushButton, QToolButton, QComboBox, QSpinBox, QLineEdit, QDateEdit, QTimeEdit {{
            min-height: {target - 2 * f - 2 * SPACE.pad_y}px; padding: {SPACE.pad_y}px {pad_x}px;
        }}
        QPushButton {{ min-width: {max(0, target - 2 * f - 2 * pad_x)}px; }}
        QPushButton {{
            border: {f}px solid {c.border}; border-radius: 8px;
            background: {c.button}; color: {c.button_text};
        }}
        QPushButton:hover {{ background: {c.alternate}; }}
        QPushButton:checked {{ background: {c.accent}; color: {c.accent_text}; }}
        QPushButton:disabled {{ color: {c.muted_text}; border-style: dashed; }}
        QPushButton:focus, QComboBox:focus, QSpinBox:focus, QLineEdit:focus,
        QDateEdit:focus, QTimeEdit:focus, QListWidget:focus, QScrollArea:focus {{
            border: {f}px solid {c.accent};
        }}
        QPushButton:checked:focus {{ border: {f}px solid {c.text}; }}
        QComboBox, QSpinBox, QLineEdit, QDateEdit, QTimeEdit {{
            border: {f}px solid {c.border}; border-radius: 6px;
            background: {c.base}; color: {c.text};
        }}
        QListWidget {{ border: 2px solid {c.border}; background: {c.base}; color: {c.text}; }}
        QListWidget::item {{ min-height: {target}px; padding: 0 8px; }}
        QListWidget::item:selected {{ background: {c.accent}; color: {c.accent_text}; }}
        QCheckBox, QRadioButton {{
            min-height: {target}px; min-width: {target - indicator}px; spacing: {gap}px;
        }}
        QCheckBox:focus, QRadioButton:focus {{ background: {c.alternate}; }}
        QCheckBox::indicator, QRadioButton::indicator {{
            width: {indicator}px; height: {indicator}px;
            border: {f}px solid {c.text}; background: {c.base};
        }}
        QCheckBox::indicator {{ border-radius: 4px; }}
        QRadioButton::indicator {{ border-radius: {indicator // 2 + f}px; }}
        QCheckBox::indicator:checked, QRadioButton::indicator:checked {{
            background: qradialgradient(cx:0.5, cy:0.5, radius:0.5, fx:0.5, fy:0.5,
                stop:0 {c.accent}, stop:0.55 {c.accent}, stop:0.6 {c.base}, stop:1 {c.base});
        }}
        QCheckBox::indicator:checked {{
            background: {c.accent}; border-color: {c.text}; image: url("{tick}");
        }}
        QCheckBox::indicator:disabled, QRadioButton::indicator:disabled {{
            border-style: dashed; border-color: {c.muted_text};
        }}
        QSlider {{ min-height: {target}px; }}
        QSlider::groove:horizontal {{
            height: {groove}px; border-radius: {groove // 2}px;
            background: {c.alternate}; border: 2px solid {c.groove};
        }}
        QSlider::sub-page:horizontal {{
            background: {c.accent}; border: 2px solid {c.groove}; border-radius: {groove // 2}px;
        }}
        QSlider::handle:horizontal {{
            width: {handle}px; margin: -{(handle - groove) // 2 + 2}px 0;
            border-radius: {handle // 2}px; background: {c.base}; border: {f}px solid {c.text};
        }}
        QSlider::handle:horizontal:focus {{ border-color: {c.accent}; background: {c.accent}; }}
        QSlider:focus {{ background: {c.alternate}; }}
        QPushButton#stopButton {{
            background: {c.stop}; color: {c.stop_text}; font-weight: bold;
            border-color: {c.stop_border};
        }}
        QPushButton#stopButton:focus {{ border-color: {c.accent if high_contrast else c.text}; }}
        QPushButton#stopButton:disabled {{
            background: {c.idle_stop}; color: {c.idle_stop_text}; font-weight: normal;
            border: {f}px dashed {c.border};
        }}
        QLabel#pageTitle {{ font-size: {body_pt * TYPE.title:.0f}pt; font-weight: bold; }}
        QLabel#stepTitle {{ font-size: {body_pt * TYPE.heading:.0f}pt; font-weight: bold; }}
        QLabel#notice {{
            border: 2px solid {c.border}; border-radius: 6px; padding: 8px;
            background: {c.base}; color: {c.text};
        }}
        QLabel#pausedBanner {{
            border: {f}px solid {c.text}; border-radius: 6px; padding: 8px;
            background: {c.accent}; color: {c.accent_text}; font-weight: bold;
        }}
        QWidget#actionBar {{ border-top: 2px solid {c.border}; }}
        QFrame#option {{ border: 2px solid {c.border}; border-radius: 8px; }}
        QFrame#option[chosen="true"] {{ border: {f}px solid {c.accent}; }}
        QFrame#option[focused="true"] {{ border: {f}px dashed {c.accent}; }}
        QToolTip {{ background: {c.base}; color: {c.text}; border: 1px solid {c.border}; }}
        QGroupBox::title {{ font-weight: bold; }}
        """


HIGH_CONTRAST_PROPERTY = "thenarHighContrast"  # on the QApplication: the theme in force


def high_contrast_now() -> bool:
    """Whether the high-contrast theme is the one applied (for widgets that paint)."""
    app = QApplication.instance()
    return bool(app is not None and app.property(HIGH_CONTRAST_PROPERTY))


def apply_theme(app: QApplication, text_scale: float, high_contrast: bool) -> None:
    # Set first: widgets that paint with their own colours (charts) read it when the
    # palette change below reaches them.
    app.setProperty(HIGH_CONTRAST_PROPERTY, high_contrast)
    font = QFont(app.font())
    font.setPointSizeF(BASE_POINT_SIZE * text_scale)
    app.setFont(font)
    app.setPalette(qt_palette(palette_for(high_contrast)))
    app.setStyleSheet(stylesheet(text_scale, high_contrast))
    for window in app.topLevelWidgets():  # e.g. the main window fits its page buttons again
        restyled = getattr(window, "restyled", None)
        if callable(restyled):
            restyled()


def next_text_step(current: float, direction: int) -> float:
    """One step smaller (-1) or larger (+1) from `current`; 0 gives the default (125%)."""
    if direction == 0:
        return TEXT_STEPS[1]
    index = min(range(len(TEXT_STEPS)), key=lambda i: abs(TEXT_STEPS[i] - current))
    index = max(0, min(len(TEXT_STEPS) - 1, index + direction))
    return TEXT_STEPS[index]
