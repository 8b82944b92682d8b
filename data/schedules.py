"""Schedules (RFC 5545 recurrence rules) and what became of each reminder.

A schedule keeps its start as local wall time plus an IANA zone, so "every day
at 8:00" stays at 8:00 across daylight-saving changes. The rule itself is the
domain's: `therapy.Schedule` checks it (`therapy.schedule.parse_rule`) and expands
it, and the app stores only a rule it has built as one (`appcore.reminders`). Here it
is text to keep, read back by dateutil only to count occurrences for the adherence
query (`parse_rrule`, `occurrences`). A stored rule the domain cannot read is skipped
by the reminders (`appcore.records.schedule_of`), never a crash.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr

from .errors import InvalidInputError, UnknownScheduleError, UnknownSessionError
from .models import ReminderEvent, ReminderStatus, ScheduleRecord, parse_enum
from .programs import require_program
from .times import from_iso, require_aware, to_iso, utc_ms
from .tx import writing

if TYPE_CHECKING:
    from .db import LogDb


def _zone(dtstart: datetime) -> ZoneInfo:
    require_aware(dtstart, "schedule start")
    if not isinstance(dtstart.tzinfo, ZoneInfo):
        raise InvalidInputError(
            "a schedule start needs an IANA time zone (zoneinfo.ZoneInfo), "
            "so it keeps its wall-clock time across daylight-saving changes"
        )
    return dtstart.tzinfo


def add_schedule(
    db: LogDb,
    *,
    program_id: int,
    rrule_text: str,
    dtstart: datetime,
    lead_min: int = 10,
    enabled: bool = True,
) -> int:
    """Store a schedule whose rule the domain has checked (`therapy.Schedule`); return its id."""
    zone = _zone(dtstart)
    rule_text = rrule_text.strip().removeprefix("RRULE:").strip()
    if not rule_text:
        raise InvalidInputError("a schedule needs a recurrence rule")
    if isinstance(lead_min, bool) or not isinstance(lead_min, int) or not 0 <= lead_min <= 1440:
        raise InvalidInputError("the reminder lead time must be 0 to 1440 minutes")
    with writing(db):
        require_program(db, program_id)
        cur = db.execute(
            "INSERT INTO schedules (program_id, rrule, dtstart, tzid, lead_min, enabled) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                program_id,
                rule_text,
                dtstart.replace(tzinfo=None).isoformat(),
                zone.key,
                lead_min,
                int(enabled),
            ],
        )
    assert cur.lastrowid is not None
    return cur.lastrowid


def _to_schedule(r: dict[str, Any]) -> ScheduleRecord:
    try:
        zone = ZoneInfo(r["tzid"])
    except ZoneInfoNotFoundError:  # a zone removed from tzdata: keep the wall time in UTC
        zone = ZoneInfo("UTC")
    return ScheduleRecord(
        id=r["id"],
        program_id=r["program_id"],
        rrule=r["rrule"],
        dtstart=datetime.fromisoformat(r["dtstart"]).replace(tzinfo=zone),
        lead_min=r["lead_min"],
        enabled=bool(r["enabled"]),
    )


def get_schedule(db: LogDb, schedule_id: int) -> ScheduleRecord:
    """The schedule with this id, or UnknownScheduleError."""
    rows = list(db.query("SELECT * FROM schedules WHERE id = ?", [schedule_id]))
    if not rows:
        raise UnknownScheduleError(f"there is no schedule with id {schedule_id}")
    return _to_schedule(rows[0])


def list_schedules(db: LogDb, *, enabled_only: bool = False) -> list[ScheduleRecord]:
    """Schedules in creation order."""
    where = "WHERE enabled = 1" if enabled_only else ""
    return [_to_schedule(r) for r in db.query(f"SELECT * FROM schedules {where} ORDER BY id")]


def set_enabled(db: LogDb, schedule_id: int, enabled: bool) -> None:
    """Turn a schedule on or off."""
    with writing(db):
        cur = db.execute(
            "UPDATE schedules SET enabled = ? WHERE id = ?", [int(enabled), schedule_id]
        )
        if cur.rowcount == 0:
            raise UnknownScheduleError(f"there is no schedule with id {schedule_id}")


def parse_rrule(text: str, dtstart: datetime) -> rrule:
    """Read a stored rule (RRULE value, with or without "RRULE:") with dateutil.

    Only reading: whether it is a good rule was the domain's question before it was
    stored (`therapy.schedule.parse_rule`). One dateutil cannot read is an
    InvalidInputError.
    """
    try:
        rule = rrulestr(text.strip().removeprefix("RRULE:"), dtstart=dtstart)
    except (ValueError, TypeError, KeyError) as exc:
        raise InvalidInputError(f"the recurrence rule {text!r} cannot be read") from exc
    if not isinstance(rule, rrule):
        raise InvalidInputError(f"{text!r} holds more than one recurrence rule")
    return rule


def occurrences(schedule: ScheduleRecord, start: datetime, end: datetime) -> list[datetime]:
    """Occurrences in [start, end), in the schedule's zone (the adherence query's)."""
    require_aware(start, "range start")
    require_aware(end, "range end")
    rule = parse_rrule(schedule.rrule, schedule.dtstart)
    found: list[datetime] = rule.between(start, end, inc=True)
    return [o for o in found if o < end]


def record_reminder(
    db: LogDb,
    schedule_id: int,
    occurrence: datetime,
    status: ReminderStatus,
    *,
    at: datetime,
    session_id: int | None = None,
) -> int:
    """Record what became of one reminder (done, snoozed, skipped); return its id."""
    require_aware(occurrence, "occurrence")
    require_aware(at, "reminder time")
    status = parse_enum(ReminderStatus, status, "reminder status")
    with writing(db):
        if db.execute("SELECT 1 FROM schedules WHERE id = ?", [schedule_id]).fetchone() is None:
            raise UnknownScheduleError(f"there is no schedule with id {schedule_id}")
        if session_id is not None and (
            db.execute("SELECT 1 FROM sessions WHERE id = ?", [session_id]).fetchone() is None
        ):
            raise UnknownSessionError(f"there is no session with id {session_id}")
        cur = db.execute(
            "INSERT INTO reminders (schedule_id, occurrence, occurrence_utc, status, at, "
            "session_id) VALUES (?, ?, ?, ?, ?, ?)",
            [
                schedule_id,
                to_iso(occurrence),
                utc_ms(occurrence),
                status.value,
                to_iso(at),
                session_id,
            ],
        )
    assert cur.lastrowid is not None
    return cur.lastrowid


def list_reminders(db: LogDb, *, schedule_id: int | None = None) -> list[ReminderEvent]:
    """Reminder events in time order."""
    where, args = ("WHERE schedule_id = ?", [schedule_id]) if schedule_id is not None else ("", [])
    return [
        ReminderEvent(
            id=r["id"],
            schedule_id=r["schedule_id"],
            occurrence=from_iso(r["occurrence"]),
            status=ReminderStatus(r["status"]),
            at=from_iso(r["at"]),
            session_id=r["session_id"],
        )
        for r in db.query(f"SELECT * FROM reminders {where} ORDER BY occurrence_utc, id", args)
    ]


def delete_schedule(db: LogDb, schedule_id: int) -> None:
    """Remove a schedule and its reminder records (the records mean nothing without it)."""
    with writing(db):
        db.execute("DELETE FROM reminders WHERE schedule_id = ?", [schedule_id])
        cur = db.execute("DELETE FROM schedules WHERE id = ?", [schedule_id])
        if cur.rowcount == 0:
            raise UnknownScheduleError(f"there is no schedule with id {schedule_id}")
