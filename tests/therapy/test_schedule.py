"""Recurring sessions: DST transitions, missed sessions, crowded days, rule validation."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from therapy.defaults import MAX_SESSIONS_PER_DAY
from therapy.errors import ScheduleError
from therapy.schedule import DEFAULT_TOLERANCE, Schedule, missed, overloaded_days, parse_rule

UTC = dt.UTC
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)

# 2025 transitions (tz database): Berlin 30 Mar 02:00 -> 03:00 and 26 Oct 03:00 -> 02:00;
# New York 9 Mar 02:00 -> 03:00 and 2 Nov 02:00 -> 01:00.
TRANSITIONS = [
    pytest.param(BERLIN, dt.date(2025, 3, 30), -1, id="berlin-spring"),
    pytest.param(BERLIN, dt.date(2025, 10, 26), +1, id="berlin-fall"),
    pytest.param(NEW_YORK, dt.date(2025, 3, 9), -1, id="new-york-spring"),
    pytest.param(NEW_YORK, dt.date(2025, 11, 2), +1, id="new-york-fall"),
]
# The local hour that is skipped (spring) or repeated (fall) on each of those days.
CHANGING_HOUR = [
    pytest.param(BERLIN, dt.date(2025, 3, 30), -1, 2, id="berlin-spring"),
    pytest.param(BERLIN, dt.date(2025, 10, 26), +1, 2, id="berlin-fall"),
    pytest.param(NEW_YORK, dt.date(2025, 3, 9), -1, 2, id="new-york-spring"),
    pytest.param(NEW_YORK, dt.date(2025, 11, 2), +1, 1, id="new-york-fall"),
]


def at(tz: ZoneInfo, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tz)


@pytest.mark.parametrize(("tz", "day", "shift"), TRANSITIONS)
def test_daily_session_keeps_local_time_across_dst(tz: ZoneInfo, day: dt.date, shift: int) -> None:
    s = Schedule("FREQ=DAILY;BYHOUR=8;BYMINUTE=0", at(tz, day - 3 * DAY, 8))
    got = s.occurrences(at(tz, day - 2 * DAY, 9), 4)
    assert [o.date() for o in got] == [day - DAY, day, day + DAY, day + 2 * DAY]
    assert all((o.hour, o.minute) == (8, 0) for o in got)
    assert all(o.tzinfo is tz for o in got)
    # The clocks change in the night before `day`: that gap is 23 or 25 real hours.
    gaps = [(b.astimezone(UTC) - a.astimezone(UTC)) for a, b in itertools.pairwise(got)]
    assert gaps == [DAY + shift * HOUR, DAY, DAY]
    offsets = {o.utcoffset() for o in got}
    assert len(offsets) == 2  # the offset really changed in between
    before, after = got[0].utcoffset(), got[-1].utcoffset()
    assert before is not None
    assert after is not None
    assert (after - before) == -shift * HOUR


@pytest.mark.parametrize(("tz", "day", "shift", "hour"), CHANGING_HOUR)
def test_session_at_the_changing_hour(tz: ZoneInfo, day: dt.date, shift: int, hour: int) -> None:
    # hour:30 does not exist on spring-forward days and happens twice on fall-back days.
    s = Schedule("FREQ=DAILY", at(tz, day - 2 * DAY, hour, 30))
    got = s.occurrences(at(tz, day - DAY, 12), 2)
    assert got[0].date() == day
    on_day = got[0]
    # It is a real instant: converting through UTC and back gives the same wall time.
    assert on_day.astimezone(UTC).astimezone(tz) == on_day
    # RFC 5545: a missing time moves forward by the gap...
    assert (on_day.hour, on_day.minute) == ((hour + 1, 30) if shift < 0 else (hour, 30))
    if shift > 0:  # ...and a repeated one means the first of the two (still summer time)
        later = on_day.replace(fold=1)
        assert on_day.astimezone(UTC) < later.astimezone(UTC)
    assert got[1] == at(tz, day + DAY, hour, 30)


@pytest.mark.parametrize(("tz", "day", "shift"), TRANSITIONS)
def test_hourly_rule_has_one_entry_per_real_instant(tz: ZoneInfo, day: dt.date, shift: int) -> None:
    s = Schedule("FREQ=HOURLY;INTERVAL=1", at(tz, day, 0))
    got = s.between(at(tz, day, 0), at(tz, day + DAY, 0))
    instants = [o.astimezone(UTC) for o in got]
    assert instants == sorted(set(instants))  # strictly increasing, no duplicates
    # The spring day has 23 real hours; dateutil yields wall-clock hours, so the fall
    # day's repeated hour appears once (RFC 5545 takes the first): 24 entries.
    assert len(got) == (23 if shift < 0 else 24)


def test_schedules_in_two_zones_see_the_same_instants() -> None:
    s = Schedule(
        "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=19;BYMINUTE=30", at(BERLIN, dt.date(2025, 3, 3), 19, 30)
    )
    after_berlin = at(BERLIN, dt.date(2025, 3, 25), 0)
    after_ny = after_berlin.astimezone(NEW_YORK)
    assert s.occurrences(after_berlin, 5) == s.occurrences(after_ny, 5)
    assert all(
        o.weekday() in (0, 2, 4) and (o.hour, o.minute) == (19, 30)
        for o in s.occurrences(after_ny, 10)
    )


def test_occurrences_are_strictly_after_and_respect_count() -> None:
    start = at(BERLIN, dt.date(2025, 1, 1), 8)
    s = Schedule("FREQ=DAILY;COUNT=5", start)
    assert s.occurrences(start, 10) == tuple(start + k * DAY for k in range(1, 5))
    assert s.occurrences(start - DAY, 10)[0] == start
    assert s.occurrences(start + 10 * DAY, 3) == ()


def test_until_is_inclusive_and_in_utc() -> None:
    start = at(NEW_YORK, dt.date(2025, 1, 1), 8)
    until = (start + 2 * DAY).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    s = Schedule(f"FREQ=DAILY;UNTIL={until}", start)
    assert len(s.between(start, start + 30 * DAY)) == 3


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("", "empty"),
        ("BYHOUR=8", "FREQ is required"),
        ("FREQ=DAILY;COUNT=3;UNTIL=20260101T000000Z", "not both"),
        ("FREQ=DAILY;FREQ=WEEKLY", "twice"),
        ("FREQ=FORTNIGHTLY", "not a frequency"),
        ("FREQ=MINUTELY", "too frequent"),
        ("FREQ=DAILY;COUNT=0", "positive"),
        ("FREQ=DAILY;INTERVAL=-1", "positive"),
        ("FREQ=DAILY;UNTIL=20260101T000000", "UTC"),
        ("FREQ=DAILY;COLOR=RED", "not an RFC 5545"),
        ("FREQ=DAILY;BYHOUR", "NAME=VALUE"),
        ("FREQ=WEEKLY;BYDAY=XX", "invalid"),
        ("FREQ=DAILY;BYHOUR=25", "invalid"),
    ],
)
def test_invalid_rules_raise_clear_errors(rule: str, message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        Schedule(rule, at(BERLIN, dt.date(2025, 1, 1), 8))


def test_rule_prefix_and_case_are_accepted() -> None:
    assert parse_rule("RRULE:freq=weekly;byday=mo") == {"FREQ": "WEEKLY", "BYDAY": "MO"}


@pytest.mark.parametrize(
    "start", [dt.datetime(2025, 1, 1, 8), dt.datetime(2025, 1, 1, 8, tzinfo=UTC)]
)
def test_start_needs_a_named_zone(start: dt.datetime) -> None:
    with pytest.raises(ScheduleError, match="ZoneInfo"):
        Schedule("FREQ=DAILY", start)


def test_naive_query_times_are_rejected() -> None:
    s = Schedule("FREQ=DAILY", at(BERLIN, dt.date(2025, 1, 1), 8))
    with pytest.raises(ScheduleError, match="aware"):
        s.occurrences(dt.datetime(2025, 1, 2), 1)


@pytest.mark.parametrize(("tz", "day", "shift"), TRANSITIONS)
def test_missed_sessions_across_dst(tz: ZoneInfo, day: dt.date, shift: int) -> None:
    s = Schedule("FREQ=DAILY;BYHOUR=8,20", at(tz, day - 3 * DAY, 8))
    since, now = at(tz, day - 2 * DAY, 0), at(tz, day + DAY, 21)
    planned = s.between(since, now)
    # Done: every session except the evening before and the morning of the change, done
    # 10 minutes late and recorded in UTC.
    skipped = {at(tz, day - DAY, 20), at(tz, day, 8)}
    done = [(p + dt.timedelta(minutes=10)).astimezone(UTC) for p in planned if p not in skipped]
    assert set(missed(s, done, since=since, now=now)) == skipped


def test_one_done_session_accounts_for_only_one_planned() -> None:
    s = Schedule("FREQ=DAILY;BYHOUR=8,9;BYMINUTE=0", at(BERLIN, dt.date(2025, 5, 1), 8))
    since, now = at(BERLIN, dt.date(2025, 5, 1), 0), at(BERLIN, dt.date(2025, 5, 1), 23)
    got = missed(s, [at(BERLIN, dt.date(2025, 5, 1), 8, 30)], since=since, now=now)
    assert len(got) == 1


def test_a_session_is_not_missed_before_its_tolerance_passes() -> None:
    s = Schedule("FREQ=DAILY;BYHOUR=8", at(BERLIN, dt.date(2025, 5, 1), 8))
    planned = at(BERLIN, dt.date(2025, 5, 2), 8)
    since = at(BERLIN, dt.date(2025, 5, 2), 0)
    assert (
        missed(s, [], since=since, now=planned + DEFAULT_TOLERANCE - dt.timedelta(seconds=1)) == ()
    )
    assert missed(s, [], since=since, now=planned + DEFAULT_TOLERANCE) == (planned,)


def test_done_far_from_any_plan_does_not_count() -> None:
    s = Schedule("FREQ=DAILY;BYHOUR=8", at(BERLIN, dt.date(2025, 5, 1), 8))
    since, now = at(BERLIN, dt.date(2025, 5, 2), 0), at(BERLIN, dt.date(2025, 5, 2), 23)
    done = [at(BERLIN, dt.date(2025, 5, 2), 8) + DEFAULT_TOLERANCE + dt.timedelta(minutes=1)]
    assert missed(s, done, since=since, now=now) == (at(BERLIN, dt.date(2025, 5, 2), 8),)


def test_more_than_three_sessions_a_day_is_flagged() -> None:
    start = at(BERLIN, dt.date(2025, 5, 5), 7)  # a Monday
    daily = Schedule("FREQ=DAILY;BYHOUR=7,13,19", start)
    mondays = Schedule("FREQ=WEEKLY;BYDAY=MO;BYHOUR=22", at(BERLIN, dt.date(2025, 5, 5), 22))
    window = (start, start + 14 * DAY)
    assert overloaded_days([daily], *window, tz=BERLIN) == ()
    loads = overloaded_days([daily, mondays], *window, tz=BERLIN)
    assert [x.day.weekday() for x in loads] == [0, 0]
    assert all(x.count == MAX_SESSIONS_PER_DAY + 1 for x in loads)
    assert str(MAX_SESSIONS_PER_DAY) in loads[0].message


def test_sessions_already_done_count_toward_the_day() -> None:
    day = dt.date(2025, 5, 6)
    daily = Schedule("FREQ=DAILY;BYHOUR=13,19", at(BERLIN, day, 13))
    now = at(BERLIN, day, 12)
    done = [at(BERLIN, day, 7), at(BERLIN, day, 9)]
    loads = overloaded_days(
        [daily], at(BERLIN, day, 0), at(BERLIN, day + DAY, 0), tz=BERLIN, done=done, now=now
    )
    assert [(x.day, x.count) for x in loads] == [(day, 4)]


def test_days_are_counted_in_the_viewers_zone() -> None:
    # Berlin: three on Monday, one at 01:00 on Tuesday, which is still Monday in New York.
    monday = dt.date(2025, 5, 5)
    three = Schedule("FREQ=WEEKLY;BYDAY=MO;BYHOUR=7,13,19", at(BERLIN, monday, 7))
    late = Schedule("FREQ=WEEKLY;BYDAY=TU;BYHOUR=1", at(BERLIN, monday + DAY, 1))
    window = (at(BERLIN, monday, 0), at(BERLIN, monday, 0) + 7 * DAY)
    assert overloaded_days([three, late], *window, tz=BERLIN) == ()
    ny = overloaded_days([three, late], *window, tz=NEW_YORK)
    assert [(x.day, x.count) for x in ny] == [(monday, MAX_SESSIONS_PER_DAY + 1)]


@settings(max_examples=60, deadline=None)
@given(
    tz=st.sampled_from([BERLIN, NEW_YORK, ZoneInfo("Australia/Sydney"), ZoneInfo("Asia/Kolkata")]),
    start_day=st.dates(dt.date(2024, 1, 1), dt.date(2026, 12, 31)),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 15, 30, 45]),
    query_offset_h=st.integers(0, 24 * 400),
)
def test_daily_occurrences_are_ordered_real_and_one_per_day(
    tz: ZoneInfo, start_day: dt.date, hour: int, minute: int, query_offset_h: int
) -> None:
    start = at(tz, start_day, hour, minute)
    s = Schedule(f"FREQ=DAILY;BYHOUR={hour};BYMINUTE={minute}", start)
    after = start + dt.timedelta(hours=query_offset_h)
    got = s.occurrences(after, 5)
    assert len(got) == 5
    assert all(o > after for o in got)
    instants = [o.astimezone(UTC) for o in got]
    assert instants == sorted(instants)
    assert len({o.date() for o in got}) == 5
    for o in got:
        assert o.astimezone(UTC).astimezone(tz) == o  # never a non-existent wall time
        # Same wall time every day, except where that time does not exist that day.
        if (o.hour, o.minute) != (hour, minute):
            assert (
                o.utcoffset() != (o - HOUR).utcoffset()
                or o.utcoffset() != (o - 2 * HOUR).utcoffset()
            )
    # Nothing was skipped: a daily session comes within a day (plus a DST hour) of any
    # moment, and consecutive ones are 23-25 real hours apart.
    assert instants[0] - after.astimezone(UTC) <= DAY + HOUR
    for a, b in itertools.pairwise(instants):
        assert DAY - HOUR <= b - a <= DAY + HOUR
