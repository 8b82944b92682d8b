"""Issue 14: the Schedule page's "too many sessions" warning is right about its cause:
sessions already started today (of every kind) are not blamed on schedules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from appcore.programs import ensure_routines
from appcore.reminders import load_snapshot
from appcore.schedule_picker import PickerChoice
from appcore.schedule_week import overload_warning
from data.db import LogDb
from data.models import Outcome, SessionKind, SessionStart
from data.sessions import finish_session, start_session
from data.store import open_memory
from tests.appcore.test_reminders import BERLIN, MON, _add

NOON = MON.replace(hour=12)


@pytest.fixture
def db() -> Iterator[LogDb]:
    database = open_memory()
    yield database
    database.close()


@pytest.fixture
def programs(db: LogDb) -> dict[str, int]:
    return ensure_routines(db, MON)


def _done_today(db: LogDb, program_id: int, kinds: list[SessionKind]) -> None:
    for i, kind in enumerate(kinds):
        at = MON.replace(hour=8 + i)
        sid = start_session(db, SessionStart(program_id, {}, {}, 0, None, at, kind=kind))
        finish_session(db, sid, Outcome.COMPLETED, ended_at=at + dt.timedelta(minutes=10))


def test_sessions_already_done_are_named_not_blamed_on_schedules(
    db: LogDb,
    programs: dict[str, int],
) -> None:
    pid = programs["arthritis_morning"]
    _add(db, pid, PickerChoice(at=dt.time(20, 0)), MON)  # one planned session a day
    _done_today(db, pid, [SessionKind.BY_HAND, SessionKind.OTHER_MASSAGER, SessionKind.THENAR])
    warning = overload_warning(load_snapshot(db, NOON), NOON, BERLIN)
    assert warning == (
        "Today has 3 sessions already (with the massager, by hand or with another "
        "massager), and your schedules plan 1 more: 4 in all. Makers of hand massagers "
        "like this one advise at most 3 sessions a day, so rest your hands: skip a "
        "planned one today."
    )
    assert "turn a schedule off" not in warning


def test_a_day_full_of_started_sessions_says_rest(
    db: LogDb,
    programs: dict[str, int],
) -> None:
    pid = programs["arthritis_morning"]
    _done_today(db, pid, [SessionKind.BY_HAND] * 4)
    warning = overload_warning(load_snapshot(db, NOON), NOON, BERLIN)
    assert warning is not None
    assert warning.startswith("Today has 4 sessions already")
    assert warning.endswith("so rest your hands for the rest of today.")
