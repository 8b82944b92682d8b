"""The Schedule page and tray reminders, driven as a person would, on the qasync loop."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import shiboken6
from icalendar import Calendar
from PySide6.QtCore import QObject, QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QApplication,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QSystemTrayIcon,
    QWidget,
)
from pytestqt.qtbot import QtBot

from appcore.context import AppContext
from appcore.reminders import MAX_WAIT, SNOOZE
from appcore.schedule_picker import PickerChoice, Repeat
from appcore.schedule_words import choice_sentence
from data import schedules as store
from desktop.main_window import MainWindow
from desktop.schedule_view import SchedulePage, locale_date, locale_time
from desktop.theme import apply_theme
from desktop.tray import TrayReminders, hand_icon
from tests.desktop.helpers import Clock, wait_signal
from tests.waiting import until

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_7 = dt.datetime(2026, 3, 9, 7, 0, tzinfo=BERLIN)


@pytest.fixture
def themed() -> Iterator[None]:
    """The app's real look (text scale 1.25), restored afterwards for other tests."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    font, palette, sheet = app.font(), app.palette(), app.styleSheet()
    apply_theme(app, 1.25, False)
    yield
    app.setStyleSheet(sheet)
    app.setPalette(palette)
    app.setFont(font)


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_7)


@pytest.fixture
def now(clock: Clock) -> Clock:
    return clock  # ctx (tests/desktop/conftest.py) reads the page's clock


def make_page(
    qtbot: QtBot, ctx: AppContext, clock: Clock, started: list[int], ask: list[Path | None]
) -> SchedulePage:
    page = SchedulePage(
        ctx, started.append, now=clock, zone=BERLIN, ask_path=lambda _suggested: ask.pop(0)
    )
    qtbot.addWidget(page)
    page.resize(860, 1500)
    page.show()
    return page


def click(qtbot: QtBot, button: QWidget) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def buttons_named(page: QWidget, name: str) -> list[QPushButton]:
    return [b for b in page.findChildren(QPushButton) if b.objectName() == name]


async def test_make_a_schedule_with_the_picker_by_keyboard_and_clicks(
    qtbot: QtBot, ctx: AppContext, clock: Clock, themed: None, screenshot_dir: Path
) -> None:
    page = make_page(qtbot, ctx, clock, [], [])
    page.activateWindow()
    await until(page.isActiveWindow)
    page.shown()
    await wait_signal(page.refreshed)
    assert "No schedules yet" in " ".join(w.text() for w in page.findChildren(type(page.preview)))

    # Every day, then Sunday off with the keyboard: the picker reads "chosen days".
    click(qtbot, page.repeat_buttons[Repeat.DAILY])
    page.day_buttons[6].setFocus()
    qtbot.keyClick(page.day_buttons[6], Qt.Key.Key_Space)
    assert page.repeat_buttons[Repeat.DAYS].isChecked()
    # 8:00 two quarter-hours earlier, the second routine, a 15-minute reminder.
    click(qtbot, page.earlier)
    qtbot.keyClick(page.earlier, Qt.Key.Key_Space)
    page.routine.setFocus()
    qtbot.keyClick(page.routine, Qt.Key.Key_Down)
    page.lead.setFocus()
    qtbot.keyClick(page.lead, Qt.Key.Key_Down)
    expected = PickerChoice(
        Repeat.DAYS, dt.time(7, 30), "typing_recovery", 15, days=frozenset(range(6))
    )
    assert page.choice() == expected
    sentence = choice_sentence(expected, None, locale_time, locale_date)
    assert sentence.startswith("Every day except Sunday at ")
    assert page.preview.text() == sentence + "."

    # Tab walks the picker in reading order, and Enter on the focused Add button adds.
    page.repeat_buttons[Repeat.DAILY].setFocus()
    visited: list[QWidget] = []
    for _ in range(20):
        focused = QApplication.focusWidget()
        assert focused is not None
        visited.append(focused)
        if focused is page.add_button:
            break
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
    order = [page.day_buttons[0], page.time_edit, page.earlier, page.later, page.routine]
    order += [page.lead, page.ends, page.add_button]
    seen = [w for w in visited if w in order]
    # A time edit takes Tab once per section (hours, then minutes) before moving on.
    assert [w for i, w in enumerate(seen) if i == 0 or seen[i - 1] is not w] == order
    for widget in visited:
        assert widget.accessibleName() or isinstance(widget, QPushButton)
    qtbot.keyClick(page.add_button, Qt.Key.Key_Return)
    await wait_signal(page.refreshed)

    rows = page.findChildren(QWidget, "schedule-1")
    assert len(rows) == 1
    texts = [w.text() for w in rows[0].findChildren(type(page.preview))]
    assert sentence + "." in texts
    assert f"Next: Today at {locale_time(dt.time(7, 30))}." in texts
    assert page.message.text() == f"Added: {sentence}."
    (saved,) = await ctx.db.run(store.list_schedules)
    assert saved.rrule == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA"
    assert saved.dtstart == MONDAY_7.replace(minute=30)
    assert saved.lead_min == 15
    assert page.week.count() == 6  # Monday to Saturday of the coming week
    for button in page.findChildren(QPushButton):
        if button.isVisible():
            assert button.height() >= 48, button.text()  # desktop.theme.MIN_TARGET_PX
    page.grab().save(str(screenshot_dir / "schedule_page.png"))

    # Turning it off says so and keeps it; turning it on again brings the next time back.
    click(qtbot, buttons_named(page, "toggle")[0])
    await wait_signal(page.refreshed)
    assert "Turned off: no reminders." in [
        w.text()
        for w in page.findChildren(QWidget, "schedule-1")[0].findChildren(type(page.preview))
    ]
    assert page.week.item(0).text() == "Nothing planned in the coming week."


