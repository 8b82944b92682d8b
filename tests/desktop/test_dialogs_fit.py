"""The dialogs new in session 4 (today's check-in, the entry form, "Your entries") open
no larger than the screen at 200% text, so their buttons (Check, Save, Close) are on
screen and can be reached (issue 13). The offscreen screen is 800x800: every one of them
asked for more than that before."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow, QPushButton, QScrollArea
from pytestqt.qtbot import QtBot

from appcore.context import AppContext
from desktop.checkin_dialog import CheckInDialog
from desktop.entry_dialog import EntryDialog
from desktop.entry_list import EntryListDialog
from desktop.theme import apply_theme
from tests.appcore.conftest import CLEAR_ANSWERS
from tests.desktop.test_layout_audit import cut_text, settle

NOW = dt.datetime(2026, 11, 26, 19, 0).astimezone()


@pytest.fixture
def now() -> Callable[[], dt.datetime]:
    return lambda: NOW


async def check_fits(qtbot: QtBot, dialog: QDialog, button: QPushButton) -> None:
    dialog.show()
    await settle(dialog)
    room = dialog.screen().availableGeometry()
    assert dialog.width() <= room.width(), (dialog.windowTitle(), dialog.size(), room)
    assert dialog.height() <= room.height(), (dialog.windowTitle(), dialog.size(), room)
    # the main button lies wholly inside the dialog, full size, its words whole
    inside = QRect(button.mapTo(dialog, button.rect().topLeft()), button.size())
    assert dialog.rect().contains(inside), (button.text(), inside, dialog.size())
    assert button.isVisible()
    assert button.height() >= 44
    assert cut_text(button) is None, button.text()
    for area in dialog.findChildren(QScrollArea):  # nothing runs off the right-hand edge
        content = area.widget()
        if area.isVisible() and content is not None and content.isVisible():
            assert content.width() <= area.viewport().width(), (dialog.windowTitle(), content)


@pytest.mark.parametrize("high_contrast", [False, True], ids=["normal", "high contrast"])
async def test_the_new_dialogs_fit_the_screen_at_200_percent(
    qtbot: QtBot, ctx: AppContext, high_contrast: bool
) -> None:
    qapp = QApplication.instance()
    assert isinstance(qapp, QApplication)
    state = await ctx.safety.save_screening(CLEAR_ANSWERS)
    assert state.base is not None
    window = QMainWindow()
    qtbot.addWidget(window)
    window.resize(1366 // 2, 768 // 2)
    window.show()
    try:
        apply_theme(qapp, 2.0, high_contrast)
        checkin = CheckInDialog(state.base, NOW.date(), window)
        await check_fits(qtbot, checkin, checkin.check_button)
        checkin.close()
        entry = EntryDialog(ctx, [], window)
        await check_fits(qtbot, entry, entry.save_button)
        entry.close()
        entries = EntryListDialog(ctx, window)
        await check_fits(qtbot, entries, entries.close_button)
        entries.close()
    finally:
        apply_theme(qapp, 1.0, False)
