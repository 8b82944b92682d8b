"""The FHIR R4 bundle: Patient, Devices, a Procedure per session of every kind,
Observations from ratings and daily entries; validated with fhir.resources (R4B) and
every reference resolved inside the bundle (issue 14)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from data import devices, entries, fhir, programs
from data.db import LogDb
from data.entries import Entry, Hand
from data.models import Outcome, Rating, RatingKind, SessionKind, SessionStart
from data.ratings import add_rating
from data.sessions import finish_session, start_session
from data.store import open_memory
from tests.data.helpers import T0


def _log() -> LogDb:
    db = open_memory()
    pid = programs.save_program(db, "Morning ease", {"steps": []}, created_at=T0)
    devices.record_device(db, "AA:BB", "Thenar Glove", "1.2.0", seen_at=T0)
    caps = {"max_pressure_mmhg": 40, "max_heat_dc": 0}
    for i, (kind, device) in enumerate(
        [
            (SessionKind.THENAR, "AA:BB"),
            (SessionKind.BY_HAND, None),
            (SessionKind.OTHER_MASSAGER, None),
        ]
    ):
        at = T0 + timedelta(hours=i)
        sid = start_session(
            db,
            SessionStart(pid, {}, caps, 3, None, at, device, kind=kind),
            before=Rating(at, 6, 5),
        )
        outcome = Outcome.STOPPED_BY_USER if i == 1 else Outcome.COMPLETED
        finish_session(db, sid, outcome, ended_at=at + timedelta(minutes=10))
        add_rating(
            db, Rating(at + timedelta(minutes=10), 3, 2), kind=RatingKind.AFTER, session_id=sid
        )
    entries.add_medication(db, "Paracetamol", T0.date())
    entries.record_entry(
        db,
        Entry(
            at=T0 + timedelta(days=1),
            pain=4,
            morning_stiffness_min=40,
            hand=Hand.BOTH,
            left_zones=frozenset({5}),
            right_zones=frozenset({0}),
            flare=True,
            note="Knitting 🧶",
            medications=frozenset({"Paracetamol"}),
        ),
    )
    entries.record_entry(db, Entry(at=T0 + timedelta(days=2), stiffness=3, hand=Hand.LEFT))
    return db


def _resources(document: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in document["entry"] if e["resource"]["resourceType"] == kind]


def test_the_bundle_validates_and_every_reference_resolves() -> None:
    document = fhir.fhir_bundle(_log(), now=T0 + timedelta(days=3))
    bundle = Bundle.model_validate(document)
    assert bundle.type == "collection"
    urls = {e["fullUrl"] for e in document["entry"]}
    assert len(urls) == len(document["entry"])

    def refs(value: Any) -> list[str]:
        if isinstance(value, dict):
            own = [value["reference"]] if isinstance(value.get("reference"), str) else []
            return own + [r for v in value.values() for r in refs(v)]
        if isinstance(value, list):
            return [r for v in value for r in refs(v)]
        return []

    every = refs([e["resource"] for e in document["entry"]])
    assert every
    assert set(every) <= urls

    (patient,) = _resources(document, "Patient")
    assert "name" not in patient  # pseudonymous unless named
    patient_url = document["entry"][0]["fullUrl"]
    observations = _resources(document, "Observation")
    assert all(o["subject"]["reference"] == patient_url for o in observations)


def test_a_procedure_per_session_with_its_kind_and_device() -> None:
    document = fhir.fhir_bundle(_log(), now=T0 + timedelta(days=3))
    (device,) = _resources(document, "Device")
    assert device["deviceName"][0]["name"] == "Thenar Glove"
    device_url = next(e["fullUrl"] for e in document["entry"] if e["resource"] is device)
    procedures = _resources(document, "Procedure")
    codes = [p["code"]["coding"][0]["code"] for p in procedures]
    assert codes == [
        "hand-massage-thenar",
        "hand-massage-by-hand",
        "hand-massage-other-massager",
    ]
    assert [p["status"] for p in procedures] == ["completed", "stopped", "completed"]
    assert procedures[0]["usedReference"] == [{"reference": device_url}]
    assert all("usedReference" not in p for p in procedures[1:])
    assert all(p["code"]["text"] for p in procedures)
    assert procedures[0]["performedPeriod"]["end"] > procedures[0]["performedPeriod"]["start"]
    # the ratings around each session point at its Procedure
    urls = [e["fullUrl"] for e in document["entry"] if e["resource"] in procedures]
    parts = [
        o["partOf"][0]["reference"] for o in _resources(document, "Observation") if "partOf" in o
    ]
    assert sorted(parts) == sorted(urls * 4)  # pain and stiffness, before and after


def test_entries_become_observations_with_codes_sites_and_notes() -> None:
    document = fhir.fhir_bundle(_log(), now=T0 + timedelta(days=3), name=" Ana Example ")
    (patient,) = _resources(document, "Patient")
    assert patient["name"] == [{"text": "Ana Example"}]
    daily = [o for o in _resources(document, "Observation") if o["method"]["text"] == "daily entry"]
    by_code = {o["code"]["coding"][0]["code"]: o for o in daily}
    assert set(by_code) == {fhir.PAIN_LOINC, "morning-stiffness-duration", "flare", "stiffness"}
    assert by_code[fhir.PAIN_LOINC]["valueInteger"] == 4
    assert by_code[fhir.PAIN_LOINC]["bodySite"]["text"] == (
        "left hand: wrist; right hand: thumb base"
    )
    assert by_code[fhir.PAIN_LOINC]["note"] == [
        {"text": "Knitting 🧶"},
        {"text": "Medications taken: Paracetamol."},
    ]
    assert by_code["morning-stiffness-duration"]["valueQuantity"]["code"] == "min"
    assert by_code["morning-stiffness-duration"]["valueQuantity"]["value"] == 40
    assert by_code["flare"]["valueBoolean"] is True
    assert by_code["stiffness"]["bodySite"]["text"] == "left hand"
    # an unrated scale makes no Observation (never a 0)
    assert sum(1 for o in daily if o["code"]["coding"][0]["code"] == "stiffness") == 1
    Bundle.model_validate(document)


def test_a_period_limits_sessions_and_entries() -> None:
    db = _log()
    document = fhir.fhir_bundle(db, now=T0, since=T0.date() + timedelta(days=2))
    assert _resources(document, "Procedure") == []
    assert _resources(document, "Device") == []
    (only,) = _resources(document, "Observation")
    assert only["code"]["coding"][0]["code"] == "stiffness"
    Bundle.model_validate(document)
