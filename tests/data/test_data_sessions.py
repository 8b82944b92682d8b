"""Sessions, telemetry and the once-a-second commit."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from data import devices, telemetry
from data.errors import (
    InvalidInputError,
    StoreError,
    UnknownDeviceError,
    UnknownProgramError,
    UnknownSessionError,
)
from data.models import Outcome, SessionStart, TelemetrySample
from data.sessions import (
    SessionWriter,
    finish_session,
    get_session,
    list_sessions,
    mark_interrupted,
    start_session,
)
from data.store import open_memory
from tests.data.helpers import T0

RUN = {"name": "Gentle wave", "steps": [{"s": 60, "pattern": "wave", "p": [30] * 6}]}


def start(db, program_id, **kw):
    args = {
        "program_id": program_id,
        "program_run": RUN,
        "caps": {"max_mmhg": 50},
        "intensity": 3,
        "heat_c": 40.0,
        "started_at": T0,
    } | kw
    return start_session(db, SessionStart(**args))


def sample(t_ms, p=30, temp=380):
    return TelemetrySample(t_ms, (p, p + 1, p + 2, p + 3, p + 4, p + 5), temp)


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_session_is_stored_running_from_its_first_second(db, program_id):
    devices.record_device(db, "AA:BB", "Thenar Glove", "1.2.0", seen_at=T0)
    sid = start(db, program_id, device_id="AA:BB")
    s = get_session(db, sid)
    assert s.outcome is Outcome.RUNNING
    assert s.program_run == RUN
    assert s.caps == {"max_mmhg": 50}
    assert (s.program_name, s.device_id, s.started_at, s.ended_at) == (
        "Gentle wave",
        "AA:BB",
        T0,
        None,
    )


def test_finish_records_outcome_and_stop_reason(db, program_id):
    sid = start(db, program_id)
    finish_session(
        db,
        sid,
        Outcome.DEVICE_FAULT,
        ended_at=T0 + timedelta(minutes=3),
        stop_reason="over temperature",
    )
    s = get_session(db, sid)
    assert (s.outcome, s.stop_reason, s.ended_at) == (
        Outcome.DEVICE_FAULT,
        "over temperature",
        T0 + timedelta(minutes=3),
    )
    with pytest.raises(InvalidInputError, match="already ended"):
        finish_session(db, sid, Outcome.COMPLETED, ended_at=T0 + timedelta(minutes=4))
    with pytest.raises(UnknownSessionError):
        finish_session(db, 999, Outcome.COMPLETED, ended_at=T0)
    with pytest.raises(InvalidInputError):
        finish_session(db, start(db, program_id), Outcome.RUNNING, ended_at=T0)


def test_unknown_program_or_device_is_refused_and_nothing_written(db, program_id):
    with pytest.raises(UnknownProgramError):
        start(db, 12345)
    with pytest.raises(UnknownDeviceError):
        start(db, program_id, device_id="nope")
    assert db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 0


@pytest.mark.parametrize(
    "bad",
    [
        {"intensity": -1},
        {"intensity": 3.5},
        {"heat_c": 99.0},
        {"started_at": T0.replace(tzinfo=None)},
        {"program_run": {"x": float("nan")}},
        {"caps": {"x": object()}},
    ],
)
def test_bad_session_input_is_refused(db, program_id, bad):
    with pytest.raises(InvalidInputError):
        start(db, program_id, **bad)
    assert db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 0


def test_writer_commits_once_a_second(db, program_id):
    sid = start(db, program_id)
    clock = FakeClock()
    writer = SessionWriter(db, sid, clock=clock)
    committed = []
    for i in range(10):  # 4 frames a second
        clock.now = i * 0.25
        committed.append(writer.add(sample(i * 250)))
    # commits at 1.0 s and 2.0 s; in between, buffered samples are not yet in the file
    assert committed == [False, False, False, False, True, False, False, False, True, False]
    assert telemetry.count_samples(db, sid) == 9 == writer.committed_samples
    writer.flush()
    assert telemetry.count_samples(db, sid) == 10
    writer.finish(Outcome.COMPLETED, ended_at=T0 + timedelta(seconds=3))
    assert [s.t_ms for s in telemetry.read_telemetry(db, sid)] == [i * 250 for i in range(10)]


def test_writer_splits_minute_chunks_and_round_trips(db, program_id):
    sid = start(db, program_id)
    clock = FakeClock()
    writer = SessionWriter(db, sid, clock=clock)
    samples = [sample(i * 1000, p=i % 50, temp=350 + i % 30) for i in range(150)]
    for i, s in enumerate(samples):
        clock.now = float(i)
        writer.add(s)
    writer.finish(Outcome.COMPLETED, ended_at=T0 + timedelta(minutes=3))
    rows = db.execute("SELECT chunk, start_ms, n_samples FROM telemetry ORDER BY chunk").fetchall()
    assert rows == [(0, 0, 60), (1, 60_000, 60), (2, 120_000, 30)]
    assert telemetry.read_telemetry(db, sid) == samples


def test_writer_refuses_out_of_order_or_changing_zones(db, program_id):
    writer = SessionWriter(db, start(db, program_id), clock=FakeClock())
    writer.add(sample(1000))
    with pytest.raises(InvalidInputError):
        writer.add(sample(500))
    with pytest.raises(InvalidInputError):
        writer.add(TelemetrySample(2000, (1, 2), 300))


def test_writer_needs_a_running_session(db, program_id):
    sid = start(db, program_id)
    finish_session(db, sid, Outcome.COMPLETED, ended_at=T0)
    with pytest.raises(InvalidInputError):
        SessionWriter(db, sid)
    with pytest.raises(UnknownSessionError):
        SessionWriter(db, 404)


def test_mark_interrupted_ends_running_sessions_at_their_last_sample(db, program_id):
    done = start(db, program_id)
    finish_session(db, done, Outcome.COMPLETED, ended_at=T0 + timedelta(minutes=1))
    crashed = start(db, program_id)
    writer = SessionWriter(db, crashed, clock=FakeClock())
    for t in range(0, 95_000, 1000):
        writer.add(sample(t))
    writer.flush()
    empty = start(db, program_id)
    assert mark_interrupted(db) == [crashed, empty]
    s = get_session(db, crashed)
    assert s.outcome is Outcome.INTERRUPTED_CRASH
    assert s.ended_at == T0 + timedelta(seconds=94)
    assert get_session(db, empty).ended_at == T0
    assert get_session(db, done).outcome is Outcome.COMPLETED
    assert mark_interrupted(db) == []


def test_list_sessions_newest_first(db, program_id):
    ids = [start(db, program_id, started_at=T0 + timedelta(hours=h)) for h in (2, 0, 1)]
    assert [s.id for s in list_sessions(db)] == [ids[0], ids[2], ids[1]]
    assert [s.id for s in list_sessions(db, limit=1)] == [ids[0]]


samples_strategy = st.integers(1, 8).flatmap(
    lambda zones: st.lists(
        st.tuples(
            st.integers(0, 59_999),
            st.tuples(*[st.integers(0, 255)] * zones),
            st.integers(0, 1000),
        ),
        min_size=1,
        max_size=80,
    )
)


@given(samples_strategy, st.integers(0, 10_000_000))
def test_codec_round_trips(rows, start_ms):
    rows = sorted(rows)
    samples = [TelemetrySample(start_ms + t, p, temp) for t, p, temp in rows]
    zones = len(samples[0].pressures_mmhg)
    data = telemetry.encode(start_ms, zones, samples)
    assert telemetry.decode(start_ms, len(samples), zones, 1, data) == samples


@given(st.binary(max_size=200), st.integers(0, 100), st.integers(1, 8))
def test_decoding_garbage_raises_store_error_only(data, n, zones):
    with contextlib.suppress(StoreError):
        telemetry.decode(0, n, zones, 1, data)


def test_unknown_codec_is_a_clear_error():
    with pytest.raises(StoreError, match="codec"):
        telemetry.decode(0, 1, 6, 99, b"")


def test_devices_are_upserted_with_first_and_last_seen():
    db = open_memory()
    devices.record_device(db, "AA", "Glove", "1.0", seen_at=T0)
    devices.record_device(db, "AA", "Glove L", "1.1", seen_at=T0 + timedelta(days=3))
    d = devices.get_device(db, "AA")
    assert (d.name, d.firmware, d.first_seen, d.last_seen) == (
        "Glove L",
        "1.1",
        T0,
        T0 + timedelta(days=3),
    )
    assert [x.id for x in devices.list_devices(db)] == ["AA"]
