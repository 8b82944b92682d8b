"""The Schedule page's picker: a person's choice (daily, weekdays, chosen days, every n
days; an end date or a number of sessions) and the RFC 5545 rule it makes.

Rules are written and read by icalendar's `vRecur` and expanded by dateutil (through
`therapy.Schedule`); nothing here builds or splits RRULE text by hand. The choice in
words is `appcore.schedule_words`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import vRecur

from therapy import ROUTINES, Schedule, ScheduleError
from therapy.schedule import parse_rule

UTC = dt.UTC
DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAYS = frozenset(range(5))
ALL_DAYS = frozenset(range(7))


class PickerError(ValueError):
    """A choice the picker cannot turn into a schedule; the message is for the person."""


class Repeat(StrEnum):
    """How often, in the picker's words."""

    DAILY = "daily"
    WEEKDAYS = "weekdays"
    DAYS = "days"  # chosen days of the week
    EVERY_N_DAYS = "every_n_days"


_WEEKLY = frozenset({Repeat.WEEKDAYS, Repeat.DAYS})


@dataclass(frozen=True)
class PickerChoice:
    """What a person picks on the Schedule page; becomes one RFC 5545 RRULE."""

    repeat: Repeat = Repeat.DAILY
    at: dt.time = dt.time(8, 0)
    routine_id: str = "arthritis_morning"
    lead_min: int = 10
    days: frozenset[int] = frozenset()  # 0 = Monday; used by Repeat.DAYS
    every_n: int = 2  # used by Repeat.EVERY_N_DAYS
    until: dt.date | None = None  # last day with a session (inclusive)
    count: int | None = None  # or: stop after this many sessions

    def normalised(self) -> PickerChoice:
        """The same plan in its simplest words (all seven days is 'every day')."""
        repeat, days, every_n = self.repeat, self.days, self.every_n
        if repeat is Repeat.DAYS and days == ALL_DAYS:
            repeat = Repeat.DAILY
        elif repeat is Repeat.DAYS and days == WEEKDAYS:
            repeat = Repeat.WEEKDAYS
        elif repeat is Repeat.EVERY_N_DAYS and every_n == 1:
            repeat = Repeat.DAILY
        return PickerChoice(
            repeat=repeat,
            at=self.at.replace(second=0, microsecond=0, tzinfo=None),
            routine_id=self.routine_id,
            lead_min=self.lead_min,
            days=days if repeat is Repeat.DAYS else frozenset(),
            every_n=every_n if repeat is Repeat.EVERY_N_DAYS else 2,
            until=self.until,
            count=self.count,
        )

    def problems(self, today: dt.date | None = None) -> list[str]:
        """Everything wrong with the choice, in plain words (empty when it is fine)."""
        out = []
        if self.repeat is Repeat.DAYS and not self.days:
            out.append("Choose at least one day of the week.")
        if not self.days <= ALL_DAYS:
            out.append("Days of the week must be Monday to Sunday.")
        if self.repeat is Repeat.EVERY_N_DAYS and not 1 <= self.every_n <= 366:
            out.append("Choose a gap of 1 to 366 days.")
        if self.routine_id not in ROUTINES:
            out.append("Choose one of the routines.")
        if not 0 <= self.lead_min <= 1440:
            out.append("The reminder can come at most a day (1440 minutes) before.")
        if self.until is not None and self.count is not None:
            out.append("Choose an end date or a number of sessions, not both.")
        if self.count is not None and self.count < 1:
            out.append("The number of sessions must be at least 1.")
        if self.until is not None and today is not None and self.until < today:
            out.append("The end date has already passed.")
        return out

    def rrule(self, tz: ZoneInfo) -> str:
        """The RFC 5545 RRULE value (no 'RRULE:' prefix); UNTIL is the end of the last day."""
        c = self.normalised()
        parts: dict[str, Any] = {"freq": "WEEKLY" if c.repeat in _WEEKLY else "DAILY"}
        if c.repeat is Repeat.EVERY_N_DAYS:
            parts["interval"] = c.every_n
        elif c.repeat in _WEEKLY:
            days = WEEKDAYS if c.repeat is Repeat.WEEKDAYS else c.days
            parts["byday"] = [DAY_CODES[d] for d in sorted(days)]
        if c.until is not None:
            parts["until"] = dt.datetime.combine(c.until, dt.time(23, 59, 59), tz).astimezone(UTC)
        elif c.count is not None:
            parts["count"] = c.count
        text: bytes = vRecur(parts).to_ical()  # type: ignore[no-untyped-call]
        return text.decode("ascii")

    def _matches(self, day: dt.date) -> bool:
        c = self.normalised()
        if c.repeat is Repeat.WEEKDAYS:
            return day.weekday() in WEEKDAYS
        if c.repeat is Repeat.DAYS:
            return day.weekday() in c.days
        return True

    def first_start(self, now: dt.datetime, tz: ZoneInfo) -> dt.datetime:
        """The first session strictly after `now`: the schedule's DTSTART.

        Starting on a matching day keeps dateutil and calendar apps in step (RFC 5545
        counts DTSTART as the first instance even when the rule would not pick it).
        """
        today = now.astimezone(tz).date()
        for offset in range(8):
            day = today + dt.timedelta(days=offset)
            candidate = dt.datetime.combine(day, self.normalised().at, tz)
            if candidate.astimezone(UTC) > now.astimezone(UTC) and self._matches(day):
                return candidate
        raise PickerError("Choose at least one day of the week.")  # no day ever matches

    def schedule(self, now: dt.datetime, tz: ZoneInfo) -> Schedule:
        """The checked domain schedule; raises PickerError with plain words."""
        found = self.problems(now.astimezone(tz).date())
        if found:
            raise PickerError(" ".join(found))
        start = self.first_start(now, tz)
        try:
            sched = Schedule(self.rrule(tz), start)
        except ScheduleError as exc:
            raise PickerError(f"That repeat pattern does not work: {exc}.") from exc
        if not sched.occurrences(start - dt.timedelta(seconds=1), 1):
            raise PickerError("With that end, there would be no session at all.")
        return sched

    @classmethod
    def from_rrule(
        cls, rule: str, dtstart: dt.datetime, *, routine_id: str, lead_min: int
    ) -> PickerChoice | None:
        """The picker choice a stored rule came from, or None if the picker cannot show it."""
        try:
            parse_rule(rule)  # the domain's checks first: FREQ, parts, UNTIL in UTC
            parts = vRecur.from_ical(rule.strip().removeprefix("RRULE:"))
        except (ScheduleError, ValueError):
            return None
        if not set(parts) <= {"FREQ", "INTERVAL", "BYDAY", "UNTIL", "COUNT", "WKST"}:
            return None
        if not isinstance(dtstart.tzinfo, ZoneInfo):
            return None
        interval = int(parts.get("INTERVAL", [1])[0])
        until_at = parts.get("UNTIL", [None])[0]
        until = None if until_at is None else until_at.astimezone(dtstart.tzinfo).date()
        count = int(parts["COUNT"][0]) if "COUNT" in parts else None
        freq = parts["FREQ"][0]
        common = {
            "at": dtstart.time().replace(second=0, microsecond=0),
            "routine_id": routine_id,
            "lead_min": lead_min,
            "until": until,
            "count": count,
        }
        if freq == "DAILY" and "BYDAY" not in parts:
            if interval == 1:
                return cls(Repeat.DAILY, **common)  # type: ignore[arg-type]
            return cls(Repeat.EVERY_N_DAYS, every_n=interval, **common)  # type: ignore[arg-type]
        if freq == "WEEKLY" and interval == 1:
            codes = [str(c) for c in parts.get("BYDAY", [DAY_CODES[dtstart.weekday()]])]
            if not set(codes) <= set(DAY_CODES):
                return None  # e.g. "1MO": not something the picker makes
            days = frozenset(DAY_CODES.index(c) for c in codes)
            return cls(Repeat.DAYS, days=days, **common).normalised()  # type: ignore[arg-type]
        return None
