"""Reminders without Qt: what is stored (a snapshot), which reminder is due, and the
actions on schedules.

The Schedule page and the tray icon only draw what this module decides, so the rules
(which reminder is due next, what a snooze does) are tested without a display. Times
are aware datetimes; a schedule keeps its local wall time across daylight-saving
changes (`therapy.schedule`). The picker is `appcore.schedule_picker`, the week view
`appcore.schedule_week`, the words `appcore.schedule_words`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from appcore.events import SchedulesChanged
from appcore.programs import ensure_routines
from appcore.records import schedule_of
from appcore.schedule_picker import PickerChoice
from data import schedules as store
from data.errors import UnknownScheduleError
from data.export import write_export
from data.ics import schedules_ics
from data.models import ReminderStatus
from data.programs import list_programs
from data.sessions import list_sessions
from therapy import ScheduleError

if TYPE_CHECKING:
    from appcore.context import AppContext
    from data.db import LogDb
    from data.models import ReminderEvent, ScheduleRecord
    from therapy import Schedule

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


# --- What is stored, as the views need it ------------------------------------------


@dataclass(frozen=True)
class ScheduleEntry:
    """A stored schedule with the names the person knows it by."""

    schedule: ScheduleRecord
    program_name: str
    routine_id: str | None
    choice: PickerChoice | None  # None when the rule is not one the picker makes

    def rule(self) -> Schedule | None:
        """The domain schedule, or None if the stored rule cannot be read."""
        return _rule(self.schedule)


def _rule(sched: ScheduleRecord) -> Schedule | None:
    try:
        return schedule_of(sched)
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
    db: LogDb, now: dt.datetime, routine_programs: Mapping[str, int] | None = None
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
        schedules: Iterable[ScheduleRecord],
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


# --- Changing schedules through the DB worker -----------------------------------------


def _export(db: LogDb, path: Path, now: dt.datetime) -> Path:
    return write_export(path, schedules_ics(db, now=now))


def _utc_now() -> dt.datetime:
    return dt.datetime.now(UTC)


class ScheduleService:
    """Schedule CRUD and reminder actions; all log work runs on the DB thread.

    Every change ends with a `SchedulesChanged` event (`ctx.log.schedules`), so the page
    and the tray reload.
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
        self.ctx.log.schedules.publish(SchedulesChanged())
        return sid

    async def set_enabled(self, schedule_id: int, enabled: bool) -> None:
        await self.ctx.db.run(store.set_enabled, schedule_id, enabled)
        self.ctx.log.schedules.publish(SchedulesChanged())

    async def delete(self, schedule_id: int) -> None:
        await self.ctx.db.run(store.delete_schedule, schedule_id)
        self.ctx.log.schedules.publish(SchedulesChanged())

    async def record(self, due: Due, status: ReminderStatus) -> None:
        """Record what the person did with a reminder (done, snoozed, skipped)."""
        now = self.now()
        await self.ctx.db.run(
            lambda db: store.record_reminder(db, due.schedule_id, due.occurrence, status, at=now)
        )
        self.ctx.log.schedules.publish(SchedulesChanged())

    async def done(self, due: Due) -> None:
        await self.record(due, ReminderStatus.DONE)

    async def snooze(self, due: Due) -> None:
        await self.record(due, ReminderStatus.SNOOZED)

    async def skip(self, due: Due) -> None:
        await self.record(due, ReminderStatus.SKIPPED)

    async def export_ics(self, path: Path) -> Path:
        """Write the enabled schedules as an .ics file only the person can read."""
        return await self.ctx.db.run(_export, path, self.now())
