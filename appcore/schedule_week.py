"""The week at a glance: planned, late and missed sessions, and days with too many.

Read from a `Snapshot` (`appcore.reminders`); the Schedule page draws the result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from appcore.schedule_words import plain_date
from data.models import ReminderStatus
from therapy import missed, overloaded_days
from therapy.defaults import MAX_SESSIONS_PER_DAY
from therapy.schedule import DEFAULT_TOLERANCE

if TYPE_CHECKING:
    from appcore.reminders import Snapshot
    from appcore.schedule_words import DateFormat
    from data.models import ScheduleRecord
    from therapy import Schedule

UTC = dt.UTC


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


def _settled_times(snapshot: Snapshot, sched: ScheduleRecord) -> list[dt.datetime]:
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
    started = sum(1 for t in busiest.sessions if t <= now)  # every kind counts (issue 14)
    if len(loads) == 1 and started:
        planned = busiest.count - started
        done = (
            f"Today has {started} session{'s' if started != 1 else ''} already (with the "
            "massager, by hand or with another massager)"
        )
        makers = (
            f"Makers of hand massagers like this one advise at most {MAX_SESSIONS_PER_DAY} "
            "sessions a day, so rest your hands"
        )
        if planned:
            return (
                f"{done}, and your schedules plan {planned} more: {busiest.count} in all. "
                f"{makers}: skip a planned one today."
            )
        return f"{done}. {makers} for the rest of today."
    if len(loads) == 1:
        return f"{fmt_date(busiest.day)} would have {busiest.count} sessions. {advice}"
    return (
        f"{len(loads)} days in the coming week would have more than {MAX_SESSIONS_PER_DAY} "
        f"sessions (the most: {busiest.count} on {fmt_date(busiest.day)}). {advice}"
    )