async def test_warns_in_plain_words_and_marks_missed(
    qtbot: QtBot, ctx: AppContext, clock: Clock, themed: None, screenshot_dir: Path
) -> None:
    page = make_page(qtbot, ctx, clock, [], [])
    for hour in (8, 12, 16):
        await page.service.add(PickerChoice(at=dt.time(hour, 0)), BERLIN)
    await until(lambda: len(page.snapshot.entries) == 3)
    # Tuesday 13:00: Monday's three and Tuesday's 8:00 are missed; 12:00 is late but doable.
    clock.set(MONDAY_7 + dt.timedelta(days=1, hours=6))
    page.shown()
    await wait_signal(page.refreshed)
    assert not page.warning.isVisible()
    week = [page.week.item(i).text() for i in range(page.week.count())]
    assert all(line.startswith("✗ Missed: ") for line in week[:4])
    assert week[4] == f"Still to do: Today at {locale_time(dt.time(12, 0))}, Morning ease"
    assert week[5] == f"Today at {locale_time(dt.time(16, 0))}, Morning ease"
    page.time_edit.setTime(page.time_edit.time().addSecs(12 * 3600))  # a fourth, at 20:00
    assert page.preview_warning.isVisible()
    assert "more than 3 sessions" in page.preview_warning.text()
    assert "rest your hands" in page.preview_warning.text()
    click(qtbot, page.add_button)
    await until(page.warning.isVisible)
    # Weekdays at 20:00 as well: Wednesday to Friday and next Monday hold four sessions.
    assert not page.preview_warning.isVisible()  # the added one is not counted twice
    assert page.warning.text().startswith(
        "⚠ Too many sessions. 4 days in the coming week would have more than 3 sessions "
        "(the most: 4 on "
    )
    page.grab().save(str(screenshot_dir / "schedule_page_warning_missed.png"))

    # Delete asks first; "Keep it" is the default.
    click(qtbot, buttons_named(page, "delete")[0])
    box = page._confirm
    assert box is not None
    await until(box.isVisible)
    assert box.defaultButton().text() == "Keep it"
    click(qtbot, box.buttons()[0] if box.buttons()[0].text() == "Delete" else box.buttons()[1])
    await wait_signal(page.refreshed)
    assert len(await ctx.db.run(store.list_schedules)) == 3
    assert page.message.text() == "Deleted."


