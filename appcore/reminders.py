"""Recurring sessions and their reminders, without Qt: the picker, the clock, the actions.

The Schedule page and the tray icon only draw what this module decides, so the rules
(which RRULE a choice makes, which reminder is due next, what counts as missed) are
tested without a display. Times are aware datetimes; a schedule keeps its local wall
time across daylight-saving changes (`therapy.schedule`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from appcore.context import AppContext
from appcore.programs import ensure_routines
from data import schedules as store
from data.errors import UnknownScheduleError
from data.export import write_export
from data.ics import schedules_ics
from data.models import ReminderEvent, ReminderStatus
from data.models import Schedule as StoredSchedule
from data.programs import list_programs
from data.sessions import list_sessions
from therapy import ROUTINES, Schedule, ScheduleError, missed, overloaded_days
from therapy.defaults import MAX_SESSIONS_PER_DAY
from therapy.schedule import DEFAULT_TOLERANCE, parse_rule

log = logging.getLogger(__name__)
UTC = dt.UTC

# design: the usual alarm-clock snooze; long enough to finish a task, short enough to
# keep the session near its planned time (issue 6 asks for "snooze").
SNOOZE = dt.timedelta(minutes=10)
# design: a reminder that fell due while Thenar was closed or the computer slept is
# still offered for an hour; after that the session only shows as missed.
GRACE = dt.timedelta(hours=1)
# Qt timers run on a monotonic clock that stops while the computer sleeps (Linux
# CLOCK_MONOTONIC), so a timer armed for hours can fire hours late after a resume.
# Re-checking at least once a minute (no database work, one small computation)
# bounds that lateness without polling every second.
MAX_WAIT = dt.timedelta(minutes=1)
LEAD_CHOICES = (0, 5, 10, 15, 30, 60)  # minutes; design: the picker's lead-time list
# Sessions older than the longest look-back any view uses are not needed.
LOOK_BACK = dt.timedelta(days=8)
SESSION_SCAN_LIMIT = 500  # design: far more than 8 days of sessions at <= 3 a day

DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)  # fmt: skip
_WEEKDAYS = frozenset(range(5))
_ALL_DAYS = frozenset(range(7))
_UNTIL_FORMAT = "%Y%m%dT%H%M%SZ"

TimeFormat = Callable[[dt.time], str]
DateFormat = Callable[[dt.date], str]


class PickerError(ValueError):
    """A choice the picker cannot turn into a schedule; the message is for the person."""


def plain_time(value: dt.time) -> str:
    """8:00, 17:30: the default when no locale formatter is given."""
    return f"{value.hour}:{value.minute:02d}"


def plain_date(value: dt.date) -> str:
    """Monday 9 March 2026: unambiguous in any country."""
    return f"{DAY_NAMES[value.weekday()]} {value.day} {_MONTHS[value.month - 1]} {value.year}"


def lead_phrase(minutes: int) -> str:
    """'reminder 10 minutes before', in words a person says."""
    if minutes <= 0:
        return "reminder at the start time"
    hours, mins = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append("1 hour" if hours == 1 else f"{hours} hours")
    if mins:
        parts.append("1 minute" if mins == 1 else f"{mins} minutes")
    return f"reminder {' '.join(parts)} before"


def _join(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


class Repeat(StrEnum):
    """How often, in the picker's words."""

    DAILY = "daily"
    WEEKDAYS = "weekdays"
    DAYS = "days"  # chosen days of the week
    EVERY_N_DAYS = "every_n_days"


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
        if repeat is Repeat.DAYS and days == _ALL_DAYS:
            repeat = Repeat.DAILY
        elif repeat is Repeat.DAYS and days == _WEEKDAYS:
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
        if not self.days <= _ALL_DAYS:
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
        if c.repeat is Repeat.DAILY:
            parts = ["FREQ=DAILY"]
        elif c.repeat is Repeat.EVERY_N_DAYS:
            parts = ["FREQ=DAILY", f"INTERVAL={c.every_n}"]
        else:
            days = _WEEKDAYS if c.repeat is Repeat.WEEKDAYS else c.days
            parts = ["FREQ=WEEKLY", "BYDAY=" + ",".join(DAY_CODES[d] for d in sorted(days))]
        if c.until is not None:
            last = dt.datetime.combine(c.until, dt.time(23, 59, 59), tz).astimezone(UTC)
            parts.append(f"UNTIL={last.strftime(_UNTIL_FORMAT)}")
        elif c.count is not None:
            parts.append(f"COUNT={c.count}")
        return ";".join(parts)

    def _matches(self, day: dt.date) -> bool:
        c = self.normalised()
        if c.repeat is Repeat.WEEKDAYS:
            return day.weekday() in _WEEKDAYS
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

    def when_text(
        self, fmt_time: TimeFormat = plain_time, fmt_date: DateFormat = plain_date
    ) -> str:
        """'Every weekday at 8:00, until Friday 3 April 2026'."""
        c = self.normalised()
        if c.repeat is Repeat.DAILY:
            text = "Every day"
        elif c.repeat is Repeat.WEEKDAYS:
            text = "Every weekday"
        elif c.repeat is Repeat.EVERY_N_DAYS:
            text = f"Every {c.every_n} days"
        elif len(c.days) == 6:
            text = f"Every day except {DAY_NAMES[min(_ALL_DAYS - c.days)]}"
        else:
            text = "Every " + _join([DAY_NAMES[d] for d in sorted(c.days)] or ["…"])
        text += f" at {fmt_time(c.at)}"
        if c.until is not None:
            text += f", until {fmt_date(c.until)}"
        elif c.count is not None:
            text += ", once" if c.count == 1 else f", {c.count} times"
        return text

    def sentence(
        self,
        program_name: str | None = None,
        fmt_time: TimeFormat = plain_time,
        fmt_date: DateFormat = plain_date,
    ) -> str:
        """'Every weekday at 8:00, Morning ease, reminder 10 minutes before'."""
        routine = ROUTINES.get(self.routine_id)
        name = program_name or (routine.name if routine else self.routine_id)
        return f"{self.when_text(fmt_time, fmt_date)}, {name}, {lead_phrase(self.lead_min)}"

    @classmethod
    def from_rrule(
        cls, rule: str, dtstart: dt.datetime, *, routine_id: str, lead_min: int
    ) -> PickerChoice | None:
        """The picker choice a stored rule came from, or None if the picker cannot show it."""
        try:
            parts = parse_rule(rule)
        except ScheduleError:
            return None
        if not set(parts) <= {"FREQ", "INTERVAL", "BYDAY", "UNTIL", "COUNT", "WKST"}:
            return None
        if not isinstance(dtstart.tzinfo, ZoneInfo):
            return None
        interval = int(parts.get("INTERVAL", "1"))
        until = None
        if "UNTIL" in parts:
            try:
                moment = dt.datetime.strptime(parts["UNTIL"], _UNTIL_FORMAT).replace(tzinfo=UTC)
            except ValueError:
                return None
            until = moment.astimezone(dtstart.tzinfo).date()
        count = int(parts["COUNT"]) if "COUNT" in parts else None
        common = {
            "at": dtstart.time().replace(second=0, microsecond=0),
            "routine_id": routine_id,
            "lead_min": lead_min,
            "until": until,
            "count": count,
        }
        if parts["FREQ"] == "DAILY" and "BYDAY" not in parts:
            if interval == 1:
                return cls(Repeat.DAILY, **common)  # type: ignore[arg-type]
            return cls(Repeat.EVERY_N_DAYS, every_n=interval, **common)  # type: ignore[arg-type]
        if parts["FREQ"] == "WEEKLY" and interval == 1:
            codes = parts.get("BYDAY", DAY_CODES[dtstart.weekday()]).split(",")
            if not set(codes) <= set(DAY_CODES):
                return None  # e.g. "1MO": not something the picker makes
            days = frozenset(DAY_CODES.index(c) for c in codes)
            return cls(Repeat.DAYS, days=days, **common).normalised()  # type: ignore[arg-type]
        return None


