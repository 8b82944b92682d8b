"""Exports: CSV columns, the JSON backup round trip, FHIR validation, iCalendar."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta

import pytest
from fhir.resources.R4B.bundle import Bundle  # fhir.resources 8: default is R5; R4B ~ R4
from icalendar import Calendar

from data import devices, dump, fhir, programs, ratings, schedules, screenings, telemetry
from data.errors import RestoreError
from data.export import RATING_COLUMNS, SESSION_COLUMNS, ratings_csv, sessions_csv
from data.ics import schedules_ics
from data.models import Outcome, Rating, RatingKind, ReminderStatus, SessionStart, TelemetrySample
from data.sessions import SessionWriter, start_session
from data.store import open_memory
from tests.data.helpers import T0


@pytest.fixture
def full(db, program_id):
    """A small log touching every table."""
    devices.record_device(db, "AA:BB", "Thenar Glove", "1.2.0", seen_at=T0)
    sid = start_session(
        db, SessionStart(program_id, {"steps": [1, 2]}, {"max_mmhg": 50}, 3, 40.0, T0, "AA:BB")
    )
    writer = SessionWriter(db, sid)
    for t in range(0, 5000, 500):
        writer.add(TelemetrySample(t, (10, 20, 30, 40, 50, 60), 380 + t // 1000))
    writer.finish(
        Outcome.STOPPED_BY_USER,
        ended_at=T0 + timedelta(minutes=7, seconds=30),
        stop_reason="user pressed stop",
    )
    ratings.add_rating(
        db,
        Rating(T0, 6, 5, grip_kg=21.5, note="before, a bit sore"),
        kind=RatingKind.BEFORE,
        session_id=sid,
    )
    ratings.add_rating(
        db, Rating(T0 + timedelta(minutes=8), 3, 2), kind=RatingKind.AFTER, session_id=sid
    )
    ratings.add_checkin(
        db,
        Rating(
            T0 + timedelta(days=1), 4, 4, morning_stiffness_min=35, note='quoted "note", with comma'
        ),
    )
    devices.log_command(db, "start", {"program": 1}, "ok", at=T0, session_id=sid)
    scr = screenings.record_screening(
        db, taken_at=T0, rules_version="1", answers={"dvt": False}, caps={"max_mmhg": 50}, blocks=[]
    )
    screenings.record_clearance(
        db,
        what="osteoporosis",
        cleared_on=date(2024, 2, 1),
        cleared_by="Dr Ada",
        recorded_at=T0,
        screening_id=scr,
    )
    sched = schedules.add_schedule(
        db,
        program_id=program_id,
        rrule_text="FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=8;BYMINUTE=0",
        dtstart=T0,
        lead_min=10,
    )
    schedules.add_schedule(
        db, program_id=program_id, rrule_text="FREQ=DAILY", dtstart=T0, enabled=False
    )
    schedules.record_reminder(db, sched, T0, ReminderStatus.DONE, at=T0, session_id=sid)
    return db


def test_sessions_csv(full):
    rows = list(csv.DictReader(io.StringIO(sessions_csv(full))))
    assert list(rows[0]) == SESSION_COLUMNS
    assert rows == [
        {
            "session_id": "1",
            "kind": "thenar",
            "program": "Gentle wave",
            "started_at": "2024-03-01T08:00:00+01:00",
            "ended_at": "2024-03-01T08:07:30+01:00",
            "duration_min": "7.5",
            "outcome": "stopped_by_user",
            "stop_reason": "user pressed stop",
            "intensity": "3",
            "heat_c": "40.0",
            "device": "Thenar Glove",
            "pain_before": "6",
            "pain_after": "3",
            "stiffness_before": "5",
            "stiffness_after": "2",
            # nothing changed during it (the trail's "start" line is no change): blank
            "pressure_levels": "",
            "warmth_changes": "",
            "spared_at_end": "",
            "spared_during": "",
        }
    ]


def test_the_session_columns_of_earlier_versions_keep_their_positions():
    """Readers by position keep working: what the session changed comes after them."""
    assert SESSION_COLUMNS[:15] == [
        "session_id",
        "kind",
        "program",
        "started_at",
        "ended_at",
        "duration_min",
        "outcome",
        "stop_reason",
        "intensity",
        "heat_c",
        "device",
        "pain_before",
        "pain_after",
        "stiffness_before",
        "stiffness_after",
    ]


def test_ratings_csv(full):
    rows = list(csv.DictReader(io.StringIO(ratings_csv(full))))
    assert list(rows[0]) == RATING_COLUMNS
    assert [(r["kind"], r["time"], r["program"], r["pain"]) for r in rows] == [
        ("before", "2024-03-01T08:00:00+01:00", "Gentle wave", "6"),
        ("after", "2024-03-01T08:08:00+01:00", "Gentle wave", "3"),
        ("checkin", "2024-03-02T08:00:00+01:00", "", "4"),
    ]
    assert rows[2]["note"] == 'quoted "note", with comma'
    assert rows[2]["morning_stiffness_min"] == "35"
    assert rows[0]["grip_kg"] == "21.5"


def _table_contents(db):
    return {t: db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in dump.TABLES}


def test_json_backup_restores_exactly(full):
    text = dump.export_json(full)
    empty = open_memory()
    assert dump.import_json(empty, text) > 0
    assert _table_contents(empty) == _table_contents(full)
    assert dump.export_json(empty) == text
    assert telemetry.read_telemetry(empty, 1) == telemetry.read_telemetry(full, 1)


def test_json_restore_refuses_a_non_empty_store_and_changes_nothing(full):
    text = dump.export_json(full)
    before = _table_contents(full)
    with pytest.raises(RestoreError, match="empty"):
        dump.import_json(full, text)
    assert _table_contents(full) == before


@pytest.mark.parametrize(
    "mangle",
    [
        lambda d: "not json",
        lambda d: json.dumps({"format": "other"}),
        lambda d: json.dumps(d | {"schema_version": 999}),
        lambda d: json.dumps(
            d | {"tables": d["tables"] | {"ratings": {"columns": ["id"], "rows": [[1]]}}}
        ),
    ],
)
def test_json_restore_refuses_bad_documents(full, mangle):
    document = json.loads(dump.export_json(full))
    empty = open_memory()
    with pytest.raises(RestoreError):
        dump.import_json(empty, mangle(document))
    assert dump.is_empty(empty)


def test_fhir_bundle_validates_as_r4b(full):
    now = datetime(2024, 3, 5, 12, 0, tzinfo=T0.tzinfo)
    document = fhir.fhir_bundle(full, now=now)
    bundle = Bundle.model_validate(document)  # raises on any structural error
    assert bundle.type == "collection"
    observations = [
        e.resource for e in bundle.entry if e.resource.get_resource_type() == "Observation"
    ]
    pain = [o for o in observations if o.code.coding[0].code == "72514-3"]
    assert [o.valueInteger for o in pain] == [6, 3, 4]
    assert all(o.code.coding[0].system == "http://loinc.org" for o in pain)
    assert pain[0].note[0].text == "before, a bit sore"
    local = {
        o.code.coding[0].code: o
        for o in observations
        if o.code.coding[0].system == fhir.LOCAL_SYSTEM
    }
    assert set(local) == {"stiffness", "morning-stiffness-duration", "grip-strength"}
    assert local["morning-stiffness-duration"].valueQuantity.value == 35
    assert local["morning-stiffness-duration"].valueQuantity.code == "min"
    assert all(o.code.text for o in observations)
    times = {o.effectiveDateTime.isoformat() for o in pain}
    assert "2024-03-01T08:00:00+01:00" in times
    # stable identities: exporting twice gives the same fullUrls
    again = fhir.fhir_bundle(full, now=now)
    assert [e["fullUrl"] for e in again["entry"]] == [e["fullUrl"] for e in document["entry"]]
    assert len({e["fullUrl"] for e in document["entry"]}) == len(document["entry"])


def test_fhir_bundle_of_empty_log_is_valid():
    Bundle.model_validate(fhir.fhir_bundle(open_memory(), now=T0))


def test_ics_round_trips_through_icalendar(full):
    data = schedules_ics(full, now=T0)
    cal = Calendar.from_ical(data)
    events = list(cal.walk("VEVENT"))
    assert len(events) == 1  # the disabled schedule is left out
    event = events[0]
    assert str(event["summary"]) == "Hand massage: Gentle wave"
    assert event.decoded("dtstart") == T0
    assert event["dtstart"].params["TZID"] == "Europe/Paris"
    rrule = event["rrule"]
    assert rrule["FREQ"] == ["WEEKLY"]
    assert rrule["BYDAY"] == ["MO", "WE", "FR"]
    [alarm] = list(event.walk("VALARM"))
    assert alarm.decoded("trigger") == -timedelta(minutes=10)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
    assert (
        len(
            list(
                Calendar.from_ical(schedules_ics(full, now=T0, include_disabled=True)).walk(
                    "VEVENT"
                )
            )
        )
        == 2
    )


def test_program_definition_is_exported_in_json_not_lost(full):
    document = json.loads(dump.export_json(full))
    cols = document["tables"]["programs"]["columns"]
    row = document["tables"]["programs"]["rows"][0]
    assert json.loads(row[cols.index("definition")]) == programs.get_program(full, 1).definition


def test_a_json_backup_from_an_older_thenar_still_restores(full):
    """A backup made before the check-in table and clearance withdrawals existed (schema 2)."""
    document = json.loads(dump.export_json(full))
    tables = document["tables"]
    del tables["checkins"]  # added by schema 3
    clearances = tables["clearances"]
    if "withdrawn_at" in clearances["columns"]:  # added by schema 4
        gone = clearances["columns"].index("withdrawn_at")
        clearances["columns"].pop(gone)
        for row in clearances["rows"]:
            row.pop(gone)
    document["schema_version"] = 2
    empty = open_memory()
    restored = dump.import_json(empty, json.dumps(document))
    assert restored == sum(len(t["rows"]) for t in tables.values())
    for table in ("sessions", "ratings", "clearances"):
        assert len(_table_contents(empty)[table]) == len(_table_contents(full)[table])


def test_an_older_backup_missing_a_required_column_is_refused(full):
    document = json.loads(dump.export_json(full))
    sessions = document["tables"]["sessions"]
    gone = sessions["columns"].index("started_at")  # NOT NULL, no default
    sessions["columns"].pop(gone)
    for row in sessions["rows"]:
        row.pop(gone)
    document["schema_version"] = 2
    empty = open_memory()
    with pytest.raises(RestoreError, match="columns of sessions"):
        dump.import_json(empty, json.dumps(document))
    assert dump.is_empty(empty)
