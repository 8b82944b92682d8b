"""Ratings, programs, screenings, clearances and the command log: valid in, bad refused."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data import devices, programs, ratings, screenings
from data.errors import InvalidInputError, NotFoundError, UnknownProgramError, UnknownSessionError
from data.models import Rating, RatingKind, SessionStart
from data.sessions import start_session
from data.store import open_memory
from tests.data.helpers import T0


def count(db, table="ratings"):
    return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def session(db, program_id):
    return start_session(db, SessionStart(program_id, {}, {}, 2, None, T0))


def test_rating_round_trip(db, program_id):
    sid = session(db, program_id)
    r = Rating(T0, 6, 5, morning_stiffness_min=40, grip_kg=21.5, note="stiff after gardening")
    rid = ratings.add_rating(db, r, kind=RatingKind.BEFORE, session_id=sid)
    got = ratings.get_rating(db, rid)
    assert (got.kind, got.session_id, got.rating) == (RatingKind.BEFORE, sid, r)
    assert ratings.session_ratings(db, sid)[RatingKind.BEFORE].id == rid


@given(
    pain=st.integers(-100, 100),
    stiffness=st.integers(-100, 100),
    morning=st.one_of(st.none(), st.integers(-10, 3000)),
    grip=st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
)
# Each example opens a fresh log (schema and migrations): on a loaded machine that
# passes hypothesis's 200 ms default deadline, which is about speed, not correctness.
@settings(deadline=None)
def test_out_of_range_ratings_are_refused_and_nothing_written(pain, stiffness, morning, grip):
    db = open_memory()
    valid = (
        0 <= pain <= 10
        and 0 <= stiffness <= 10
        and (morning is None or 0 <= morning <= 1440)
        and (grip is None or 0 < grip <= 150)
    )
    try:
        ratings.add_checkin(db, Rating(T0, pain, stiffness, morning, grip))
    except InvalidInputError:
        assert not valid
        assert count(db) == 0
    else:
        assert valid
        assert count(db) == 1


@pytest.mark.parametrize(
    "kwargs",
    [
        {"pain": True},
        {"pain": 5.0},
        {"pain": "5"},
        {"at": T0.replace(tzinfo=None)},
        {"note": "x" * 2001},
        {"grip_kg": 0},
    ],
)
def test_wrongly_typed_ratings_are_refused(kwargs):
    with pytest.raises(InvalidInputError):
        Rating(**({"at": T0, "pain": 5, "stiffness": 5} | kwargs))


def test_schema_checks_back_up_the_python_checks(db):
    with pytest.raises(Exception, match="CHECK"):
        db.execute(
            "INSERT INTO ratings (kind, rated_at, rated_utc, local_date, pain, stiffness) "
            "VALUES ('checkin', 'x', 0, '2024-01-01', 11, 0)"
        )


def test_session_rating_rules(db, program_id):
    sid = session(db, program_id)
    r = Rating(T0, 4, 4)
    with pytest.raises(InvalidInputError):
        ratings.add_rating(db, r, kind=RatingKind.BEFORE)  # before needs a session
    with pytest.raises(InvalidInputError):
        ratings.add_rating(db, r, kind=RatingKind.CHECKIN, session_id=sid)
    with pytest.raises(UnknownSessionError):
        ratings.add_rating(db, r, kind=RatingKind.AFTER, session_id=999)
    ratings.add_rating(db, r, kind=RatingKind.AFTER, session_id=sid)
    with pytest.raises(InvalidInputError, match="already has"):
        ratings.add_rating(db, Rating(T0, 1, 1), kind=RatingKind.AFTER, session_id=sid)
    assert [x.rating.pain for x in ratings.list_ratings(db)] == [4]


def test_list_ratings_by_local_day(db):
    for d in range(5):
        ratings.add_checkin(db, Rating(T0 + timedelta(days=d), d, d))
    got = ratings.list_ratings(db, since=date(2024, 3, 2), until=date(2024, 3, 4))
    assert [r.rating.pain for r in got] == [1, 2, 3]


def test_programs(db):
    mine = programs.save_program(db, "  Evening  ", {"steps": [1]}, created_at=T0)
    builtin = programs.ensure_builtin(db, "wave", "Wave", {"v": 1}, created_at=T0)
    assert programs.ensure_builtin(db, "wave", "Wave", {"v": 2}, created_at=T0) == builtin
    assert programs.get_program(db, builtin).definition == {"v": 2}
    assert programs.get_program(db, mine).name == "Evening"
    programs.set_archived(db, mine)
    assert [p.id for p in programs.list_programs(db)] == [builtin]
    assert len(programs.list_programs(db, include_archived=True)) == 2
    with pytest.raises(UnknownProgramError):
        programs.get_program(db, 77)
    with pytest.raises(UnknownProgramError):
        programs.set_archived(db, 77)
    with pytest.raises(InvalidInputError):
        programs.save_program(db, "", {}, created_at=T0)
    with pytest.raises(InvalidInputError):
        programs.save_program(db, "x", {"bad": {1, 2}}, created_at=T0)


def test_screenings_and_clearances(db):
    sid = screenings.record_screening(
        db,
        taken_at=T0,
        rules_version="2024.1",
        answers={"anticoagulants": True},
        caps={"max_mmhg": 30},
        blocks=[],
    )
    later = screenings.record_screening(
        db,
        taken_at=T0 + timedelta(days=1),
        rules_version="2024.1",
        answers={},
        caps={},
        blocks=["fever"],
    )
    latest = screenings.latest_screening(db)
    assert latest is not None
    assert (latest.id, latest.blocks) == (later, ["fever"])
    assert screenings.list_screenings(db)[0].caps == {"max_mmhg": 30}
    cid = screenings.record_clearance(
        db,
        what="anticoagulants",
        cleared_on=date(2024, 2, 20),
        cleared_by="Dr Ada",
        recorded_at=T0,
        screening_id=sid,
    )
    [c] = screenings.list_clearances(db)
    assert (c.id, c.what, c.cleared_on, c.cleared_by, c.screening_id) == (
        cid,
        "anticoagulants",
        date(2024, 2, 20),
        "Dr Ada",
        sid,
    )
    with pytest.raises(NotFoundError):
        screenings.record_clearance(
            db,
            what="x",
            cleared_on=date(2024, 1, 1),
            cleared_by="y",
            recorded_at=T0,
            screening_id=99,
        )
    with pytest.raises(InvalidInputError):
        screenings.record_clearance(
            db, what=" ", cleared_on=date(2024, 1, 1), cleared_by="y", recorded_at=T0
        )
    assert count(db, "clearances") == 1


def test_a_withdrawn_clearance_stays_in_the_log(db):
    """Withdrawing marks the row (issue 13): out of force, still there to read."""
    kept = screenings.record_clearance(
        db, what="anticoagulants", cleared_on=date(2024, 2, 20), cleared_by="Dr Ada", recorded_at=T0
    )
    gone = screenings.record_clearance(
        db, what="surgery", cleared_on=date(2024, 2, 21), cleared_by="Dr Bo", recorded_at=T0
    )
    with pytest.raises(InvalidInputError):
        screenings.withdraw_clearance(db, gone, at=T0.replace(tzinfo=None))
    screenings.withdraw_clearance(db, gone, at=T0 + timedelta(days=3))
    assert [c.id for c in screenings.list_clearances(db)] == [kept]
    assert [c.id for c in screenings.list_clearances(db, withdrawn=True)] == [kept, gone]
    assert screenings.withdrawn_clearances(db) == {gone: T0 + timedelta(days=3)}
    with pytest.raises(NotFoundError):  # withdrawn once is withdrawn
        screenings.withdraw_clearance(db, gone, at=T0 + timedelta(days=4))
    with pytest.raises(NotFoundError):
        screenings.withdraw_clearance(db, 999, at=T0 + timedelta(days=4))
    screenings.withdraw_clearance(db, kept, at=T0 + timedelta(days=4))
    assert screenings.list_clearances(db) == []
    assert count(db, "clearances") == 2


def test_command_log_is_an_ordered_audit_trail(db, program_id):
    sid = session(db, program_id)
    devices.log_command(db, "start_program", {"id": 1}, "ok", at=T0, session_id=sid)
    devices.log_command(
        db,
        "set_heat",
        {"dc": 400},
        "rejected: over cap",
        at=T0 + timedelta(seconds=5),
        session_id=sid,
        device_id="AA",
    )
    devices.log_command(db, "heartbeat", {}, "ok", at=T0 - timedelta(seconds=1))
    log = devices.list_commands(db)
    assert [c.command for c in log] == ["heartbeat", "start_program", "set_heat"]
    assert [c.result for c in devices.list_commands(db, session_id=sid)] == [
        "ok",
        "rejected: over cap",
    ]
