"""The schedule model without a display: picker round trips, the reminder clock, actions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from appcore.context import AppContext
from appcore.db_worker import DbWorker
from appcore.events import SchedulesChanged
from appcore.programs import ensure_routines
from appcore.reminders import MAX_WAIT, SNOOZE, ScheduleService, load_snapshot
from appcore.schedule_picker import PickerChoice, PickerError, Repeat
from appcore.schedule_week import Mark, missed_sessions, overload_warning, week_overview
from appcore.schedule_words import choice_sentence, entry_sentence, when_text
from appcore.settings import Settings
from data import schedules as store
from data.db import LogDb
from data.models import ReminderStatus
from therapy import Schedule

UTC = dt.UTC
BERLIN = ZoneInfo("Europe/Berlin")
# Europe/Berlin springs forward on Sunday 29 March 2026 (02:00 -> 03:00) and falls
# back on Sunday 25 October 2026.
SAT_BEFORE_SPRING = dt.datetime(2026, 3, 28, 9, 0, tzinfo=BERLIN)
MON = dt.datetime(2026, 3, 9, 7, 0, tzinfo=BERLIN)  # a Monday


@pytest.fixture
def programs(db: LogDb) -> dict[str, int]:
    return ensure_routines(db, MON)


CHOICES = [
    PickerChoice(Repeat.DAILY, dt.time(8, 0)),
    PickerChoice(Repeat.WEEKDAYS, dt.time(7, 30), "typing_recovery", lead_min=0),
    PickerChoice(Repeat.DAYS, dt.time(18, 15), days=frozenset({0, 2, 4}), lead_min=30),
    PickerChoice(Repeat.DAYS, dt.time(9, 0), days=frozenset({5, 6}), count=10),
    PickerChoice(Repeat.EVERY_N_DAYS, dt.time(21, 0), "evening_wind_down", every_n=3),
    PickerChoice(Repeat.DAILY, dt.time(8, 0), until=dt.date(2026, 6, 30), lead_min=60),
    PickerChoice(Repeat.WEEKDAYS, dt.time(2, 30), count=1),  # inside the DST gap some days
]


@pytest.mark.parametrize("choice", CHOICES)
def test_picker_round_trips_through_rrule(choice: PickerChoice) -> None:
    sched = choice.schedule(MON, BERLIN)  # validated by therapy.schedule
    back = PickerChoice.from_rrule(
        sched.rule, sched.start, routine_id=choice.routine_id, lead_min=choice.lead_min
    )
    assert back == choice.normalised()
    assert back is not None
    assert choice_sentence(back) == choice_sentence(choice)


def test_sentences_read_plainly() -> None:
    weekday = PickerChoice(Repeat.WEEKDAYS, dt.time(8, 0))
    assert weekday.rrule(BERLIN) == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
    assert choice_sentence(weekday) == (
        "Every weekday at 8:00, Morning ease, reminder 10 minutes before"
    )
    chosen = PickerChoice(Repeat.DAYS, dt.time(18, 5), days=frozenset({4, 0, 2}), count=6)
    assert chosen.rrule(BERLIN) == "FREQ=WEEKLY;COUNT=6;BYDAY=MO,WE,FR"
    assert when_text(chosen) == "Every Monday, Wednesday and Friday at 18:05, 6 times"
    gap = PickerChoice(Repeat.EVERY_N_DAYS, dt.time(21, 0), "evening_wind_down", 0, every_n=2)
    assert (
        choice_sentence(gap)
        == "Every 2 days at 21:00, Evening wind-down, reminder at the start time"
    )
    ends = PickerChoice(until=dt.date(2026, 4, 3), lead_min=90)
    assert choice_sentence(ends) == (
        "Every day at 8:00, until Friday 3 April 2026, Morning ease, "
        "reminder 1 hour 30 minutes before"
    )
    # UNTIL is the end of the last local day, in UTC as RFC 5545 asks.
    assert ends.rrule(BERLIN) == "FREQ=DAILY;UNTIL=20260403T215959Z"


def test_all_seven_days_is_every_day_and_weekdays_are_weekdays() -> None:
    six = PickerChoice(Repeat.DAYS, days=frozenset({0, 1, 2, 3, 4, 6}))
    assert when_text(six) == "Every day except Saturday at 8:00"
    assert PickerChoice(Repeat.DAYS, days=frozenset(range(7))).normalised().repeat is Repeat.DAILY
    assert when_text(PickerChoice(Repeat.DAYS, days=frozenset(range(5)))).startswith(
        "Every weekday"
    )


@pytest.mark.parametrize(
    ("choice", "words"),
    [
        (PickerChoice(Repeat.DAYS), "at least one day"),
        (PickerChoice(until=dt.date(2026, 3, 1)), "already passed"),
        (PickerChoice(count=0), "at least 1"),
        (PickerChoice(routine_id="nope"), "routines"),
        (PickerChoice(lead_min=2000), "at most a day"),
    ],
)
def test_bad_choices_say_why_in_plain_words(choice: PickerChoice, words: str) -> None:
    with pytest.raises(PickerError, match=words):
        choice.schedule(MON, BERLIN)


def test_first_session_is_the_next_matching_day() -> None:
    # Monday 07:00: today's 8:00 is still ahead; at 9:00 the next weekday is Tuesday.
    assert PickerChoice(Repeat.WEEKDAYS).first_start(MON, BERLIN) == MON.replace(hour=8)
    later = MON.replace(hour=9)
    assert PickerChoice(Repeat.WEEKDAYS).first_start(later, BERLIN).day == 10
    friday_evening = dt.datetime(2026, 3, 13, 20, 0, tzinfo=BERLIN)
    assert PickerChoice(Repeat.WEEKDAYS).first_start(friday_evening, BERLIN).day == 16


def test_rules_the_picker_cannot_show_fall_back_to_the_rule() -> None:
    assert PickerChoice.from_rrule("FREQ=MONTHLY", MON, routine_id="x", lead_min=0) is None
    assert PickerChoice.from_rrule("FREQ=WEEKLY;BYDAY=1MO", MON, routine_id="x", lead_min=0) is None


def _add(db: LogDb, program_id: int, choice: PickerChoice, now: dt.datetime) -> int:
    sched = choice.schedule(now, BERLIN)
    return store.add_schedule(
        db, program_id=program_id, rrule_text=sched.rule, dtstart=sched.start,
        lead_min=choice.lead_min,
    )  # fmt: skip


def test_next_due_keeps_local_time_across_spring_forward(
    db: LogDb, programs: dict[str, int]
) -> None:
    now = SAT_BEFORE_SPRING
    sid = _add(db, programs["arthritis_morning"], PickerChoice(), now)
    clock = load_snapshot(db, now).clock()
    due = clock.next_due(now)
    assert due is not None
    assert due.schedule_id == sid
    assert due.program_id == programs["arthritis_morning"]
    assert due.occurrence == dt.datetime(2026, 3, 29, 8, 0, tzinfo=BERLIN)
    assert due.at.astimezone(BERLIN).time() == dt.time(7, 50)
    assert due.at - now.astimezone(UTC) == dt.timedelta(hours=21, minutes=50)  # a 23-hour day
    assert clock.wait(now) == MAX_WAIT  # one timer, re-armed at most a minute later
    assert clock.due_now(now) == []
    just_before = due.at - dt.timedelta(seconds=1)
    assert clock.wait(just_before) == dt.timedelta(seconds=1)
    assert clock.due_now(due.at) == [due]
    # Fall back: Sunday 25 October is a 25-hour day; still 7:50 local.
    autumn = dt.datetime(2026, 10, 24, 9, 0, tzinfo=BERLIN)
    due = load_snapshot(db, autumn).clock().next_due(autumn)
    assert due is not None
    assert due.at - autumn.astimezone(UTC) == dt.timedelta(hours=23, minutes=50)


def test_snooze_skip_and_done_are_recorded_and_respected(
    db: LogDb, programs: dict[str, int]
) -> None:
    sid = _add(db, programs["arthritis_morning"], PickerChoice(), MON)
    now = MON.replace(hour=7, minute=50)
    due = load_snapshot(db, now).clock().due_now(now)[0]

    store.record_reminder(db, sid, due.occurrence, ReminderStatus.SNOOZED, at=now)
    clock = load_snapshot(db, now).clock()
    again = clock.next_due(now)
    assert again is not None
    assert again.snoozed
    assert again.occurrence == due.occurrence
    assert again.at == now.astimezone(UTC) + SNOOZE
    assert clock.due_now(now) == []

    later = now + SNOOZE
    store.record_reminder(db, sid, due.occurrence, ReminderStatus.SKIPPED, at=later)
    nxt = load_snapshot(db, later).clock().next_due(later)
    assert nxt is not None
    assert nxt.occurrence == due.occurrence + dt.timedelta(days=1)

    store.record_reminder(db, sid, nxt.occurrence, ReminderStatus.DONE, at=nxt.at)
    events = store.list_reminders(db, schedule_id=sid)
    assert [e.status for e in events] == ["snoozed", "skipped", "done"]
    day_after = nxt.occurrence + dt.timedelta(hours=2)
    upcoming = load_snapshot(db, day_after).clock().next_due(day_after)
    assert upcoming is not None
    assert upcoming.occurrence == due.occurrence + dt.timedelta(days=2)


def test_a_reminder_missed_while_closed_is_offered_for_an_hour(
    db: LogDb, programs: dict[str, int]
) -> None:
    _add(db, programs["arthritis_morning"], PickerChoice(), MON)
    late = MON.replace(hour=8, minute=30)
    assert [d.occurrence.hour for d in load_snapshot(db, late).clock().due_now(late)] == [8]
    too_late = MON.replace(hour=9, minute=0)
    assert load_snapshot(db, too_late).clock().due_now(too_late) == []


def test_missed_sessions_are_marked(db: LogDb, programs: dict[str, int]) -> None:
    sid = _add(db, programs["arthritis_morning"], PickerChoice(), MON)
    tue = MON + dt.timedelta(days=1)
    store.record_reminder(db, sid, tue.replace(hour=8), ReminderStatus.DONE, at=tue)
    wed = MON + dt.timedelta(days=2)
    store.record_reminder(db, sid, wed.replace(hour=8), ReminderStatus.SKIPPED, at=wed)
    now = MON + dt.timedelta(days=3, hours=6)  # Thursday 13:00
    snap = load_snapshot(db, now)
    missed = missed_sessions(snap, now)
    assert [m.when for m in missed] == [MON.replace(hour=8), now.replace(hour=8)]
    week = week_overview(snap, now)
    assert [w.mark for w in week[:2]] == [Mark.MISSED, Mark.MISSED]
    assert {w.mark for w in week[2:]} == {Mark.PLANNED}
    assert len(week[2:]) == 7
    # At 10:00 today's 8:00 is late but still doable (within 3 hours), not missed.
    ten = now.replace(hour=10)
    late = week_overview(load_snapshot(db, ten), ten)
    assert [(w.mark, w.when.hour) for w in late[:2]] == [(Mark.MISSED, 8), (Mark.LATE, 8)]
    assert late[0].when.day == 9


def test_more_than_three_a_day_is_warned_about(db: LogDb, programs: dict[str, int]) -> None:
    for hour in (8, 12, 16):
        _add(db, programs["arthritis_morning"], PickerChoice(at=dt.time(hour, 0)), MON)
    snap = load_snapshot(db, MON)
    assert overload_warning(snap, MON, BERLIN) is None
    fourth: Schedule = PickerChoice(Repeat.DAYS, dt.time(20, 0), days=frozenset({2})).schedule(
        MON, BERLIN
    )
    one_day = overload_warning(snap, MON, BERLIN, extra=fourth)
    assert one_day is not None
    assert one_day.startswith("Wednesday 11 March 2026 would have 4 sessions.")
    assert "at most 3" in one_day
    every_day = PickerChoice(at=dt.time(20, 0)).schedule(MON, BERLIN)
    many = overload_warning(snap, MON, BERLIN, extra=every_day)
    assert many is not None
    assert many.startswith("7 days in the coming week would have more than 3 sessions")


async def test_service_adds_records_exports_and_deletes(tmp_path: Path) -> None:
    worker = DbWorker(tmp_path / "log")
    await worker.open()
    seen: list[SchedulesChanged] = []
    ctx = AppContext(Settings(), tmp_path / "settings.json", worker)
    ctx.log.schedules.subscribe(seen.append)
    clock = [MON]
    service = ScheduleService(ctx, now=lambda: clock[0])
    try:
        sid = await service.add(PickerChoice(Repeat.WEEKDAYS), BERLIN)
        snap = await service.load()
        assert entry_sentence(snap.entries[0]) == (
            "Every weekday at 8:00, Morning ease, reminder 10 minutes before"
        )
        assert snap.next_time(sid, MON) == MON.replace(hour=8)
        clock[0] = MON.replace(hour=7, minute=50)
        due = (await service.load()).clock().due_now(clock[0])[0]
        await service.snooze(due)
        await service.done(due)
        snap = await service.load()
        assert [r.status for r in snap.reminders] == ["snoozed", "done"]

        path = await service.export_ics(tmp_path / "thenar.ics")
        assert path.stat().st_mode & 0o777 == 0o600
        event = Calendar.from_ical(path.read_bytes()).walk("VEVENT")[0]
        assert event["RRULE"].to_ical() == b"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"

        await service.set_enabled(sid, False)
        assert (await service.load()).clock().next_due(clock[0]) is None
        await service.delete(sid)
        assert (await service.load()).entries == ()
        assert seen == [SchedulesChanged()] * 5
    finally:
        await worker.close()
