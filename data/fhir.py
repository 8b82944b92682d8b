"""An HL7 FHIR R4 Bundle (type "collection") a clinic system can take in.

A Patient (pseudonymous: no name unless the person typed one), the Device for each
Thenar massager used, a Procedure for every massage session (by the massager, by
hand, or with another massager; the Device referenced when a Thenar massager was
used), and Observations for every rating and daily entry, each referencing the
Patient (and, for a session's ratings, its Procedure through `partOf`). A Procedure's
notes say the routine, the stop reason, the caps in force and, in plain words, what the
person changed during the session (`data.session_changes`: confirmed changes only).

Built as plain dicts (no fhir.resources import at run time). Patient, Device,
Procedure, Observation and Bundle are the same in R4 (4.0.1) and R4B (4.3.0) for
the elements used here; the tests validate with `fhir.resources.R4B` because
fhir.resources 8 ships R5 as its default and R4B/STU3 as subpackages, with no
separate R4 package.

Codes (docs/safety-and-care.md, docs/fhir-codes.md): pain is LOINC 72514-3 as an
integer score; stiffness, morning-stiffness duration, flare, grip strength and the
massage procedure have no agreed code, so they use Thenar's local code system,
documented in docs/fhir-codes.md, always with `code.text`.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from massage import ZONE_NAMES

from .entries import list_entries
from .other_massagers import MASSAGER_SQL
from .ratings import list_ratings
from .session_changes import session_changes
from .times import require_aware, to_iso

if TYPE_CHECKING:
    from .db import LogDb

LOINC = "http://loinc.org"
PAIN_LOINC = "72514-3"
LOCAL_SYSTEM = "https://thenar.app/fhir/CodeSystem/symptoms"
PROCEDURE_SYSTEM = "https://thenar.app/fhir/CodeSystem/procedures"
IDENTIFIER_SYSTEM = "https://thenar.app/fhir/observation"
SESSION_SYSTEM = "https://thenar.app/fhir/session"
DEVICE_SYSTEM = "https://thenar.app/fhir/device"
OTHER_DEVICE_SYSTEM = "https://thenar.app/fhir/other-massager"  # a model name, as typed
UCUM = "http://unitsofmeasure.org"
_CATEGORY = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "survey",
            "display": "Survey",
        }
    ]
}
# A fixed namespace so re-exporting gives the same fullUrls (importers can de-duplicate).
_NAMESPACE = uuid.UUID("6f1c3f0e-8a4e-4d6c-9a59-7c1e2b3d4f50")
_CONTEXT = {
    "before": "before a session",
    "after": "after a session",
    "checkin": "daily check-in",
    "entry": "daily entry",
}
_KIND_TEXT = {
    "thenar": "Hand massage with a Thenar massager",
    "by_hand": "Hand self-massage following Thenar's guided steps",
    "other_massager": "Hand massage with another massager",
}
_STATUS = {
    "running": "in-progress",
    "completed": "completed",
    "stopped_by_user": "stopped",
    "interrupted_link": "stopped",
    "interrupted_crash": "stopped",
    "device_fault": "stopped",
}


def _url(key: str) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, key)}"


def _code(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def _entry(key: str, resource: dict[str, Any]) -> dict[str, Any]:
    resource["identifier"] = [{"system": IDENTIFIER_SYSTEM, "value": key}]
    return {"fullUrl": _url(key), "resource": resource}


def _observation(
    when: str, context: str, code: dict[str, Any], value: dict[str, Any], patient: str
) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": [_CATEGORY],
        "code": code,
        "subject": {"reference": patient},
        "effectiveDateTime": when,
        "method": {"text": _CONTEXT[context]},
        **value,
    }


PAIN = _code(LOINC, PAIN_LOINC, "Pain severity - 0-10 verbal numeric rating [Score] - Reported")
STIFFNESS = _code(LOCAL_SYSTEM, "stiffness", "Hand stiffness 0-10 numeric rating")
MORNING = _code(LOCAL_SYSTEM, "morning-stiffness-duration", "Morning stiffness duration")
FLARE = _code(LOCAL_SYSTEM, "flare", "Arthritis flare (hot, swollen joints) reported")
GRIP = _code(LOCAL_SYSTEM, "grip-strength", "Grip strength")


def _minutes(value: int) -> dict[str, Any]:
    return {"valueQuantity": {"value": value, "unit": "min", "system": UCUM, "code": "min"}}


def _patient(name: str) -> dict[str, Any]:
    name = name.strip()[:80]
    resource: dict[str, Any] = {"resourceType": "Patient", "active": True}
    if name:
        resource["name"] = [{"text": name}]
    return {"fullUrl": _url("patient"), "resource": resource}


def _devices(db: LogDb, used: set[str]) -> dict[str, dict[str, Any]]:
    out = {}
    for device_id, name, firmware in db.execute("SELECT id, name, firmware FROM devices"):
        if device_id not in used:
            continue
        resource: dict[str, Any] = {
            "resourceType": "Device",
            "identifier": [{"system": DEVICE_SYSTEM, "value": device_id}],
            "deviceName": [{"name": name, "type": "user-friendly-name"}],
        }
        if firmware:
            resource["version"] = [{"value": firmware}]
        out[device_id] = {"fullUrl": _url(f"device-{device_id}"), "resource": resource}
    return out


def _other_massagers(names: list[str]) -> dict[str, dict[str, Any]]:
    """A Device per massager named in sessions "with another massager" (one per name,
    ignoring case), keyed by the casefolded name: the model name as the person typed it."""
    out: dict[str, dict[str, Any]] = {}
    for name in names:
        key = name.casefold()
        if key in out:
            continue
        resource = {
            "resourceType": "Device",
            "identifier": [{"system": OTHER_DEVICE_SYSTEM, "value": key}],
            "deviceName": [{"name": name, "type": "model-name"}],
        }
        out[key] = {"fullUrl": _url(f"other-massager-{key}"), "resource": resource}
    return out


def _procedures(
    db: LogDb, patient: str, since: date | None, until: date | None
) -> tuple[list[dict[str, Any]], dict[int, str]]:
    """A Procedure per session (and the Devices they used); the session id -> fullUrl."""
    clauses, args = [], []
    if since is not None:
        clauses.append("s.local_date >= ?")
        args.append(since.isoformat())
    if until is not None:
        clauses.append("s.local_date <= ?")
        args.append(until.isoformat())
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = db.execute(
        f"SELECT s.id, s.kind, s.device_id, s.started_at, s.ended_at, s.outcome, s.stop_reason, "
        f"s.caps, p.name, {MASSAGER_SQL} "
        f"FROM sessions AS s JOIN programs AS p ON p.id = s.program_id {where} "
        "ORDER BY s.started_utc, s.id",
        args,
    ).fetchall()
    devices = _devices(db, {r[2] for r in rows if r[2] is not None})
    others = _other_massagers([r[9] for r in rows if isinstance(r[9], str) and r[1] != "thenar"])
    out: list[dict[str, Any]] = [*devices.values(), *others.values()]
    urls: dict[int, str] = {}
    changes = session_changes(db, [r[0] for r in rows])
    for sid, kind, device_id, started, ended, outcome, reason, caps, program, other in rows:
        period = {"start": started} | ({"end": ended} if ended else {})
        notes = [f"Routine: {program}."]
        if reason:
            notes.append(f"Stop reason: {reason}.")
        limits = json.loads(caps)
        if kind == "thenar" and isinstance(limits, dict) and limits:
            notes.append(f"Caps in force: {json.dumps(limits, sort_keys=True)}")
        if during := changes[sid].sentence():  # gentler/firmer, warmth, spared zones
            notes.append(during)
        resource: dict[str, Any] = {
            "resourceType": "Procedure",
            "identifier": [{"system": SESSION_SYSTEM, "value": str(sid)}],
            "status": _STATUS.get(outcome, "unknown"),
            "code": _code(
                PROCEDURE_SYSTEM, f"hand-massage-{kind.replace('_', '-')}", _KIND_TEXT[kind]
            ),
            "subject": {"reference": patient},
            "performedPeriod": period,
            "note": [{"text": n} for n in notes],
        }
        if device_id is not None and device_id in devices:
            resource["usedReference"] = [{"reference": devices[device_id]["fullUrl"]}]
        elif isinstance(other, str) and other.casefold() in others:
            resource["usedReference"] = [{"reference": others[other.casefold()]["fullUrl"]}]
        url = _url(f"session-{sid}")
        urls[sid] = url
        out.append({"fullUrl": url, "resource": resource})
    return out, urls


def _zones_text(left: frozenset[int], right: frozenset[int]) -> str:
    parts = []
    for side, zones in (("left hand", left), ("right hand", right)):
        if zones:
            parts.append(f"{side}: " + ", ".join(ZONE_NAMES[z] for z in sorted(zones)))
    return "; ".join(parts)


def fhir_bundle(
    db: LogDb,
    *,
    now: datetime,
    since: date | None = None,
    until: date | None = None,
    name: str = "",
) -> dict[str, Any]:
    """The person's log (optionally local days [since, until]) as a FHIR R4 collection
    Bundle: Patient, Devices, Procedures (sessions) and Observations."""
    require_aware(now, "export time")
    patient_entry = _patient(name)
    patient = patient_entry["fullUrl"]
    entries: list[dict[str, Any]] = [patient_entry]
    procedures, session_urls = _procedures(db, patient, since, until)
    entries += procedures
    for rec in list_ratings(db, since=since, until=until):
        r, kind, when = rec.rating, rec.kind.value, to_iso(rec.rating.at)
        part_of = (
            {"partOf": [{"reference": session_urls[rec.session_id]}]}
            if rec.session_id in session_urls
            else {}
        )
        pain = _observation(when, kind, PAIN, {"valueInteger": r.pain, **part_of}, patient)
        if r.note:
            pain["note"] = [{"text": r.note}]
        entries.append(_entry(f"{rec.id}-pain", pain))
        entries.append(
            _entry(
                f"{rec.id}-stiffness",
                _observation(
                    when, kind, STIFFNESS, {"valueInteger": r.stiffness, **part_of}, patient
                ),
            )
        )
        if r.morning_stiffness_min is not None:
            entries.append(
                _entry(
                    f"{rec.id}-morning-stiffness",
                    _observation(when, kind, MORNING, _minutes(r.morning_stiffness_min), patient),
                )
            )
        if r.grip_kg is not None:
            value = {"value": r.grip_kg, "unit": "kg", "system": UCUM, "code": "kg"}
            entries.append(
                _entry(
                    f"{rec.id}-grip",
                    _observation(when, kind, GRIP, {"valueQuantity": value}, patient),
                )
            )
    for item in list_entries(db, since=since, until=until):
        e, when = item.entry, to_iso(item.entry.at)
        context = "checkin" if item.checkin_id is not None else "entry"
        where = _zones_text(e.left_zones, e.right_zones)
        extra: dict[str, Any] = {}
        if where:
            extra["bodySite"] = {"text": where}
        elif e.hand is not None:
            extra["bodySite"] = {"text": "both hands" if e.hand == "both" else f"{e.hand} hand"}
        made: list[tuple[str, dict[str, Any]]] = []
        if e.pain is not None:
            made.append(
                (
                    "pain",
                    _observation(when, context, PAIN, {"valueInteger": e.pain, **extra}, patient),
                )
            )
        if e.stiffness is not None:
            made.append(
                (
                    "stiffness",
                    _observation(
                        when, context, STIFFNESS, {"valueInteger": e.stiffness, **extra}, patient
                    ),
                )
            )
        if e.morning_stiffness_min is not None:
            made.append(
                (
                    "morning-stiffness",
                    _observation(
                        when, context, MORNING, _minutes(e.morning_stiffness_min), patient
                    ),
                )
            )
        if e.flare is not None:
            made.append(
                ("flare", _observation(when, context, FLARE, {"valueBoolean": e.flare}, patient))
            )
        if made:
            notes = [e.note] if e.note else []
            if e.medications:
                notes.append("Medications taken: " + ", ".join(sorted(e.medications)) + ".")
            if notes:
                made[0][1]["note"] = [{"text": n} for n in notes]
        for measure, resource in made:
            entries.append(_entry(f"entry-{item.id}-{measure}", resource))
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": to_iso(now),
        "entry": entries,
    }
