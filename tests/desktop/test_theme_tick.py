"""A ticked check box shows a tick mark, in both themes and at 100% and 200% text, read
from the painted pixels: inside the box, the tick's colour on the accent fill, with the
contrast the theme promises (issue 13). Before, a ticked box was a solid square."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QCheckBox, QStyle, QStyleOptionButton
from pytestqt.qtbot import QtBot

from desktop.theme import SPACE, apply_theme, palette_for, tick_file
from tests.desktop.test_layout_audit import HIGH_CONTRAST, NORMAL_CONTRAST, ratio, settle


def near(a: int, b: QColor) -> bool:
    c = QColor.fromRgb(a)
    return max(abs(c.red() - b.red()), abs(c.green() - b.green()), abs(c.blue() - b.blue())) < 40


def inside_indicator(box: QCheckBox) -> list[int]:
    option = QStyleOptionButton()
    box.initStyleOption(option)
    rect = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, box)
    inner = rect.adjusted(SPACE.focus + 1, SPACE.focus + 1, -SPACE.focus - 1, -SPACE.focus - 1)
    assert inner.width() > 6, rect
    assert inner.height() > 6, rect
    image = box.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    return [
        image.pixel(x, y)
        for x in range(inner.left(), inner.right() + 1)
        for y in range(inner.top(), inner.bottom() + 1)
    ]


@pytest.mark.parametrize("scale", [1.0, 2.0])
@pytest.mark.parametrize("high_contrast", [False, True], ids=["normal", "high contrast"])
async def test_a_ticked_box_shows_a_tick(qtbot: QtBot, high_contrast: bool, scale: float) -> None:
    qapp = QApplication.instance()
    assert isinstance(qapp, QApplication)
    c = palette_for(high_contrast)
    accent, tick = QColor(c.accent), QColor(c.accent_text)
    assert ratio(accent.rgb(), tick.rgb()) >= (HIGH_CONTRAST if high_contrast else NORMAL_CONTRAST)
    assert f'stroke="{c.accent_text}"' in tick_file(high_contrast).read_text()
    try:
        apply_theme(qapp, scale, high_contrast)
        ticked, empty = QCheckBox("Everything as usual today"), QCheckBox("Not ticked")
        for box in (ticked, empty):
            qtbot.addWidget(box)
            box.show()
        ticked.setChecked(True)
        await settle(ticked)
        on = inside_indicator(ticked)
        tick_part = sum(near(p, tick) for p in on) / len(on)
        fill_part = sum(near(p, accent) for p in on) / len(on)
        assert 0.08 < tick_part < 0.6, tick_part  # a mark, neither absent nor the whole box
        assert fill_part > 0.3, fill_part
        off = inside_indicator(empty)
        assert not any(near(p, accent) for p in off)  # an empty box is plainly empty
    finally:
        apply_theme(qapp, 1.0, False)
