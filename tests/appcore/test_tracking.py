"""Issue 14: the check-in is one of the day's entries, written by the safety owner with it;
the tracking owner announces every entry as a typed event (real log in tmp)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from appcore.context import AppContext
from appcore.db_worker import DbWorker
from appcore.entry_words import deletion_question, describe_entry
from appcore.manual_session import ManualSessions
from appcore.settings import Settings
from appcore.tracking import EntriesChanged, EntryChange, RecentLog
from data import checkins, entries
from data.entries import Entry, Hand
from data.errors import InvalidInputError
from data.models import Rating
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


# --- correcting and deleting, the list of entries (issue 14) ------------------------------


async def test_correcting_a_checkins_entry_leaves_todays_checkin_and_caps(ctx: AppContext) -> None:
    events: list[EntriesChanged] = []
    ctx.tracking.subscribe(events.append)
    state = await ctx.safety.check_in(CheckIn(NOW.date(), flare=True, discomfort=8))
    caps, answers = state.caps, state.checkin
    (record,) = await ctx.tracking.entries_on(NOW.date())
    corrected = await ctx.tracking.correct_entry(record, Entry(at=record.entry.at, pain=3))
    assert (corrected.id, corrected.checkin_id, corrected.entry) == (
        record.id,
        record.checkin_id,
        Entry(at=NOW, pain=3),
    )
    assert events[-1] == EntriesChanged(EntryChange.CORRECTED, NOW.date(), record.id)
    assert ctx.safety.state.caps == caps
    assert ctx.safety.state.checkin == answers
    await ctx.safety.load()  # read back from the log: the check-in is as it was taken
    assert ctx.safety.state.checked_in
    assert ctx.safety.state.caps == caps
    (stored,) = await ctx.db.run(checkins.list_checkins)
    assert stored.discomfort == 8
    await ctx.tracking.delete_entry(corrected)
    assert events[-1] == EntriesChanged(EntryChange.DELETED, NOW.date(), record.id)
    assert await ctx.tracking.entries_on(NOW.date()) == []
    assert len(await ctx.db.run(checkins.list_checkins)) == 1


async def test_a_bad_correction_is_refused_and_announced_nowhere(ctx: AppContext) -> None:
    record = await ctx.tracking.add_entry(Entry(at=NOW, pain=4))
    events: list[EntriesChanged] = []
    ctx.tracking.subscribe(events.append)
    with pytest.raises(InvalidInputError, match="not on your medication list"):
        await ctx.tracking.correct_entry(
            record, Entry(at=NOW, pain=2, medications=frozenset({"Never added"}))
        )
    assert events == []
    assert (await ctx.tracking.entries_on(NOW.date()))[0].entry == Entry(at=NOW, pain=4)


async def test_the_newest_entries_and_rated_sessions_merge_newest_first(ctx: AppContext) -> None:
    """Entries and sessions' ratings, newest first; `more` says older ones exist; a session
    without ratings is not listed (nothing to see)."""
    clock = [NOW - dt.timedelta(hours=10)]
    manual = ManualSessions(ctx.db, ctx.safety, lambda: clock[0], lambda: None)
    await manual.log_other(10, None, None)  # unrated: not listed
    made: list[str] = []
    for i in range(6):
        clock[0] += dt.timedelta(hours=1)
        if i % 2:
            rating = Rating(clock[0], i, i)
            await manual.log_other(10, rating, Rating(clock[0], i - 1, i - 1))
            made.append(f"session {i}")
        else:
            await ctx.tracking.add_entry(Entry(at=clock[0], pain=i))
            made.append(f"entry {i}")

    def names(log: RecentLog) -> list[str]:
        return [
            f"entry {item.entry.pain}"
            if isinstance(item, entries.EntryRecord)
            else f"session {item.before.pain if item.before else '?'}"
            for item in log.items
        ]

    first = await ctx.tracking.newest(4)
    assert names(first) == made[::-1][:4]
    assert first.more
    everything = await ctx.tracking.newest(10)
    assert names(everything) == made[::-1]
    assert not everything.more


def test_entries_in_words_name_only_what_was_rated() -> None:
    full = Entry(
        at=NOW,
        pain=3,
        morning_stiffness_min=20,
        hand=Hand.BOTH,
        left_zones=frozenset({5}),
        right_zones=frozenset({0, 2}),
        flare=True,
        note="stiff\nafter typing " + "x" * 200,
        medications=frozenset({"Paracetamol", "arnica gel"}),
    )
    words = describe_entry(full)
    assert words.startswith(
        "Pain 3, morning stiffness 20 min. Left hand: wrist. "
        "Right hand: thumb base, palm. A flare. Took arnica gel, Paracetamol. "
        "Note: stiff after typing xxx"
    )
    assert words.endswith("…")
    assert len(words) < 300
    assert "stiffness 0" not in words
    assert "stiffness" not in words.split("morning")[0]
    assert describe_entry(Entry(at=NOW, stiffness=0, flare=False)) == "Stiffness 0. No flare."
    plain = entries.EntryRecord(1, full)
    question = deletion_question(plain, "Today at 19:00")
    assert question.startswith(
        "Delete your entry of Today at 19:00? This removes, for good: Pain 3"
    )
    assert "x" * 200 in question  # the whole note: exactly what goes
    assert question.endswith("Nothing else changes.")
    checkin = entries.EntryRecord(2, full, checkin_id=5)
    assert "Your check-in itself stays" in deletion_question(checkin, "Today at 19:00")
