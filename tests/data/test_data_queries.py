"""Every query against expectations computed by hand on small fixtures."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from data import programs, queries, ratings, schedules
from data.models import Outcome, Rating, RatingKind, ReminderStatus, SessionKind, SessionStart
from data.queries import (
    adherence_by_week,
    current_streak,
    newest_sessions_in,
    program_effects,
    recent_sessions,
    sessions_by_kind_between,
    symptoms_by_day,
    symptoms_by_week,
)
from data.sessions import finish_session, start_session
from tests.data.helpers import PARIS, T0

NEW_YORK = ZoneInfo("America/New_York")


def rounded(rows):
    """Round floats so hand-computed thirds compare exactly (approx cannot nest)."""
    return [tuple(round(v, 9) if isinstance(v, float) else v for v in row) for row in rows]


def at(day: int, hour: int = 9, tz=PARIS) -> datetime:
    return datetime(2024, 3, day, hour, 0, tzinfo=tz)


def session(db, program_id, when, before=None, after=None, outcome=Outcome.COMPLETED):
    sid = start_session(db, SessionStart(program_id, {}, {}, 3, None, when))
    if before:
        ratings.add_rating(db, Rating(when, *before), kind=RatingKind.BEFORE, session_id=sid)
    if after:
        ratings.add_rating(
            db, Rating(when + timedelta(minutes=16), *after), kind=RatingKind.AFTER, session_id=sid
        )
    if outcome is not Outcome.RUNNING:
        finish_session(db, sid, outcome, ended_at=when + timedelta(minutes=15))
    return sid


@pytest.fixture
def symptoms(db, program_id):
    ratings.add_checkin(db, Rating(at(1, 7), 6, 4, morning_stiffness_min=30))
    session(db, program_id, at(1, 10), before=(6, 5), after=(3, 3))
    ratings.add_checkin(db, Rating(at(2), 4, 2, morning_stiffness_min=20))
    # 23:30 in New York on the 4th is already the 5th in Paris and UTC: it counts for the 4th
    ratings.add_checkin(db, Rating(datetime(2024, 3, 4, 23, 30, tzinfo=NEW_YORK), 8, 6))
    ratings.add_checkin(db, Rating(at(9), 2, 2, morning_stiffness_min=10))
    ratings.add_checkin(db, Rating(at(10), 4, 4))
    return db


def test_symptoms_by_day_with_rolling_mean(symptoms):
    days = symptoms_by_day(symptoms, date(2024, 3, 1), date(2024, 3, 31))
    got = [
        (d.day.day, d.n, d.pain, d.stiffness, d.morning_stiffness_min, d.pain_7d, d.stiffness_7d)
        for d in days
    ]
    assert rounded(got) == rounded(
        [
            (1, 3, 5.0, 4.0, 30.0, 5.0, 4.0),  # (6+6+3)/3, (4+5+3)/3
            (2, 1, 4.0, 2.0, 20.0, 4.5, 3.0),  # rolling: mean of 5 and 4
            (4, 1, 8.0, 6.0, None, 17 / 3, 4.0),  # days 1, 2, 4
            (9, 1, 2.0, 2.0, 10.0, 5.0, 4.0),  # days 3..9: the 4th and the 9th
            (10, 1, 4.0, 4.0, None, 14 / 3, 4.0),  # days 4..10
        ]
    )


def test_rolling_mean_reaches_back_before_the_range(symptoms):
    days = symptoms_by_day(symptoms, date(2024, 3, 2), date(2024, 3, 9))
    assert [d.day.day for d in days] == [2, 4, 9]
    assert days[0].pain_7d == pytest.approx(4.5)  # includes the 1st, outside the range


def test_symptoms_by_day_for_checkins_only(symptoms):
    [first] = symptoms_by_day(
        symptoms, date(2024, 3, 1), date(2024, 3, 1), kinds=[RatingKind.CHECKIN]
    )
    assert (first.n, first.pain, first.stiffness) == (1, 6.0, 4.0)
    assert symptoms_by_day(symptoms, date(2024, 3, 1), date(2024, 3, 31), kinds=[]) == []


def test_symptoms_by_week(symptoms):
    weeks = symptoms_by_week(symptoms, date(2024, 3, 1), date(2024, 3, 10))
    got = [(w.week_start, w.days, w.n, w.pain, w.stiffness, w.morning_stiffness_min) for w in weeks]
    assert rounded(got) == rounded(
        [
            (date(2024, 2, 26), 2, 4, 4.5, 3.0, 25.0),
            (date(2024, 3, 4), 3, 3, 14 / 3, 4.0, 10.0),
        ]
    )


def test_program_effects_with_confidence_interval(db, program_id):
    strong = programs.save_program(db, "Strong knead", {}, created_at=T0)
    for day, before, after in [
        (1, (6, 5), (3, 3)),
        (2, (5, 4), (4, 3)),
        (3, (7, 6), (5, 5)),
        (4, (4, 4), (4, 2)),
    ]:
        session(db, program_id, at(day), before, after)
    session(db, program_id, at(5), before=(9, 9))  # no after rating: not counted
    session(db, strong, at(5, 18), before=(3, 3), after=(4, 3))
    gentle, strong_effect = sorted(program_effects(db), key=lambda e: e.program_name)
    # pain changes -3, -1, -2, 0: mean -1.5, s = sqrt(5/3), t(0.975, 3) = 3.182446
    half = 3.182446305 * math.sqrt(5 / 3) / 2
    assert gentle.program_id == program_id
    assert gentle.pain.n == 4
    assert gentle.pain.mean == pytest.approx(-1.5)
    assert (gentle.pain.low, gentle.pain.high) == pytest.approx((-1.5 - half, -1.5 + half))
    # stiffness changes -2, -1, -1, -2: mean -1.5, s = sqrt(1/3)
    half_s = 3.182446305 * math.sqrt(1 / 3) / 2
    assert (gentle.stiffness.low, gentle.stiffness.high) == pytest.approx(
        (-1.5 - half_s, -1.5 + half_s)
    )
    assert (
        strong_effect.program_name,
        strong_effect.pain.n,
        strong_effect.pain.mean,
        strong_effect.pain.low,
    ) == ("Strong knead", 1, 1.0, None)
    since = program_effects(db, since=date(2024, 3, 3))
    assert [(e.program_name, e.pain.n, e.pain.mean) for e in since] == [
        ("Gentle wave", 2, -1.0),
        ("Strong knead", 1, 1.0),
    ]


def test_adherence_by_week(db, program_id):
    daily = schedules.add_schedule(
        db, program_id=program_id, rrule_text="FREQ=DAILY", dtstart=at(4, 8)
    )
    twice = schedules.add_schedule(
        db, program_id=program_id, rrule_text="FREQ=WEEKLY;BYDAY=MO,TH", dtstart=at(4, 20)
    )
    off = schedules.add_schedule(
        db, program_id=program_id, rrule_text="FREQ=DAILY", dtstart=at(4, 12), enabled=False
    )
    done, snoozed, skipped = ReminderStatus.DONE, ReminderStatus.SNOOZED, ReminderStatus.SKIPPED
    for sched, occ, status in [
        (daily, at(4, 8), done),
        (daily, at(5, 8), snoozed),
        (daily, at(5, 8), done),
        (daily, at(6, 8), skipped),
        (twice, at(7, 20), done),
        (daily, at(11, 8), done),
        (off, at(4, 12), done),  # a disabled schedule counts neither way
    ]:
        schedules.record_reminder(db, sched, occ, status, at=occ)
    weeks = adherence_by_week(db, date(2024, 3, 6), date(2024, 3, 12))
    assert [(w.week_start, w.scheduled, w.done) for w in weeks] == [
        (date(2024, 3, 4), 9, 3),
        (date(2024, 3, 11), 9, 1),
    ]
    # a week before the schedules began has nothing scheduled
    assert [(w.scheduled, w.done) for w in adherence_by_week(db, at(1).date(), at(1).date())] == [
        (0, 0)
    ]


def plain_adherence(db, start: date, end: date) -> list[tuple[date, int, int]]:
    """Adherence by its definition: per week, a fresh expansion of each enabled schedule
    against its distinct done reminders, each on its local day in the schedule's zone."""
    first = start - timedelta(days=start.weekday())
    stop = end - timedelta(days=end.weekday()) + timedelta(days=7)
    planned: dict[date, int] = {}
    kept: dict[date, int] = {}
    for sched in schedules.list_schedules(db, enabled_only=True):
        lo = datetime.combine(first, datetime.min.time(), sched.tz)
        hi = datetime.combine(stop, datetime.min.time(), sched.tz)
        for occ in schedules.occurrences(sched, lo, hi):
            week = occ.date() - timedelta(days=occ.weekday())
            planned[week] = planned.get(week, 0) + 1
        for text, _utc in db.execute(
            "SELECT DISTINCT occurrence, occurrence_utc FROM reminders "
            "WHERE status = 'done' AND schedule_id = ?",
            [sched.id],
        ).fetchall():
            occ = datetime.fromisoformat(text)
            if lo <= occ < hi:
                local = occ.astimezone(sched.tz).date()
                week = local - timedelta(days=local.weekday())
                kept[week] = kept.get(week, 0) + 1
    weeks = []
    while first < stop:
        weeks.append((first, planned.get(first, 0), kept.get(first, 0)))
        first += timedelta(days=7)
    return weeks


