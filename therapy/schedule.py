"""Recurring sessions from RFC 5545 recurrence rules, correct across time zones and DST.

A schedule is a rule plus a first session in a named time zone (`zoneinfo.ZoneInfo`).
Occurrences keep their local wall-clock time across daylight-saving changes ("8:00 every
day" stays 8:00). As RFC 5545 section 3.3.5 asks, a local time that does not exist on a
spring-forward day is moved forward by the gap, and one that happens twice on a fall-back
day means the first of the two. All comparisons are made on absolute (UTC) instants,
because Python compares datetimes that share a tzinfo by wall clock only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from dateutil import rrule as _rrule

from .defaults import MAX_SESSIONS_PER_DAY
from .errors import ScheduleError

UTC = dt.UTC

# RFC 5545 section 3.3.10: the recurrence rule parts.
_PARTS = frozenset(
    {
        "FREQ", "UNTIL", "COUNT", "INTERVAL", "BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY",
        "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYMONTH", "BYSETPOS", "WKST",
    }
)  # fmt: skip
_FREQS = frozenset({"SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"})
# design: massage sessions recur at most hourly; finer rules are almost surely a mistake
# and would make every query walk millions of instants.
_TOO_FREQUENT = frozenset({"SECONDLY", "MINUTELY"})
# design: a session done within 3 hours either side of its planned time counts for it.
DEFAULT_TOLERANCE = dt.timedelta(hours=3)
# Safety net for rules whose next occurrence is very far away or never comes.
_MAX_SCAN = 100_000


def parse_rule(text: str) -> dict[str, str]:
    """Split and check an RRULE value (with or without "RRULE:"); raise ScheduleError."""
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[len("RRULE:") :]
    if not body:
        raise ScheduleError("the recurrence rule is empty")
    parts: dict[str, str] = {}
    for piece in body.split(";"):
        name, sep, value = piece.partition("=")
        name = name.strip().upper()
        if not sep or not name or not value.strip():
            raise ScheduleError(f"{piece!r} is not NAME=VALUE")
        if name not in _PARTS:
            raise ScheduleError(f"{name} is not an RFC 5545 rule part")
        if name in parts:
            raise ScheduleError(f"{name} appears twice (RFC 5545 allows it once)")
        parts[name] = value.strip().upper()
    if "FREQ" not in parts:
        raise ScheduleError("FREQ is required (RFC 5545)")
    if parts["FREQ"] not in _FREQS:
        raise ScheduleError(f"FREQ={parts['FREQ']} is not a frequency")
    if parts["FREQ"] in _TOO_FREQUENT:
        raise ScheduleError(f"FREQ={parts['FREQ']} is too frequent for massage sessions")
    if "UNTIL" in parts and "COUNT" in parts:
        raise ScheduleError("use UNTIL or COUNT, not both (RFC 5545)")
    for name in ("COUNT", "INTERVAL"):
        if name in parts and (not parts[name].isdigit() or int(parts[name]) < 1):
            raise ScheduleError(f"{name} must be a positive whole number, not {parts[name]}")
    if "UNTIL" in parts and not parts["UNTIL"].endswith("Z"):
        raise ScheduleError("UNTIL must be a UTC time ending in Z, e.g. 20260101T000000Z")
    return parts


@dataclass(frozen=True)
class Schedule:
    """Sessions from `start` (local time in a ZoneInfo zone) repeating by `rule`."""

    rule: str
    start: dt.datetime

    def __post_init__(self) -> None:
        if not isinstance(self.start.tzinfo, ZoneInfo):
            raise ScheduleError(
                "start needs a zoneinfo.ZoneInfo time zone, so sessions keep their local "
                "time across daylight-saving changes"
            )
        parse_rule(self.rule)
        self._build()  # dateutil's own checks (bad BYDAY, UNTIL before start, ...)

    @property
    def tz(self) -> ZoneInfo:
        assert isinstance(self.start.tzinfo, ZoneInfo)
        return self.start.tzinfo

    def _build(self) -> Any:  # dateutil ships no type information
        body = ";".join(f"{k}={v}" for k, v in parse_rule(self.rule).items())
        start = self.start.replace(microsecond=0, fold=0)
        try:
            return _rrule.rrulestr(body, dtstart=start)
        except (ValueError, TypeError, KeyError) as exc:
            raise ScheduleError(f"invalid recurrence rule {self.rule!r}: {exc}") from exc

    def _instants(self, from_local: dt.datetime | None = None) -> Iterator[dt.datetime]:
        """Occurrences in order as normalised local times (gaps shifted, duplicates dropped)."""
        rule = self._build()
        source = rule if from_local is None else rule.xafter(from_local, inc=True)
        last: dt.datetime | None = None
        for raw in islice(source, _MAX_SCAN):
            instant = raw.astimezone(UTC)
            if last is not None and instant <= last:
                continue  # e.g. 02:30 shifted onto 03:30 on a spring-forward day
            last = instant
            yield instant.astimezone(self.tz)

    def occurrences(self, after: dt.datetime, count: int) -> tuple[dt.datetime, ...]:
        """The next `count` sessions strictly after `after` (any aware time), in local time."""
        _aware(after, "after")
        if count < 0:
            raise ScheduleError("count must not be negative")
        # Start the scan a day early in wall-clock terms, then compare absolute instants.
        local_from = (after.astimezone(self.tz) - dt.timedelta(days=1)).replace(tzinfo=self.tz)
        found = (o for o in self._instants(max(local_from, self.start)) if o > after)
        return tuple(islice(found, count))

    def between(self, start: dt.datetime, end: dt.datetime) -> tuple[dt.datetime, ...]:
        """Sessions in [start, end), in local time."""
        _aware(start, "start")
        _aware(end, "end")
        local_from = (start.astimezone(self.tz) - dt.timedelta(days=1)).replace(tzinfo=self.tz)
        out = []
        for o in self._instants(max(local_from, self.start)):
            if o >= end:
                break
            if o >= start:
                out.append(o)
        return tuple(out)


def _aware(value: dt.datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ScheduleError(f"{name} must be time-zone aware")


def missed(
    schedule: Schedule,
    done: Iterable[dt.datetime],
    *,
    since: dt.datetime,
    now: dt.datetime,
    tolerance: dt.timedelta = DEFAULT_TOLERANCE,
) -> tuple[dt.datetime, ...]:
    """Planned sessions in [since, now) that no done session accounts for.

    A done session accounts for at most one planned session, the earliest unmatched one
    within `tolerance`. A planned session is only missed once its tolerance has passed.
    """
    for value, name in ((since, "since"), (now, "now")):
        _aware(value, name)
    done_sorted = sorted(d.astimezone(UTC) for d in (_checked(d) for d in done))
    planned = schedule.between(since, now)
    used = [False] * len(done_sorted)
    out = []
    for p in planned:
        match = next(
            (i for i, d in enumerate(done_sorted) if not used[i] and abs(d - p) <= tolerance),
            None,
        )
        if match is not None:
            used[match] = True
        elif p + tolerance <= now:
            out.append(p)
    return tuple(out)


def _checked(value: dt.datetime) -> dt.datetime:
    _aware(value, "a done time")
    return value


@dataclass(frozen=True)
class DayLoad:
    """A local day with more sessions than maker guidance advises."""

    day: dt.date
    sessions: tuple[dt.datetime, ...]

    @property
    def count(self) -> int:
        return len(self.sessions)

    @property
    def message(self) -> str:
        return (
            f"{self.day.isoformat()} would hold {self.count} sessions; makers of similar "
            f"devices advise at most {MAX_SESSIONS_PER_DAY} a day."
        )


def overloaded_days(
    schedules: Iterable[Schedule],
    start: dt.datetime,
    end: dt.datetime,
    *,
    tz: ZoneInfo,
    done: Iterable[dt.datetime] = (),
    now: dt.datetime | None = None,
    limit: int = MAX_SESSIONS_PER_DAY,
) -> tuple[DayLoad, ...]:
    """Days (local to `tz`) in [start, end) that would hold more than `limit` sessions.

    A day holds the sessions done before `now` plus those planned from `now` on (planned
    sessions before `now` were either done, and so are in `done`, or missed). `now`
    defaults to `start`, which counts only plans.
    """
    _aware(start, "start")
    _aware(end, "end")
    cut = start if now is None else max(start, now)
    _aware(cut, "now")
    per_day: dict[dt.date, list[dt.datetime]] = defaultdict(list)
    for s in schedules:
        for o in s.between(cut, end):
            per_day[o.astimezone(tz).date()].append(o.astimezone(tz))
    for d in done:
        local = _checked(d).astimezone(tz)
        if start <= local < cut:
            per_day[local.date()].append(local)
    return tuple(
        DayLoad(day, tuple(sorted(times)))
        for day, times in sorted(per_day.items())
        if len(times) > limit
    )