# --- What is stored, as the views need it ------------------------------------------


@dataclass(frozen=True)
class ScheduleEntry:
    """A stored schedule with the names the person knows it by."""

    schedule: StoredSchedule
    program_name: str
    routine_id: str | None
    choice: PickerChoice | None  # None when the rule is not one the picker makes

    def sentence(self, fmt_time: TimeFormat = plain_time, fmt_date: DateFormat = plain_date) -> str:
        """The schedule in one plain sentence."""
        if self.choice is not None:
            return self.choice.sentence(self.program_name, fmt_time, fmt_date)
        start = self.schedule.dtstart
        return (
            f"Repeats by the rule {self.schedule.rrule} from {fmt_date(start.date())} at "
            f"{fmt_time(start.time())}, {self.program_name}, "
            f"{lead_phrase(self.schedule.lead_min)}"
        )

    def rule(self) -> Schedule | None:
        """The domain schedule, or None if the stored rule cannot be read."""
        return _rule(self.schedule)


def _rule(sched: StoredSchedule) -> Schedule | None:
    try:
        return Schedule(sched.rrule, sched.dtstart)
    except ScheduleError:
        log.warning("schedule %s has an unreadable rule; it is ignored", sched.id)
        return None


@dataclass(frozen=True)
class Snapshot:
    """Everything the schedule views show, read from the log in one go."""

    entries: tuple[ScheduleEntry, ...] = ()
    reminders: tuple[ReminderEvent, ...] = ()
    session_starts: tuple[tuple[int, dt.datetime], ...] = ()  # (program id, start)
    routine_programs: Mapping[str, int] = field(default_factory=dict)

    def entry(self, schedule_id: int) -> ScheduleEntry:
        for e in self.entries:
            if e.schedule.id == schedule_id:
                return e
        raise UnknownScheduleError(f"there is no schedule with id {schedule_id}")

    def clock(self, snooze: dt.timedelta = SNOOZE, grace: dt.timedelta = GRACE) -> ReminderClock:
        return ReminderClock(
            [e.schedule for e in self.entries], self.reminders, snooze=snooze, grace=grace
        )

    def next_time(self, schedule_id: int, now: dt.datetime) -> dt.datetime | None:
        """The next planned session of one schedule (None when off or finished)."""
        entry = self.entry(schedule_id)
        rule = entry.rule()
        if not entry.schedule.enabled or rule is None:
            return None
        found = rule.occurrences(now, 1)
        return found[0] if found else None