def test_adherence_by_week_matches_a_plain_count_over_years_and_clock_changes(db, program_id):
    """The cached rule (it expands from its start once) gives the counts a fresh expansion
    gives, for any range and in any order of ranges, across clock changes and for reminders
    stored with another offset than the schedule's zone."""
    daily = schedules.add_schedule(
        db, program_id=program_id, rrule_text="FREQ=DAILY;BYHOUR=23", dtstart=at(1, 23)
    )
    weekly = schedules.add_schedule(
        db, program_id=program_id, rrule_text="FREQ=WEEKLY;BYDAY=SU", dtstart=at(3, 1)
    )
    for n in range(0, 800, 3):
        occ = at(1, 23) + timedelta(days=n)
        occ = datetime.combine(occ.date(), occ.time(), PARIS)  # 23:00 wall clock, any season
        stored = occ.astimezone(ZoneInfo("Asia/Tokyo")) if n % 2 else occ  # the next day there
        schedules.record_reminder(db, daily, stored, ReminderStatus.DONE, at=occ)
    for n in range(0, 800, 14):
        occ = datetime(2024, 3, 3, 1, 0, tzinfo=PARIS) + timedelta(days=n)
        schedules.record_reminder(db, weekly, occ, ReminderStatus.DONE, at=occ)

    ranges = [
        (date(2026, 3, 20), date(2026, 4, 10)),  # late first: the rule expands far at once
        (date(2024, 3, 1), date(2026, 5, 1)),
        (date(2024, 10, 20), date(2024, 11, 3)),  # a clock change in October
        (date(2025, 3, 24), date(2025, 4, 6)),  # and one in March
        (date(2024, 2, 1), date(2024, 2, 20)),  # before any schedule began
    ]
    for start, end in ranges:
        got = [(w.week_start, w.scheduled, w.done) for w in adherence_by_week(db, start, end)]
        assert got == plain_adherence(db, start, end), (start, end)


