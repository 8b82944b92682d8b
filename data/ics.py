"""The schedules as an iCalendar file that calendar apps import (RFC 5545).

Each enabled schedule becomes one recurring VEVENT in its own time zone (a
VTIMEZONE is included), with a display alarm at the reminder lead time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from icalendar import Alarm, Calendar, Event, vRecur

from .programs import get_program
from .schedules import list_schedules
from .times import require_aware

if TYPE_CHECKING:
    from .db import LogDb

PRODID = "-//Thenar//Thenar health log//EN"
# Default program length (docs/safety-and-care.md: each use <= 15 minutes).
DEFAULT_DURATION = timedelta(minutes=15)


def schedules_ics(
    db: LogDb,
    *,
    now: datetime,
    duration: timedelta = DEFAULT_DURATION,
    include_disabled: bool = False,
) -> bytes:
    """Serialise the schedules as an .ics document."""
    require_aware(now, "export time")
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    for sched in list_schedules(db, enabled_only=not include_disabled):
        program = get_program(db, sched.program_id)
        event = Event()
        event.add("uid", f"schedule-{sched.id}@thenar.app")
        event.add("dtstamp", now.astimezone(UTC))
        event.add("dtstart", sched.dtstart)
        event.add("duration", duration)
        event.add("summary", f"Hand massage: {program.name}")
        event.add("rrule", vRecur.from_ical(sched.rrule))
        if not sched.enabled:
            event.add("status", "CANCELLED")
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Thenar: {program.name} in {sched.lead_min} minutes")
        alarm.add("trigger", -timedelta(minutes=sched.lead_min))
        event.add_component(alarm)
        cal.add_component(event)
    cal.add_missing_timezones()
    data: bytes = cal.to_ical()
    return data