async def test_export_to_calendar_file(
    qtbot: QtBot, ctx: AppContext, clock: Clock, tmp_path: Path
) -> None:
    target = tmp_path / "my calendar.ics"
    page = make_page(qtbot, ctx, clock, [], [None, target])
    asked: list[Path] = []
    answers = [None, target]

    def ask(suggested: Path) -> Path | None:
        asked.append(suggested)
        return answers.pop(0) if answers else target

    page.ask_path = ask
    await page.service.add(PickerChoice(Repeat.WEEKDAYS, dt.time(8, 0)), BERLIN)
    await wait_signal(page.refreshed)

    click(qtbot, page.export_button)  # the person cancels the file dialog: nothing happens
    assert not page.message.isVisible()
    click(qtbot, page.export_button)
    await until(lambda: page.export_button.isEnabled() and page.message.isVisible())
    assert page.message.text().startswith(f"Saved your schedules to {target}.")
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    cal = Calendar.from_ical(target.read_bytes())
    (event,) = cal.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Hand massage: Morning ease"
    assert event["RRULE"].to_ical() == b"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
    assert event.decoded("DTSTART") == MONDAY_7.replace(hour=8)
    assert str(event["DTSTART"].params["TZID"]) == "Europe/Berlin"
    assert cal.walk("VTIMEZONE")
    assert asked == [Path("thenar-schedule.ics")] * 2  # the folder: tests/desktop/test_save_dialog

    page._say("")
    page.ask_path = lambda _s: tmp_path / "missing" / "x.ics"
    click(qtbot, page.export_button)
    await until(lambda: page.export_button.isEnabled() and page.message.isVisible())
    assert page.message.text().startswith("The file could not be written (")
    assert "Try another folder." in page.message.text()


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[QMainWindow]:
    quits = QApplication.quitOnLastWindowClosed()
    QApplication.setQuitOnLastWindowClosed(False)  # as the app does, for the tray
    win = MainWindow([], on_stop=lambda: None)
    qtbot.addWidget(win)
    yield win
    if shiboken6.isValid(win):  # pytest-qt closes and deletes it before fixtures end
        win.allow_close()  # the app does this once a running massage has stopped
        win.close()
    QApplication.setQuitOnLastWindowClosed(quits)


def make_tray(
    qtbot: QtBot, ctx: AppContext, window: QMainWindow, clock: Clock, started: list[int]
) -> TrayReminders:
    tray = TrayReminders(ctx, window, started.append, now=clock, zone=BERLIN)
    qtbot.addWidget(tray.prompt)
    qtbot.addWidget(tray.menu)
    return tray