def test_current_streak(db, program_id):
    for day in (1, 2, 3, 5, 6, 6):
        session(db, program_id, at(day))
    session(db, program_id, at(7), outcome=Outcome.STOPPED_BY_USER)
    assert current_streak(db, date(2024, 3, 6)) == 2
    assert current_streak(db, date(2024, 3, 7)) == 2  # nothing completed yet today
    assert current_streak(db, date(2024, 3, 8)) == 0
    assert current_streak(db, date(2024, 3, 3)) == 3
    assert current_streak(db, date(2024, 2, 1)) == 0


def test_recent_sessions_with_ratings(db, program_id):
    first = session(db, program_id, at(1), before=(6, 5), after=(3, 3))
    second = session(db, program_id, at(2), before=(5, 5))
    third = session(db, program_id, at(3), outcome=Outcome.RUNNING)
    got = recent_sessions(db, 2)
    assert [s.session.id for s in got] == [third, second]
    assert (got[0].before, got[0].after) == (None, None)
    assert got[1].before is not None
    assert got[1].before.pain == 5
    assert got[1].after is None
    [only] = [s for s in recent_sessions(db, 10) if s.session.id == first]
    assert only.after is not None
    assert (only.after.pain, only.after.stiffness) == (3, 3)
    assert only.session.outcome is Outcome.COMPLETED


def test_the_newest_sessions_of_a_period_oldest_first_with_counts_by_kind(db, program_id):
    for day in (1, 2, 3, 4):
        session(db, program_id, at(day, 10), before=(day, 2), after=(1, 1) if day % 2 else None)
    session(db, program_id, at(5, 10), outcome=Outcome.RUNNING)  # after the period
    rows = newest_sessions_in(db, date(2024, 3, 1), date(2024, 3, 4), 3)
    assert [(r.started_at, r.pain_before, r.pain_after) for r in rows] == [
        (at(2, 10), 2, None),
        (at(3, 10), 3, 1),
        (at(4, 10), 4, None),
    ]
    assert rows[0].ended_at == at(2, 10) + timedelta(minutes=15)
    assert (rows[0].name, rows[0].outcome, rows[0].caps) == ("Gentle wave", "completed", {})
    assert sessions_by_kind_between(db, date(2024, 3, 1), date(2024, 3, 4)) == {
        SessionKind.THENAR: 4
    }
    assert sessions_by_kind_between(db, date(2024, 3, 6), date(2024, 3, 9)) == {}


def test_a_kept_expansion_is_per_zone_not_per_instant():
    """08:00 in Paris and 08:00 in Lagos are the same instant in winter (equal datetimes),
    yet the same rule expands differently in each zone: each keeps its own."""
    lagos = ZoneInfo("Africa/Lagos")
    paris_start = datetime(2024, 1, 1, 8, tzinfo=PARIS)
    lagos_start = datetime(2024, 1, 1, 8, tzinfo=lagos)
    assert paris_start == lagos_start
    rule = "FREQ=DAILY;BYHOUR=23"
    paris = queries._expansion(rule, paris_start.replace(tzinfo=None), PARIS)
    in_lagos = queries._expansion(rule, lagos_start.replace(tzinfo=None), lagos)
    assert paris is not in_lagos
    summer = datetime(2024, 7, 1, tzinfo=PARIS), datetime(2024, 7, 2, tzinfo=PARIS)
    paris.weeks_between(*summer)
    in_lagos.weeks_between(summer[0].replace(tzinfo=lagos), summer[1].replace(tzinfo=lagos))
    assert set(paris.week_of) != set(in_lagos.week_of)  # 21:00 UTC in Paris, 22:00 in Lagos
