"""The list of entries, by clicks and keys, offscreen, against a real log (issue 14): newest
first, Correct opens the entry form filled in, Delete asks first and says what goes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from appcore.context import AppContext
from appcore.entry_words import CHECKIN_KEPT, deletion_question
from appcore.manual_session import ManualSessions
from data import checkins, entries
from data.entries import Entry, Hand, Side
from data.models import Rating
from desktop.entry_dialog import EntryDialog
from desktop.entry_list import PAGE, EntryListDialog, EntryRow, SessionRow
from desktop.progress_view import ProgressPage
from desktop.schedule_view import locale_time
from desktop.theme import apply_theme, target_px
from desktop.tray import TrayReminders
from desktop.welcome_view import HomePage
from tests.appcore.conftest import CLEAR_ANSWERS
from tests.desktop.helpers import shot
from tests.waiting import until as wait_for
from therapy import CheckIn

NOW = dt.datetime(2026, 11, 26, 19, 0).astimezone()


@pytest.fixture
def now() -> Callable[[], dt.datetime]:
    return lambda: NOW  # ctx (tests/desktop/conftest.py) reads this clock


async def open_list(qtbot: QtBot, ctx: AppContext) -> tuple[ProgressPage, EntryListDialog]:
    page = ProgressPage(ctx, ask_path=lambda _k, _p: None)
    qtbot.addWidget(page)
    page.resize(1000, 900)
    page.show()
    qtbot.mouseClick(page.list_button, Qt.MouseButton.LeftButton)
    await wait_for(lambda: page.entry_list is not None and page.entry_list.isVisible())
    assert page.entry_list is not None
    dialog = page.entry_list
    await wait_for(lambda: not dialog.tasks.busy and not dialog.empty.text().startswith("Load"))
    return page, dialog


def button(box: QMessageBox, text: str) -> QPushButton:
    (found,) = [b for b in box.buttons() if b.text() == text]
    assert isinstance(found, QPushButton)
    return found


async def test_correct_and_delete_an_entry_and_see_a_sessions_ratings(
    qtbot: QtBot, ctx: AppContext, screenshot_dir: Path
) -> None:
    await ctx.safety.save_screening(CLEAR_ANSWERS)
    await ctx.tracking.add_medication("Paracetamol")
    morning = await ctx.tracking.add_entry(
        Entry(
            at=NOW - dt.timedelta(hours=10),
            pain=7,
            hand=Hand.LEFT,
            left_zones=frozenset({5}),
            note="typed 7, meant 2",
            medications=frozenset({"Paracetamol"}),
        )
    )
    manual = ManualSessions(ctx.db, ctx.safety, lambda: NOW - dt.timedelta(hours=5), lambda: None)
    before = Rating(NOW - dt.timedelta(hours=5), 5, 4)
    await manual.log_other(15, before, Rating(NOW - dt.timedelta(hours=5), 3, 2))
    evening = await ctx.tracking.add_entry(Entry(at=NOW - dt.timedelta(hours=1), stiffness=4))
    page, dialog = await open_list(qtbot, ctx)

    # newest first: the evening entry, the session's ratings, the morning entry
    assert [type(r) for r in dialog.rows] == [EntryRow, SessionRow, EntryRow]
    first, session, last = dialog.rows
    assert isinstance(first, EntryRow)
    assert isinstance(last, EntryRow)
    assert first.record.id == evening.id
    assert last.record.id == morning.id
    assert first.text.text() == "Stiffness 4."
    assert session.text.text() == (
        "Another massager, completed. Before: pain 5, stiffness 4. After: pain 3, stiffness 2."
    )
    assert session.findChildren(QPushButton) == []  # a session's ratings are not edited here
    assert last.text.text() == (
        "Pain 7. Left hand: wrist. Took Paracetamol. Note: typed 7, meant 2"
    )
    assert last.title.accessibleName() == f"Today at {locale_time(dt.time(9, 0))}"
    await shot(dialog, screenshot_dir, "entry_list")

    # Correct: the entry form, filled in as saved
    reloads = []
    page.loaded.connect(lambda: reloads.append(1))
    qtbot.mouseClick(last.correct_button, Qt.MouseButton.LeftButton)
    await wait_for(lambda: dialog.entry_dialog is not None and dialog.entry_dialog.isVisible())
    assert dialog.entry_dialog is not None
    form = dialog.entry_dialog.form
    assert form.pain.value() == 7
    assert form.pain.buttons[7].isChecked()
    assert form.hand.value() == Hand.LEFT
    assert form.maps[Side.LEFT].picked() == frozenset({5})
    assert form.note.toPlainText() == "typed 7, meant 2"
    assert form.med_buttons["Paracetamol"].isChecked()
    assert form.morning.specialValueText() == form.morning.text()  # still "not rated"
    qtbot.mouseClick(form.pain.buttons[2], Qt.MouseButton.LeftButton)
    form.note.setPlainText("morning")
    qtbot.mouseClick(dialog.entry_dialog.save_button, Qt.MouseButton.LeftButton)
    await wait_for(lambda: dialog.entry_dialog is None)
    corrected = await ctx.db.run(entries.get_entry, morning.id)
    assert corrected.entry == Entry(
        at=NOW - dt.timedelta(hours=10),  # it keeps its time
        pain=2,
        hand=Hand.LEFT,
        left_zones=frozenset({5}),
        note="morning",
        medications=frozenset({"Paracetamol"}),
    )
    await wait_for(lambda: dialog.rows and "Pain 2." in dialog.rows[-1].text.text())
    assert "corrected" in dialog.message.text()
    await wait_for(lambda: reloads)  # Progress follows (EntriesChanged)

    # Delete: asked first, with exactly what goes; "Keep it" keeps it
    target = dialog.rows[0]
    assert isinstance(target, EntryRow)
    qtbot.mouseClick(target.delete_button, Qt.MouseButton.LeftButton)
    await wait_for(lambda: dialog.confirm is not None and dialog.confirm.isVisible())
    assert dialog.confirm is not None
    assert dialog.confirm.text() == deletion_question(target.record, target.when)
    assert "Stiffness 4." in dialog.confirm.text()
    assert dialog.confirm.defaultButton() is button(dialog.confirm, "Keep it")
    qtbot.mouseClick(button(dialog.confirm, "Keep it"), Qt.MouseButton.LeftButton)
    await wait_for(lambda: dialog.confirm is None)
    assert dialog.message.text() == "Nothing was deleted."
    assert len(await ctx.db.run(entries.list_entries)) == 2

    qtbot.mouseClick(target.delete_button, Qt.MouseButton.LeftButton)
    await wait_for(lambda: dialog.confirm is not None and dialog.confirm.isVisible())
    assert dialog.confirm is not None
    qtbot.mouseClick(button(dialog.confirm, "Delete this entry"), Qt.MouseButton.LeftButton)
    await wait_for(lambda: len(dialog.rows) == 2 and not dialog.tasks.busy)
    assert [r.id for r in await ctx.db.run(entries.list_entries)] == [morning.id]
    assert "deleted" in dialog.message.text()
    # the keyboard stays in the list: on the next entry's Correct
    entry_row = dialog.rows[1]
    assert isinstance(entry_row, EntryRow)
    await wait_for(entry_row.correct_button.hasFocus)
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    await wait_for(lambda: page.entry_list is None)
    await wait_for(lambda: not page._tasks)


async def test_a_checkins_entry_says_what_correcting_and_deleting_it_mean(
    qtbot: QtBot, ctx: AppContext
) -> None:
    await ctx.safety.save_screening(CLEAR_ANSWERS)
    state = await ctx.safety.check_in(CheckIn(NOW.date(), discomfort=9))
    caps = state.caps
    page, dialog = await open_list(qtbot, ctx)
    (row,) = dialog.rows
    assert isinstance(row, EntryRow)
    assert "check-in before a session" in row.title.text()
    qtbot.mouseClick(row.correct_button, Qt.MouseButton.LeftButton)
    await wait_for(lambda: dialog.entry_dialog is not None and dialog.entry_dialog.isVisible())
    assert dialog.entry_dialog is not None
    words = [label.text() for label in dialog.entry_dialog.findChildren(type(row.text))]
    assert CHECKIN_KEPT in words
    form = dialog.entry_dialog.form
    assert form.pain.value() == 9
    assert form.pain.isVisible()
    qtbot.mouseClick(form.pain.buttons[3], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.entry_dialog.save_button, Qt.MouseButton.LeftButton)
    await wait_for(lambda: dialog.entry_dialog is None)
    (stored,) = await ctx.db.run(checkins.list_checkins)
    assert stored.discomfort == 9  # the check-in as taken; the caps it gave stay
    assert ctx.safety.state.caps == caps
    assert ctx.safety.state.checked_in
    await wait_for(lambda: dialog.rows and "Pain 3." in dialog.rows[0].text.text())

    row = dialog.rows[0]
    assert isinstance(row, EntryRow)
    qtbot.mouseClick(row.delete_button, Qt.MouseButton.LeftButton)
    await wait_for(lambda: dialog.confirm is not None and dialog.confirm.isVisible())
    assert dialog.confirm is not None
    assert "Your check-in itself stays" in dialog.confirm.text()
    qtbot.mouseClick(button(dialog.confirm, "Delete this entry"), Qt.MouseButton.LeftButton)
    await wait_for(lambda: not dialog.rows and dialog.empty.isVisible())
    assert len(await ctx.db.run(checkins.list_checkins)) == 1
    assert ctx.safety.state.caps == caps
    assert ctx.safety.state.checked_in
    dialog.reject()
    await wait_for(lambda: page.entry_list is None)


async def test_the_list_by_keyboard_at_200_percent_text_and_older_entries(
    qtbot: QtBot, ctx: AppContext
) -> None:
    """Tab walks the rows and the list follows the focus; targets stay large and text wraps
    at twice the size; "Show older" adds the next page."""
    for i in range(PAGE + 5):
        await ctx.tracking.add_entry(
            Entry(at=NOW - dt.timedelta(hours=i), pain=i % 11, note="n" * 200)
        )
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    font, sheet = app.font(), app.styleSheet()
    apply_theme(app, 2.0, False)  # 200% text, as the Settings page sets it
    try:
        page, dialog = await open_list(qtbot, ctx)
        dialog.resize(900, 700)
        await wait_for(lambda: len(dialog.rows) == PAGE)
        assert dialog.older_button.isVisible()
        first = dialog.rows[0]
        assert isinstance(first, EntryRow)
        first.correct_button.setFocus()
        await wait_for(first.correct_button.hasFocus)
        assert dialog.scroller.verticalScrollBar().value() == 0
        for _ in range(12):  # Correct, Delete of six rows: far below the first screen
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        focused = QApplication.focusWidget()
        assert isinstance(focused, QPushButton)
        assert dialog.body.isAncestorOf(focused)
        assert dialog.scroller.verticalScrollBar().value() > 0
        top_left = focused.mapTo(dialog.scroller.viewport(), focused.rect().topLeft())
        assert 0 <= top_left.y() < dialog.scroller.viewport().height()  # in view
        for row in dialog.entry_rows()[:3]:
            for b in (row.correct_button, row.delete_button):
                assert b.height() >= target_px(2.0)
                assert b.width() >= target_px(2.0)
            assert row.text.wordWrap()
            assert row.width() <= dialog.scroller.viewport().width()
        # Space on Delete asks; Esc keeps the entry
        qtbot.keyClick(first.delete_button, Qt.Key.Key_Space)
        await wait_for(lambda: dialog.confirm is not None and dialog.confirm.isVisible())
        assert dialog.confirm is not None
        qtbot.keyClick(dialog.confirm, Qt.Key.Key_Escape)
        await wait_for(lambda: dialog.confirm is None)
        assert len(await ctx.db.run(entries.list_entries)) == PAGE + 5
        # older entries
        qtbot.keyClick(dialog.older_button, Qt.Key.Key_Space)
        await wait_for(lambda: len(dialog.rows) == PAGE + 5 and not dialog.tasks.busy)
        assert not dialog.older_button.isVisible()
        dialog.reject()
        await wait_for(lambda: page.entry_list is None)
    finally:
        app.setStyleSheet(sheet)
        app.setFont(font)


async def test_the_entry_form_in_one_click_from_home_and_from_the_tray(
    qtbot: QtBot, ctx: AppContext
) -> None:
    home = HomePage(ctx, lambda: None)
    qtbot.addWidget(home)
    home.resize(1000, 800)
    home.show()
    assert home.hands.entry_button.text() == "+ How are my hands today?"
    qtbot.mouseClick(home.hands.entry_button, Qt.MouseButton.LeftButton)
    await wait_for(lambda: home.hands.entry_dialog is not None)
    dialog = home.hands.entry_dialog
    assert dialog is not None
    await wait_for(dialog.isVisible)
    qtbot.mouseClick(dialog.form.pain.buttons[4], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    await wait_for(lambda: home.hands.entry_dialog is None)
    assert [r.entry for r in await ctx.db.run(entries.list_entries)] == [Entry(at=NOW, pain=4)]
    qtbot.mouseClick(home.hands.list_button, Qt.MouseButton.LeftButton)
    await wait_for(lambda: home.hands.entry_list is not None)
    listing = home.hands.entry_list
    assert listing is not None
    await wait_for(lambda: len(listing.rows) == 1)
    listing.reject()
    await wait_for(lambda: home.hands.entry_list is None)

    window = QMainWindow()
    qtbot.addWidget(window)
    tray = TrayReminders(ctx, window, lambda _pid: None, now=lambda: NOW)
    qtbot.addWidget(tray.menu)
    qtbot.addWidget(tray.prompt)
    assert window.isHidden()  # closed to the tray
    assert tray.entry_action.text() == "How are my hands today?"
    assert tray.entry_action in tray.menu.actions()
    tray.entry_action.trigger()
    tray.entry_action.trigger()  # a second click brings the same form forward
    await wait_for(lambda: tray.entry_dialog is not None and tray.entry_dialog.isVisible())
    assert window.isVisible()
    assert [w for w in window.findChildren(EntryDialog) if w.isVisible()] == [tray.entry_dialog]
    assert tray.entry_dialog is not None
    qtbot.mouseClick(tray.entry_dialog.form.stiffness.buttons[2], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(tray.entry_dialog.save_button, Qt.MouseButton.LeftButton)
    await wait_for(lambda: tray.entry_dialog is None)
    assert len(await ctx.db.run(entries.list_entries)) == 2
    await wait_for(lambda: not tray.tasks.busy)