def load_snapshot(
    db: Database, now: dt.datetime, routine_programs: Mapping[str, int] | None = None
) -> Snapshot:
    """Read schedules, reminder records and recent sessions (runs on the DB thread)."""
    routines = dict(routine_programs) if routine_programs else ensure_routines(db, now)
    programs = {p.id: p for p in list_programs(db, include_archived=True)}
    entries = []
    for sched in store.list_schedules(db):
        program = programs.get(sched.program_id)
        key = program.key if program else None
        routine_id = key.removeprefix("routine:") if key and key.startswith("routine:") else None
        choice = PickerChoice.from_rrule(
            sched.rrule,
            sched.dtstart,
            routine_id=routine_id or "",
            lead_min=sched.lead_min,
        )
        entries.append(
            ScheduleEntry(
                sched, program.name if program else "a removed program", routine_id, choice
            )
        )
    since = now - LOOK_BACK
    starts = tuple(
        (s.program_id, s.started_at)
        for s in list_sessions(db, limit=SESSION_SCAN_LIMIT)
        if s.started_at >= since
    )
    return Snapshot(tuple(entries), tuple(store.list_reminders(db)), starts, routines)


# --- The reminder clock ---------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """One reminder: the planned session and when to show it."""

    schedule_id: int
    program_id: int
    occurrence: dt.datetime  # the planned start, in the schedule's zone
    at: dt.datetime  # when the reminder shows, in UTC (lead before, or a snooze's end)
    snoozed: bool = False


def _key(schedule_id: int, moment: dt.datetime) -> tuple[int, dt.datetime]:
    return schedule_id, moment.astimezone(UTC)


