"""Schedules: RFC 5545 rules, daylight saving, reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from data import schedules
from data.errors import InvalidInputError, UnknownProgramError, UnknownScheduleError
from data.models import ReminderStatus
from tests.data.helpers import PARIS, T0


def test_schedule_round_trip(db, program_id):
    sid = schedules.add_schedule(
        db, program_id=program_id, rrule_text="RRULE:FREQ=DAILY;BYHOUR=8", dtstart=T0, lead_min=15
    )
    s = schedules.get_schedule(db, sid)
    assert (s.program_id, s.rrule, s.dtstart, s.lead_min, s.enabled) == (
        program_id,
        "FREQ=DAILY;BYHOUR=8",
        T0,
        15,
        True,
    )
    assert s.tz.key == "Europe/Paris"
    schedules.set_enabled(db, sid, False)
    assert schedules.list_schedules(db, enabled_only=True) == []
    with pytest.raises(UnknownScheduleError):
        schedules.set_enabled(db, 99, True)


def test_wall_clock_time_survives_daylight_saving(db, program_id):
    sid = schedules.add_schedule(db, program_id=program_id, rrule_text="FREQ=DAILY", dtstart=T0)
    s = schedules.get_schedule(db, sid)
    occ = schedules.occurrences(
        s, datetime(2024, 3, 30, tzinfo=PARIS), datetime(2024, 4, 1, tzinfo=PARIS)
    )
    # 2024-03-31 is the spring-forward day in Paris: still 8:00 local, UTC offset changes
    assert [(o.hour, o.utcoffset()) for o in occ] == [
        (8, timedelta(hours=1)),
        (8, timedelta(hours=2)),
    ]


def test_a_stored_rule_that_cannot_be_read_is_a_clear_error(db, program_id):
    sid = schedules.add_schedule(db, program_id=program_id, rrule_text="FREQ=SOMETIMES", dtstart=T0)
    s = schedules.get_schedule(db, sid)
    with pytest.raises(InvalidInputError, match="cannot be read"):
        schedules.occurrences(s, T0, T0 + timedelta(days=7))


@pytest.mark.parametrize("rule", ["", "   ", "RRULE:"])
def test_a_schedule_without_a_rule_is_refused(db, program_id, rule):
    """The rule's meaning is the domain's (tests/therapy/test_schedule.py); the log only
    refuses to keep a schedule with no rule at all."""
    with pytest.raises(InvalidInputError, match="needs a recurrence rule"):
        schedules.add_schedule(db, program_id=program_id, rrule_text=rule, dtstart=T0)
    assert schedules.list_schedules(db) == []


def test_other_bad_schedule_input(db, program_id):
    with pytest.raises(InvalidInputError, match="IANA"):
        schedules.add_schedule(
            db, program_id=program_id, rrule_text="FREQ=DAILY", dtstart=T0.astimezone(UTC)
        )
    with pytest.raises(InvalidInputError):
        schedules.add_schedule(
            db, program_id=program_id, rrule_text="FREQ=DAILY", dtstart=T0, lead_min=-5
        )
    with pytest.raises(UnknownProgramError):
        schedules.add_schedule(db, program_id=999, rrule_text="FREQ=DAILY", dtstart=T0)


def test_reminders_record_what_became_of_each(db, program_id):
    sid = schedules.add_schedule(db, program_id=program_id, rrule_text="FREQ=DAILY", dtstart=T0)
    schedules.record_reminder(db, sid, T0, ReminderStatus.SNOOZED, at=T0)
    schedules.record_reminder(db, sid, T0, ReminderStatus.DONE, at=T0 + timedelta(minutes=20))
    events = schedules.list_reminders(db, schedule_id=sid)
    assert [e.status for e in events] == [ReminderStatus.SNOOZED, ReminderStatus.DONE]
    with pytest.raises(UnknownScheduleError):
        schedules.record_reminder(db, 42, T0, ReminderStatus.DONE, at=T0)
    with pytest.raises(InvalidInputError, match="reminder status"):
        schedules.record_reminder(db, sid, T0, "forgotten", at=T0)  # type: ignore[arg-type]


def test_delete_schedule_removes_it_and_its_reminders() -> None:
    from data.programs import save_program
    from data.store import open_memory

    db = open_memory()
    start = T0.astimezone(PARIS)
    pid = save_program(db, "Morning", {"blocks": []}, created_at=start)
    sid = schedules.add_schedule(db, program_id=pid, rrule_text="FREQ=DAILY", dtstart=start)
    schedules.record_reminder(db, sid, start, ReminderStatus.DONE, at=start)
    schedules.delete_schedule(db, sid)
    assert schedules.list_schedules(db) == []
    assert db.execute("SELECT COUNT(*) FROM reminders").fetchone()[0] == 0
    with pytest.raises(UnknownScheduleError):
        schedules.delete_schedule(db, sid)
