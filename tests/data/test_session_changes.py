"""What the person changed during a session, derived from the audit trail: only
confirmed commands count, each attributed to its session, in time order, and the
sessions CSV, the FHIR Procedure and its notes say it. A real log file; the audit lines
are written through `devices.log_command`, as `appcore.massager.Massager` writes every
driver's, with the parameters the drivers send (ble/client.py `_send`, drivers/aa55.py)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from hypothesis import given, settings
from hypothesis import strategies as st

from data import devices, fhir, programs
from data.db import LogDb
from data.export import sessions_csv
from data.models import Outcome, SessionStart
from data.session_changes import (
    LevelChange,
    SessionChanges,
    SpareChange,
    WarmthChange,
    session_changes,
)
from data.sessions import finish_session, start_session
from data.store import open_store
from massage import ZONE_COUNT, Zone
from tests.data.helpers import T0

THUMB, FINGERS, WRIST = Zone.THUMB_BASE, Zone.FINGERS, Zone.WRIST


@pytest.fixture
def log(tmp_path: Path) -> Iterator[LogDb]:
    """A health log file, as the app opens it."""
    with open_store(tmp_path, now=T0, daily_backup=False) as store:
        devices.record_device(store.db, "AA:BB", "Thenar Glove", "1.2.0", seen_at=T0)
        yield store.db


def a_session(db: LogDb, start: datetime, minutes: int = 20, heat_c: float | None = 40.0) -> int:
    program = programs.save_program(db, f"Wave {start:%H%M}", {"steps": []}, created_at=start)
    sid = start_session(db, SessionStart(program, {"steps": []}, {}, 6, heat_c, start, "AA:BB"))
    finish_session(
        db,
        sid,
        Outcome.COMPLETED,
        ended_at=start + timedelta(minutes=minutes),
        stop_reason="completed",
    )
    return sid


def thenar_spare(
    db: LogDb, sid: int | None, at: datetime, zones: set[Zone], result: str = "success"
) -> None:
    """A spare_zones line as Thenar's client writes it: the mask, the zones' names, its id."""
    mask = sum(1 << z for z in zones)
    names = ["thumb base", "little-finger base", "palm", "fingers", "back of hand", "wrist"]
    params = {"mask": mask, "zones": [names[z] for z in sorted(zones)], "id": 7}
    devices.log_command(db, "spare_zones", params, result, at=at, device_id="AA:BB", session_id=sid)


def command(
    db: LogDb, sid: int | None, at: datetime, what: str, params: dict[str, object], result: str
) -> None:
    devices.log_command(db, what, params, result, at=at, device_id="AA:BB", session_id=sid)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def test_a_spare_then_give_back_and_a_refused_spare(log: LogDb) -> None:
    sid = a_session(log, T0)
    thenar_spare(log, sid, T0 + minutes(3), {THUMB})
    thenar_spare(log, sid, T0 + minutes(5), {THUMB, WRIST}, result="operation_failed")
    thenar_spare(log, sid, T0 + minutes(6), {THUMB, FINGERS}, result="no_answer")
    thenar_spare(log, sid, T0 + minutes(8), set())  # given back
    # the consumer family refuses before sending anything; its line must not count either
    command(log, sid, T0 + minutes(9), "spare_zones", {"zones": [int(WRIST)]}, "refused")
    changes = session_changes(log)[sid]
    assert changes.changes == (
        SpareChange(180, frozenset(), frozenset({THUMB})),
        SpareChange(480, frozenset({THUMB}), frozenset()),
    )
    assert changes.spared_at_end == frozenset()
    assert changes.spared_any_time == {THUMB}
    assert changes.sentence() == (
        "During the session: thumb base spared from 3 min; thumb base given back at 8 min."
    )


def test_pressure_and_warmth_changes_in_time_order(log: LogDb) -> None:
    sid = a_session(log, T0)
    # the driver's reset to the plan at the start is no change: the session starts at 10
    command(log, sid, T0, "set_intensity", {"level": 10, "id": 1}, "success")
    command(log, sid, T0 + minutes(2), "set_intensity", {"level": 8, "id": 2}, "success")
    command(log, sid, T0 + minutes(3), "set_intensity", {"level": 6, "id": 3}, "no_answer")
    command(log, sid, T0 + minutes(4), "set_heat", {"heat_dc": 0, "id": 4}, "success")
    command(log, sid, T0 + minutes(5), "set_intensity", {"level": 6, "id": 5}, "success")
    command(log, sid, T0 + minutes(7), "set_heat", {"heat_dc": 400, "id": 6}, "success")
    command(log, sid, T0 + minutes(9), "set_intensity", {"level": 8}, "success")  # AA 55
    command(log, sid, T0 + minutes(10), "set_heat", {"on": False}, "OutcomeUnknown")
    command(log, sid, T0 + minutes(11), "start_program", {"program_id": 1}, "success")
    changes = session_changes(log)[sid]
    assert changes.changes == (
        LevelChange(120, 10, 8),
        WarmthChange(240, False),
        LevelChange(300, 8, 6),
        WarmthChange(420, True),
        LevelChange(540, 6, 8),
    )
    assert changes.levels == (10, 8, 6, 8)
    assert changes.warmth == (False, True)
    assert changes.spared_at_end == frozenset()
    assert changes.summary() == (
        "pressure lowered from level 10 to 8 at 2 min; warmth turned off at 4 min; "
        "pressure lowered from level 8 to 6 at 5 min; warmth turned back on at 7 min; "
        "pressure raised from level 6 to 8 at 9 min"
    )


def test_a_session_without_warmth_has_no_warmth_change_for_warmth_off(log: LogDb) -> None:
    sid = a_session(log, T0, heat_c=None)
    command(log, sid, T0 + minutes(1), "set_heat", {"heat_dc": 0}, "success")
    assert session_changes(log)[sid] == SessionChanges(sid)


def test_changes_belong_to_their_session_only(log: LogDb) -> None:
    first = a_session(log, T0)
    second = a_session(log, T0 + timedelta(hours=1))
    quiet = a_session(log, T0 + timedelta(hours=2))
    thenar_spare(log, first, T0 + minutes(1), {WRIST})
    # lines written while no session ran (a self-test, a caps sync) belong to none
    command(log, None, T0 + timedelta(hours=1, minutes=2), "set_intensity", {"level": 3}, "success")
    thenar_spare(log, None, T0 + timedelta(hours=2, minutes=2), {THUMB})
    command(
        log, second, T0 + timedelta(hours=1, minutes=30), "set_intensity", {"level": 5}, "success"
    )
    found = session_changes(log)
    assert found[first].spared_at_end == {WRIST}
    assert found[second].levels == (10, 5)
    assert found[second].changes[0].at_s is None  # logged after the session's end
    assert found[second].summary() == "pressure lowered from level 10 to 5"
    assert found[quiet] == SessionChanges(quiet)
    assert session_changes(log, [second]) == {second: found[second]}
    assert session_changes(log, []) == {}


def test_the_exports_say_what_changed(log: LogDb) -> None:
    sid = a_session(log, T0)
    quiet = a_session(log, T0 + timedelta(hours=1))
    command(log, sid, T0 + minutes(2), "set_intensity", {"level": 6}, "success")
    command(log, sid, T0 + minutes(2.5), "set_intensity", {"level": 4}, "success")
    thenar_spare(log, sid, T0 + minutes(3), {THUMB, FINGERS})
    thenar_spare(log, sid, T0 + minutes(4), {FINGERS})
    thenar_spare(log, sid, T0 + minutes(5), {FINGERS, WRIST}, result="operation_failed")
    command(log, sid, T0 + minutes(6), "set_heat", {"heat_dc": 0}, "success")
    rows = {r["session_id"]: r for r in csv.DictReader(io.StringIO(sessions_csv(log)))}
    changed = rows[str(sid)]
    assert changed["intensity"] == "6"  # the start's, as before
    assert changed["pressure_levels"] == "10; 6; 4"
    assert changed["warmth_changes"] == "off"
    assert changed["spared_at_end"] == "fingers"
    assert changed["spared_during"] == "thumb base; fingers"
    assert [rows[str(quiet)][c] for c in list(changed)[-4:]] == ["", "", "", ""]

    bundle = fhir.fhir_bundle(log, now=T0 + timedelta(days=1))
    Bundle.model_validate(bundle)
    notes = {
        r["resource"]["identifier"][0]["value"]: [n["text"] for n in r["resource"]["note"]]
        for r in bundle["entry"]
        if r["resource"]["resourceType"] == "Procedure"
    }
    assert notes[str(sid)][-1] == (
        "During the session: pressure lowered from level 10 to 6 at 2 min; "
        "pressure lowered from level 6 to 4 at 2 min; thumb base, fingers spared from 3 min; "
        "thumb base given back at 4 min; warmth turned off at 6 min."
    )
    assert not any(n.startswith("During the session") for n in notes[str(quiet)])


# --- random sequences against a simple model ---------------------------------------

ZONE_SETS = st.frozensets(st.sampled_from(list(Zone)[:ZONE_COUNT]))
LINES = st.lists(
    st.tuples(
        st.sampled_from(["set_intensity", "set_heat", "spare_zones"]),
        st.integers(1, 10),
        st.booleans(),
        ZONE_SETS,
        st.sampled_from(["success", "success", "operation_failed", "no_answer", "refused"]),
    ),
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(lines=LINES, warm=st.booleans())
def test_the_summary_follows_only_confirmed_lines(
    tmp_path_factory: pytest.TempPathFactory,
    lines: list[tuple[str, int, bool, frozenset[Zone], str]],
    warm: bool,
) -> None:
    with open_store(tmp_path_factory.mktemp("log"), now=T0, daily_backup=False) as store:
        db = store.db
        devices.record_device(db, "AA:BB", "Thenar Glove", "1.2.0", seen_at=T0)
        sid = a_session(db, T0, minutes=30, heat_c=40.0 if warm else None)
        levels, warmth, spared, ever = [10], [], frozenset[Zone](), set[Zone]()
        state_warm = warm
        for i, (what, level, on, zones, result) in enumerate(lines):
            at = T0 + timedelta(seconds=30 + i)
            if what == "set_intensity":
                command(db, sid, at, what, {"level": level}, result)
            elif what == "set_heat":
                command(db, sid, at, what, {"heat_dc": 400 if on else 0}, result)
            else:
                thenar_spare(db, sid, at, set(zones), result)
            if result != "success":
                continue  # never assumed to have worked
            if what == "set_intensity" and level != levels[-1]:
                levels.append(level)
            elif what == "set_heat" and on != state_warm:
                warmth.append(on)
                state_warm = on
            elif what == "spare_zones":
                spared = zones
                ever |= zones
        found = session_changes(db)[sid]
        assert found.levels == (tuple(levels) if len(levels) > 1 else ())
        assert found.warmth == tuple(warmth)
        assert found.spared_at_end == spared
        assert found.spared_any_time == ever
        assert all(c.at_s is not None and 30 <= c.at_s < 60 for c in found.changes)