class ReminderClock:
    """Which reminder is due next and when, so the GUI arms one timer instead of polling.

    An occurrence is settled once it is done or skipped. A snoozed one comes back
    `snooze` after the latest snooze. Reminders are offered until `grace` after their
    time; after that the session is simply missed.
    """

    def __init__(
        self,
        schedules: Iterable[StoredSchedule],
        reminders: Iterable[ReminderEvent],
        *,
        snooze: dt.timedelta = SNOOZE,
        grace: dt.timedelta = GRACE,
    ) -> None:
        self.snooze, self.grace = snooze, grace
        self._schedules = [s for s in schedules if s.enabled]
        self._rules = {s.id: r for s in self._schedules if (r := _rule(s)) is not None}
        self._latest: dict[tuple[int, dt.datetime], ReminderEvent] = {}
        for event in reminders:  # in occurrence then id order: later records win
            self._latest[_key(event.schedule_id, event.occurrence)] = event

    def status(self, schedule_id: int, occurrence: dt.datetime) -> ReminderStatus | None:
        event = self._latest.get(_key(schedule_id, occurrence))
        return event.status if event else None

    def pending(self, now: dt.datetime) -> list[Due]:
        """Every reminder still to show (or showing), earliest first."""
        # Arithmetic on UTC: Python adds and compares same-zone datetimes by wall clock.
        horizon = now.astimezone(UTC) - self.grace
        out = []
        for sched in self._schedules:
            rule = self._rules.get(sched.id)
            if rule is None:
                continue
            lead = dt.timedelta(minutes=sched.lead_min)
            for (sid, occ), event in self._latest.items():
                if sid == sched.id and event.status is ReminderStatus.SNOOZED:
                    at = event.at.astimezone(UTC) + self.snooze
                    if at > horizon:
                        out.append(Due(sid, sched.program_id, occ.astimezone(sched.tz), at, True))
            after = horizon + lead  # occurrences whose reminder time is after the horizon
            while True:
                batch = rule.occurrences(after, 16)
                nxt = next((o for o in batch if self.status(sched.id, o) is None), None)
                if nxt is not None:
                    out.append(Due(sched.id, sched.program_id, nxt, nxt.astimezone(UTC) - lead))
                    break
                if len(batch) < 16:
                    break  # the rule has ended
                after = batch[-1]
        return sorted(out, key=lambda d: (d.at, d.schedule_id))

    def next_due(self, now: dt.datetime) -> Due | None:
        """The earliest pending reminder (its `at` may already have passed: show it now)."""
        found = self.pending(now)
        return found[0] if found else None

    def due_now(self, now: dt.datetime) -> list[Due]:
        """Reminders to show at `now`."""
        return [d for d in self.pending(now) if d.at <= now.astimezone(UTC)]

    def wait(self, now: dt.datetime) -> dt.timedelta | None:
        """How long to arm the one timer for (None: nothing is scheduled)."""
        due = self.next_due(now)
        if due is None:
            return None
        return max(dt.timedelta(0), min(due.at - now.astimezone(UTC), MAX_WAIT))


# --- The week at a glance, missed sessions, too many a day ----------------------------


class Mark(StrEnum):
    """How a session in the week view stands."""

    PLANNED = "planned"
    LATE = "late"  # its time has passed, but it can still be done (within the tolerance)
    MISSED = "missed"


@dataclass(frozen=True)
class WeekItem:
    """One session in the week view."""

    when: dt.datetime
    schedule_id: int
    program_id: int
    program_name: str
    mark: Mark


def _settled_times(snapshot: Snapshot, sched: StoredSchedule) -> list[dt.datetime]:
    """Times that account for planned sessions: reminders done or skipped, sessions run."""
    out = [
        r.occurrence
        for r in snapshot.reminders
        if r.schedule_id == sched.id and r.status is not ReminderStatus.SNOOZED
    ]
    out += [start for pid, start in snapshot.session_starts if pid == sched.program_id]
    return out


def missed_sessions(
    snapshot: Snapshot, now: dt.datetime, since: dt.timedelta = dt.timedelta(days=7)
) -> list[WeekItem]:
    """Planned sessions in the last `since` that were neither done, run nor skipped."""
    now = now.astimezone(UTC)
    out = []
    for entry in snapshot.entries:
        rule = entry.rule()
        if rule is None or not entry.schedule.enabled:
            continue
        for when in missed(
            rule, _settled_times(snapshot, entry.schedule), since=now - since, now=now
        ):
            out.append(
                WeekItem(
                    when,
                    entry.schedule.id,
                    entry.schedule.program_id,
                    entry.program_name,
                    Mark.MISSED,
                )
            )
    return sorted(out, key=lambda i: i.when.astimezone(UTC))


def week_overview(snapshot: Snapshot, now: dt.datetime, days: int = 7) -> list[WeekItem]:
    """Missed sessions of the past week, ones that are late but still doable, then every
    planned one of the next `days` days."""
    now = now.astimezone(UTC)
    late, ahead = [], []
    for entry in snapshot.entries:
        rule = entry.rule()
        if rule is None or not entry.schedule.enabled:
            continue
        sched = entry.schedule
        # Planned sessions before now, within the tolerance, that nothing accounts for:
        # `missed` evaluated one tolerance ahead returns exactly those.
        for when in missed(
            rule,
            _settled_times(snapshot, sched),
            since=now - DEFAULT_TOLERANCE,
            now=now + DEFAULT_TOLERANCE,
        ):
            if when <= now:
                late.append(
                    WeekItem(when, sched.id, sched.program_id, entry.program_name, Mark.LATE)
                )
        for when in rule.between(now, now + dt.timedelta(days=days)):
            ahead.append(
                WeekItem(when, sched.id, sched.program_id, entry.program_name, Mark.PLANNED)
            )
    by_time = sorted(late + ahead, key=lambda i: i.when.astimezone(UTC))
    return missed_sessions(snapshot, now) + by_time


