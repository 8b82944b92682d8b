"""Issue 14: the check-in is one of the day's entries, written by the safety owner with it;
the tracking owner announces every entry as a typed event (real log in tmp)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from appcore.context import AppContext
from appcore.db_worker import DbWorker
from appcore.settings import Settings
from appcore.tracking import EntriesChanged, EntryChange
from data import checkins, entries
from data.entries import Entry, Hand
from data.errors import InvalidInputError
from tests.appcore.conftest import CLEAR_ANSWERS
from therapy import CheckIn

NOW = dt.datetime(2026, 11, 26, 9, 30).astimezone()


@pytest.fixture
async def ctx(tmp_path: Path) -> AsyncIterator[AppContext]:
    worker = DbWorker(tmp_path / "data")
    await worker.open()
    context = AppContext(Settings(), tmp_path / "settings.json", worker, now=lambda: NOW)
    await context.safety.save_screening(CLEAR_ANSWERS)
    yield context
    await worker.close()


async def test_a_checkin_is_stored_as_the_days_entry_with_its_details(ctx: AppContext) -> None:
    events: list[EntriesChanged] = []
    ctx.tracking.subscribe(events.append)
    await ctx.tracking.add_medication("Paracetamol")
    details = Entry(
        at=NOW - dt.timedelta(hours=5),  # the owner stamps the time of saving
        pain=0,  # ... and the check-in's own discomfort and flare win
        stiffness=6,
        morning_stiffness_min=40,
        hand=Hand.RIGHT,
        right_zones=frozenset({0, 5}),
        note="stiff after gardening",
        medications=frozenset({"Paracetamol"}),
    )
    state = await ctx.safety.check_in(CheckIn(NOW.date(), flare=True, discomfort=4), details)
    assert state.checked_in
    assert state.checkin is not None
    (record,) = await ctx.tracking.entries_on(NOW.date())
    assert record.checkin_id == state.checkin.record_id
    assert record.entry == Entry(
        at=NOW,
        pain=4,
        stiffness=6,
        morning_stiffness_min=40,
        hand=Hand.RIGHT,
        right_zones=frozenset({0, 5}),
        flare=True,
        note="stiff after gardening",
        medications=frozenset({"Paracetamol"}),
    )
    assert [e.change for e in events] == [EntryChange.MEDICATIONS, EntryChange.CHECKED_IN]


async def test_a_checkin_without_details_is_still_an_entry(ctx: AppContext) -> None:
    await ctx.safety.check_in(CheckIn(NOW.date(), discomfort=2))
    (record,) = await ctx.tracking.entries_on(NOW.date())
    assert (record.entry.pain, record.entry.flare, record.entry.stiffness) == (2, False, None)


async def test_bad_details_store_neither_the_checkin_nor_the_entry(ctx: AppContext) -> None:
    details = Entry(at=NOW, stiffness=3, medications=frozenset({"Never added"}))
    with pytest.raises(InvalidInputError, match="not on your medication list"):
        await ctx.safety.check_in(CheckIn(NOW.date(), discomfort=2), details)
    assert not ctx.safety.state.checked_in
    assert await ctx.db.run(checkins.list_checkins) == []
    assert await ctx.db.run(entries.list_entries) == []


async def test_more_than_one_entry_a_day_and_each_is_announced(ctx: AppContext) -> None:
    events: list[EntriesChanged] = []
    ctx.tracking.subscribe(events.append)
    await ctx.safety.check_in(CheckIn(NOW.date(), discomfort=5))
    first = await ctx.tracking.add_entry(Entry(at=NOW, stiffness=7))
    second = await ctx.tracking.add_entry(Entry(at=NOW, note="evening: better"))
    day = await ctx.tracking.entries_on(NOW.date())
    assert [r.id for r in day][1:] == [first.id, second.id]
    assert len(day) == 3
    await ctx.tracking.delete_entry(first)
    assert [e.change for e in events] == [
        EntryChange.CHECKED_IN,
        EntryChange.ADDED,
        EntryChange.ADDED,
        EntryChange.DELETED,
    ]
    assert [e.entry_id for e in events[1:]] == [first.id, second.id, first.id]
    assert len(await ctx.tracking.entries_on(NOW.date())) == 2