async def test_reminder_fires_and_start_now_starts_the_routine(
    qtbot: QtBot,
    ctx: AppContext,
    clock: Clock,
    window: QMainWindow,
    themed: None,
    screenshot_dir: Path,
) -> None:
    started: list[int] = []
    page = SchedulePage(ctx, started.append, now=clock, zone=BERLIN)
    qtbot.addWidget(page)
    program_id = (await page.service.routine_programs())["evening_wind_down"]
    await page.service.add(PickerChoice(Repeat.DAILY, dt.time(8, 0), "evening_wind_down"), BERLIN)
    window.hide()  # closed to the tray
    due_at = MONDAY_7.replace(minute=50)  # 10 minutes before 8:00
    clock.set(due_at - dt.timedelta(milliseconds=400), running=True)
    tray = make_tray(qtbot, ctx, window, clock, started)
    (ms,) = await wait_signal(tray.armed)
    assert 0 < ms <= 400  # one timer, armed for the due time: no polling
    (due,) = await wait_signal(tray.reminder_shown, timeout=5)
    assert due.program_id == program_id
    assert tray.prompt.isVisible()
    assert tray.prompt.text.text().startswith(
        f"Evening wind-down, planned for today at {locale_time(dt.time(8, 0))} "
    )
    assert "(in 10 minutes)" in tray.prompt.text.text()
    assert tray.start_action.isEnabled()
    assert tray.start_action.text() == "Start now: Evening wind-down"
    assert tray.prompt.start_button.hasFocus() or not tray.prompt.isActiveWindow()
    assert tray.prompt.start_button.height() >= 48
    tray.prompt.grab().save(str(screenshot_dir / "schedule_reminder_prompt.png"))

    click(qtbot, tray.prompt.start_button)  # one click
    assert started == [program_id]
    assert window.isVisible()
    assert not tray.prompt.isVisible()
    await until(lambda: tray.timer.isActive() and tray.current is None)
    events = await ctx.db.run(store.list_reminders)
    assert [(e.status, e.occurrence) for e in events] == [("done", MONDAY_7.replace(hour=8))]
    nxt = tray.clock.next_due(clock())
    assert nxt is not None
    assert nxt.occurrence == MONDAY_7.replace(hour=8) + dt.timedelta(days=1)


async def test_snooze_comes_back_ten_minutes_later_and_skip_settles_it(
    qtbot: QtBot, ctx: AppContext, clock: Clock, window: QMainWindow
) -> None:
    started: list[int] = []
    page = SchedulePage(ctx, started.append, now=clock, zone=BERLIN)
    qtbot.addWidget(page)
    await page.service.add(PickerChoice(Repeat.DAILY, dt.time(8, 0)), BERLIN)
    due_at = MONDAY_7.replace(minute=50)
    clock.set(due_at)
    tray = make_tray(qtbot, ctx, window, clock, started)
    await wait_signal(tray.armed)
    tray.timer.timeout.emit()  # the timer's moment has come
    assert tray.current is not None
    assert tray.prompt.isVisible()
    assert window.isVisible()  # no system tray offscreen: the window comes forward

    click(qtbot, tray.prompt.snooze_button)
    (ms,) = await wait_signal(tray.armed)
    assert ms == MAX_WAIT.total_seconds() * 1000  # re-checks each minute until then
    back = tray.clock.next_due(clock())
    assert back is not None
    assert back.snoozed
    assert back.at - due_at.astimezone(dt.UTC) == SNOOZE
    assert started == []

    clock.set(due_at + SNOOZE - dt.timedelta(milliseconds=300), running=True)
    tray.reload()
    (again,) = await wait_signal(tray.reminder_shown, timeout=5)
    assert again.snoozed
    # Closing the prompt without choosing is a snooze too.
    tray.prompt.close()
    await until(lambda: tray.timer.isActive() and tray.current is None)
    statuses = [e.status for e in await ctx.db.run(store.list_reminders)]
    assert statuses == ["snoozed", "snoozed"]
    # Skip settles it for good: the next reminder is tomorrow's.
    clock.set(due_at + 2 * SNOOZE - dt.timedelta(milliseconds=300), running=True)
    tray.reload()
    await wait_signal(tray.reminder_shown, timeout=5)
    click(qtbot, tray.prompt.skip_button)
    await until(lambda: tray.timer.isActive() and tray.current is None)
    nxt = tray.clock.next_due(clock())
    assert nxt is not None
    assert nxt.occurrence == MONDAY_7.replace(hour=8) + dt.timedelta(days=1)
    statuses = [e.status for e in await ctx.db.run(store.list_reminders)]
    assert statuses == ["snoozed", "snoozed", "skipped"]
    assert started == []