def overload_warning(
    snapshot: Snapshot,
    now: dt.datetime,
    tz: ZoneInfo,
    *,
    extra: Schedule | None = None,
    days: int = 7,
    fmt_date: DateFormat = plain_date,
) -> str | None:
    """A plain warning if a coming day would hold more than 3 sessions, else None.

    `extra` is a schedule not saved yet, so the picker can warn before adding it.
    """
    rules = [r for e in snapshot.entries if e.schedule.enabled and (r := e.rule()) is not None]
    if extra is not None:
        rules.append(extra)
    local = now.astimezone(tz)
    start = dt.datetime.combine(local.date(), dt.time(), tz)
    end = dt.datetime.combine(local.date() + dt.timedelta(days=days), dt.time(), tz)
    loads = overloaded_days(
        rules, start, end, tz=tz, done=[s for _, s in snapshot.session_starts], now=now
    )
    if not loads:
        return None
    advice = (
        f"Makers of hand massagers like this one advise at most {MAX_SESSIONS_PER_DAY} "
        "sessions a day, so rest your hands: turn a schedule off or choose fewer days."
    )
    busiest = max(loads, key=lambda d: d.count)
    if len(loads) == 1:
        return f"{fmt_date(busiest.day)} would have {busiest.count} sessions. {advice}"
    return (
        f"{len(loads)} days in the coming week would have more than {MAX_SESSIONS_PER_DAY} "
        f"sessions (the most: {busiest.count} on {fmt_date(busiest.day)}). {advice}"
    )


# --- Changing schedules through the DB worker -----------------------------------------


def _export(db: Database, path: Path, now: dt.datetime) -> Path:
    return write_export(path, schedules_ics(db, now=now))


def _utc_now() -> dt.datetime:
    return dt.datetime.now(UTC)


class ScheduleService:
    """Schedule CRUD and reminder actions; all log work runs on the DB thread.

    Every change ends with `ctx.notify("schedules")`, so the page and the tray reload.
    """

    def __init__(self, ctx: AppContext, now: Callable[[], dt.datetime] = _utc_now) -> None:
        self.ctx = ctx
        self.now = now
        self._routines: Mapping[str, int] | None = None

    async def load(self) -> Snapshot:
        snap = await self.ctx.db.run(load_snapshot, self.now(), self._routines)
        self._routines = snap.routine_programs
        return snap

    async def routine_programs(self) -> Mapping[str, int]:
        if self._routines is None:
            await self.load()
        assert self._routines is not None
        return self._routines

    async def add(self, choice: PickerChoice, tz: ZoneInfo) -> int:
        """Save the picked schedule; raises PickerError or a data StoreError."""
        sched = choice.schedule(self.now(), tz)
        program_id = (await self.routine_programs())[choice.routine_id]
        sid: int = await self.ctx.db.run(
            lambda db: store.add_schedule(
                db,
                program_id=program_id,
                rrule_text=sched.rule,
                dtstart=sched.start,
                lead_min=choice.lead_min,
            )
        )
        self.ctx.notify("schedules")
        return sid

    async def set_enabled(self, schedule_id: int, enabled: bool) -> None:
        await self.ctx.db.run(store.set_enabled, schedule_id, enabled)
        self.ctx.notify("schedules")

    async def delete(self, schedule_id: int) -> None:
        await self.ctx.db.run(store.delete_schedule, schedule_id)
        self.ctx.notify("schedules")

    async def record(self, due: Due, status: ReminderStatus) -> None:
        """Record what the person did with a reminder (done, snoozed, skipped)."""
        now = self.now()
        await self.ctx.db.run(
            lambda db: store.record_reminder(db, due.schedule_id, due.occurrence, status, at=now)
        )
        self.ctx.notify("schedules")

    async def done(self, due: Due) -> None:
        await self.record(due, ReminderStatus.DONE)

    async def snooze(self, due: Due) -> None:
        await self.record(due, ReminderStatus.SNOOZED)

    async def skip(self, due: Due) -> None:
        await self.record(due, ReminderStatus.SKIPPED)

    async def export_ics(self, path: Path) -> Path:
        """Write the enabled schedules as an .ics file only the person can read."""
        return await self.ctx.db.run(_export, path, self.now())
