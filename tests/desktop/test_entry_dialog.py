"""The daily entry by taps and clicks, offscreen, against a real log on its DB thread (issue 14)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from appcore.context import AppContext
from data import entries
from data.entries import Entry, Hand, Side
from desktop.checkin_dialog import CheckInDialog
from desktop.entry_dialog import EntryDialog
from desktop.hand_map import ZoneMap
from desktop.progress_view import ProgressPage
from tests.appcore.conftest import CLEAR_ANSWERS
from tests.desktop.helpers import shot
from tests.waiting import until as wait_for  # the one polling helper

NOW = dt.datetime(2026, 11, 26, 19, 0).astimezone()


@pytest.fixture
def now() -> Callable[[], dt.datetime]:
    return lambda: NOW  # ctx (tests/desktop/conftest.py) reads this clock


def tap_zone(qtbot: QtBot, zone_map: ZoneMap, zone: int) -> None:
    centre = zone_map.zone_centre(zone)
    qtbot.mouseClick(
        zone_map, Qt.MouseButton.LeftButton, pos=QPoint(int(centre.x()), int(centre.y()))
    )


async def open_dialog(qtbot: QtBot, ctx: AppContext) -> tuple[ProgressPage, EntryDialog]:
    page = ProgressPage(ctx, ask_path=lambda _k, _p: None)
    qtbot.addWidget(page)
    page.resize(1000, 900)
    page.show()
    qtbot.mouseClick(page.entry_button, Qt.MouseButton.LeftButton)
    await wait_for(lambda: page.entry_dialog is not None and page.entry_dialog.isVisible())
    assert page.entry_dialog is not None
    return page, page.entry_dialog


async def test_an_entry_in_a_few_taps_keeps_untouched_scales_unrated(
    qtbot: QtBot, ctx: AppContext, screenshot_dir: Path
) -> None:
    page, dialog = await open_dialog(qtbot, ctx)
    form = dialog.form
    assert form.pain.label.text() == "Pain (0 = none, 10 = worst): not rated"
    qtbot.mouseClick(form.pain.buttons[6], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(form.stiffness.buttons[3], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(form.stiffness.buttons[3], Qt.MouseButton.LeftButton)  # again: un-rated
    assert form.stiffness.value() is None
    assert "not rated" in form.stiffness.label.text()
    form.maps[Side.RIGHT].resize(240, 200)
    tap_zone(qtbot, form.maps[Side.RIGHT], 0)  # the thumb: choosing the right hand
    assert form.hand.value() == Hand.RIGHT
    tap_zone(qtbot, form.maps[Side.LEFT], 5)  # the wrist on the left as well: both
    assert form.hand.value() == Hand.BOTH
    assert "wrist" in form.maps[Side.LEFT].accessibleDescription()
    qtbot.keyClicks(form.note, "Stiff after typing")
    form.note.insertPlainText(" 🙁")  # QTest cannot type outside the BMP: pasted
    qtbot.mouseClick(form.flare.buttons["no"], Qt.MouseButton.LeftButton)
    await shot(dialog, screenshot_dir, "entry_dialog")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    await wait_for(lambda: page.entry_dialog is None)
    (record,) = await ctx.db.run(entries.list_entries)
    assert record.entry == Entry(
        at=NOW,
        pain=6,
        hand=Hand.BOTH,
        left_zones=frozenset({5}),
        right_zones=frozenset({0}),
        flare=False,
        note="Stiff after typing 🙁",
    )
    await wait_for(lambda: not page._tasks)


async def test_a_note_over_its_limit_is_refused_in_words_and_nothing_is_saved(
    qtbot: QtBot, ctx: AppContext
) -> None:
    page, dialog = await open_dialog(qtbot, ctx)
    form = dialog.form
    qtbot.mouseClick(form.pain.buttons[2], Qt.MouseButton.LeftButton)
    form.note.setPlainText("x" * 10_000)  # pasted
    assert form.note_count.text() == "10,000 of 500 characters: 9,500 too many, shorten it to save"
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    await wait_for(dialog.message.isVisible)
    assert dialog.message.text() == (
        "The note is 10,000 characters long; the limit is 500. Nothing was saved."
    )
    assert dialog.isVisible()
    assert await ctx.db.run(entries.list_entries) == []
    # nothing at all rated: said so, nothing saved
    form.note.clear()
    qtbot.mouseClick(form.pain.buttons[2], Qt.MouseButton.LeftButton)  # un-rated again
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    await wait_for(lambda: "nothing to save" in dialog.message.text())
    assert await ctx.db.run(entries.list_entries) == []
    dialog.reject()
    await wait_for(lambda: page.entry_dialog is None)


async def test_medications_come_from_the_persons_own_list(qtbot: QtBot, ctx: AppContext) -> None:
    page, dialog = await open_dialog(qtbot, ctx)
    form = dialog.form
    assert form.med_buttons == {}
    qtbot.keyClicks(form.med_name, "Paracetamol")
    qtbot.mouseClick(form.med_add, Qt.MouseButton.LeftButton)
    await wait_for(lambda: "Paracetamol" in form.med_buttons)
    assert dialog.message.text() == "Paracetamol is on your list now."
    qtbot.keyClicks(form.med_name, "paracetamol")
    qtbot.mouseClick(form.med_add, Qt.MouseButton.LeftButton)
    await wait_for(lambda: "already on your list" in dialog.message.text())
    assert form.med_name.text() == "paracetamol"  # kept to correct, not lost
    form.med_name.clear()
    qtbot.keyClicks(form.med_name, "Old cream")
    qtbot.mouseClick(form.med_add, Qt.MouseButton.LeftButton)
    await wait_for(lambda: "Old cream" in form.med_buttons)
    form.stop_choice.setCurrentText("Old cream")
    qtbot.mouseClick(form.med_stop, Qt.MouseButton.LeftButton)
    await wait_for(lambda: "Old cream" not in form.med_buttons)
    assert (
        dialog.message.text() == "Old cream is marked as stopped today; it stays in your history."
    )
    stopped = [m for m in await ctx.tracking.medications() if m.name == "Old cream"]
    assert stopped[0].stopped_on == NOW.date()
    marks = await ctx.db.run(entries.marks, NOW.date(), NOW.date())
    assert "stopped Old cream" in [m.text for m in marks]
    qtbot.mouseClick(form.med_buttons["Paracetamol"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    await wait_for(lambda: page.entry_dialog is None)
    (record,) = await ctx.db.run(entries.list_entries)
    assert record.entry.medications == frozenset({"Paracetamol"})
    assert record.entry.pain is None


async def test_the_checkin_takes_the_entrys_details(qtbot: QtBot, ctx: AppContext) -> None:
    state = await ctx.safety.save_screening(CLEAR_ANSWERS)
    await ctx.tracking.add_medication("Ibuprofen gel")
    assert state.base is not None
    dialog = CheckInDialog(state.base, NOW.date(), medications=["Ibuprofen gel"])
    qtbot.addWidget(dialog)
    dialog.show()
    for qid, group in dialog.groups.items():
        buttons = group.buttons()
        qtbot.mouseClick(buttons[5 if qid == "discomfort" else 0], Qt.MouseButton.LeftButton)
    form = dialog.details_form
    assert not form.pain.isVisibleTo(dialog)
    assert not form.flare.isVisibleTo(dialog)
    qtbot.mouseClick(form.stiffness.buttons[7], Qt.MouseButton.LeftButton)
    form.morning.setValue(30)
    qtbot.mouseClick(form.med_buttons["Ibuprofen gel"], Qt.MouseButton.LeftButton)
    form.note.setPlainText("n" * 501)
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    assert dialog.stack.currentIndex() == 0  # refused, still on the questions
    assert "the limit is 500" in dialog.message.text()
    form.note.setPlainText("ok")
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    assert dialog.stack.currentIndex() == 1
    checkin = dialog.checkin()
    details = dialog.details(NOW)
    assert checkin is not None
    assert details is not None
    await ctx.safety.check_in(checkin, details)
    (record,) = await ctx.db.run(entries.list_entries)
    assert (record.entry.pain, record.entry.stiffness, record.entry.morning_stiffness_min) == (
        5,
        7,
        30,
    )
    assert record.entry.medications == frozenset({"Ibuprofen gel"})
    assert record.checkin_id is not None


async def test_progress_shows_the_entries(
    qtbot: QtBot, ctx: AppContext, screenshot_dir: Path
) -> None:
    page = ProgressPage(ctx, ask_path=lambda _k, _p: None)
    qtbot.addWidget(page)
    page.resize(1000, 2400)
    page.show()
    loaded = asyncio.Event()
    page.loaded.connect(loaded.set)
    page.shown()
    await asyncio.wait_for(loaded.wait(), 10)
    assert page.entries is not None
    assert not page.entries.apart
    assert not page.left_chart.isVisibleTo(page)
    assert "No morning stiffness recorded in this range." in page.entries_text.text()

    await ctx.tracking.add_medication("Paracetamol")
    for days, hand, zones, pain, minutes in [
        (3, Hand.LEFT, {0}, 6, 45),
        (2, Hand.RIGHT, {0, 5}, 3, 20),
        (1, Hand.BOTH, {0}, 4, None),
    ]:
        at = NOW - dt.timedelta(days=days)
        left = frozenset(zones) if hand in (Hand.LEFT, Hand.BOTH) else frozenset()
        right = frozenset(zones) if hand in (Hand.RIGHT, Hand.BOTH) else frozenset()
        await ctx.db.run(
            entries.record_entry,
            Entry(
                at=at,
                pain=pain,
                morning_stiffness_min=minutes,
                hand=hand,
                left_zones=left,
                right_zones=right,
                flare=days == 3,
                note=f"day {days}",
            ),
        )
    loaded.clear()
    await page.refresh()
    await asyncio.wait_for(loaded.wait(), 10)
    extra = page.entries
    assert extra is not None
    assert extra.apart
    assert page.left_chart.isVisibleTo(page)
    assert page.right_chart.isVisibleTo(page)
    assert [p.value for p in extra.morning.points] == [45, 20]
    assert [p.value for p in extra.left_pain.points] == [6, 4]  # type: ignore[union-attr]
    assert [p.value for p in extra.right_pain.points] == [3, 4]  # type: ignore[union-attr]
    assert {m.kind for m in page.pain_chart.marks} == {"flare", "medication", "note"}
    left_map = page.zone_maps[Side.LEFT].accessibleDescription()
    assert "Thumb base 2 of 2" in left_map or "thumb base 2 of 2" in left_map.lower()
    text = page.entries_text.text()
    assert "Morning stiffness: 32 minutes on average, over 2 days with it recorded." in text
    assert "Flares on 1 day." in text
    assert "started Paracetamol" in text
    assert "day 1" in text.split("Latest notes:")[1].splitlines()[1]  # newest first
    await shot(page, screenshot_dir, "progress_entries")