async def test_tray_menu_open_and_quit(
    qtbot: QtBot, ctx: AppContext, clock: Clock, window: QMainWindow
) -> None:
    tray = make_tray(qtbot, ctx, window, clock, [])
    assert (await wait_signal(tray.armed)) == (-1,)  # nothing scheduled: no timer
    assert not tray.timer.isActive()
    assert not hand_icon().pixmap(16, 16).isNull()
    texts = [a.text() for a in tray.menu.actions() if not a.isSeparator()]
    assert texts == [
        "Start now",
        "Snooze 10 minutes",
        "Skip",
        "How are my hands today?",  # the daily entry in one click (issue 14)
        "Open Thenar",
        "Quit Thenar",
    ]
    assert not tray.start_action.isEnabled()
    assert tray.available is QSystemTrayIcon.isSystemTrayAvailable()
    window.hide()
    tray.open_action.trigger()
    assert window.isVisible()
    quits: list[int] = []
    tray.quit_requested.connect(lambda: quits.append(1))
    tray.quit_action.trigger()
    assert quits == [1]
    assert window.isVisible()  # quitting is the app's job (a massage may be running)
    assert isinstance(tray, QObject)


async def test_boxes_say_what_they_refuse_and_export_keeps_the_focus(
    qtbot: QtBot, ctx: AppContext, clock: Clock, tmp_path: Path, screenshot_dir: Path
) -> None:
    """−5 or 99999 days and 25:99 are refused with a word; after an export, not "Start now"."""
    page = make_page(qtbot, ctx, clock, [], [tmp_path / "plan.ics"])
    page.resize(1024, 600)
    page.activateWindow()
    await until(page.isActiveWindow)
    await page.service.add(PickerChoice(Repeat.WEEKDAYS, dt.time(8, 0)), BERLIN)
    await wait_signal(page.refreshed)
    starts = [b for b in page.findChildren(QPushButton) if b.text() == "▶ Start now"]
    assert starts  # the control the focus used to fall to after an export

    click(qtbot, page.repeat_buttons[Repeat.EVERY_N_DAYS])
    page.every_n.setFocus()
    await until(page.every_n.hasFocus)
    page.every_n.selectAll()
    qtbot.keyClicks(page.every_n, "-5")
    assert page.input_message.isVisible()
    assert "from 2 to 14" in page.input_message.text()
    assert page.every_n.value() == 5
    await shot_page(page, screenshot_dir, "schedule_refused_number")
    page.time_edit.setFocus()  # leaving the box puts the message away
    await until(lambda: not page.input_message.isVisible())
    page.time_edit.selectAll()
    qtbot.keyClicks(page.time_edit, "25")
    assert page.input_message.isVisible()
    assert "hours from 0 to 23" in page.input_message.text()

    page.export_button.setFocus()
    click(qtbot, page.export_button)
    await until(lambda: page.export_button.isEnabled() and page.message.isVisible())
    assert QApplication.focusWidget() is page.export_button


async def shot_page(page: QWidget, folder: Path, name: str) -> None:
    await asyncio.sleep(0.05)
    assert page.grab().save(str(folder / f"{name}.png"))


async def test_the_wheel_over_a_routine_box_scrolls_the_schedule_page(
    qtbot: QtBot, ctx: AppContext, clock: Clock
) -> None:
    page = SchedulePage(ctx, lambda _id: None, now=clock, zone=BERLIN, ask_path=lambda _s: None)
    win = MainWindow([page], on_stop=lambda: None)
    qtbot.addWidget(win)
    win.resize(1024, 600)
    win.show()
    win.activateWindow()
    await until(win.isActiveWindow)
    page.export_button.setFocus()
    await until(page.export_button.hasFocus)
    scroller = page.findChild(QScrollArea)
    assert scroller is not None
    bar = scroller.verticalScrollBar()
    assert bar.maximum() > 0  # the page is taller than a 600-pixel screen
    bar.setValue(0)
    before = page.routine.currentIndex()
    at = QPointF(page.routine.rect().center())
    wheel = QWheelEvent(
        at,
        QPointF(page.routine.mapToGlobal(at.toPoint())),
        QPoint(),
        QPoint(0, -120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(page.routine, wheel)
    assert page.routine.currentIndex() == before
    assert bar.value() > 0
    win.allow_close()
    win.close()
