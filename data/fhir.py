"""An HL7 FHIR R4 Bundle (type "collection") of Observations, for clinicians.

Built as plain dicts (no fhir.resources import at run time). Only Observation
and Bundle are used, which are identical in R4 (4.0.1) and R4B (4.3.0); the
tests validate with `fhir.resources.R4B` because fhir.resources 8 ships R5 as
its default and R4B/STU3 as subpackages, with no separate R4 package.

Codes (docs/safety-and-care.md): pain is LOINC 72514-3 as an integer
score; stiffness, morning-stiffness duration and grip strength have no agreed
LOINC code (grip's common codes are per hand, which we do not record), so they
use Thenar's local code system with `code.text`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from .ratings import list_ratings
from .times import require_aware, to_iso

LOINC = "http://loinc.org"
PAIN_LOINC = "72514-3"
LOCAL_SYSTEM = "https://thenar.app/fhir/CodeSystem/symptoms"
IDENTIFIER_SYSTEM = "https://thenar.app/fhir/observation"
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
_CONTEXT = {"before": "before a session", "after": "after a session", "checkin": "daily check-in"}


def _code(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def _entry(rating_id: int, measure: str, resource: dict[str, Any]) -> dict[str, Any]:
    key = f"{rating_id}-{measure}"
    resource["identifier"] = [{"system": IDENTIFIER_SYSTEM, "value": key}]
    return {"fullUrl": f"urn:uuid:{uuid.uuid5(_NAMESPACE, key)}", "resource": resource}


def _observation(
    when: str, kind: str, code: dict[str, Any], value: dict[str, Any]
) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": [_CATEGORY],
        "code": code,
        "effectiveDateTime": when,
        "method": {"text": _CONTEXT[kind]},
        **value,
    }


def fhir_bundle(
    db: Database, *, now: datetime, since: date | None = None, until: date | None = None
) -> dict[str, Any]:
    """All ratings (optionally local days [since, until]) as a FHIR R4 collection Bundle."""
    require_aware(now, "export time")
    entries: list[dict[str, Any]] = []
    for rec in list_ratings(db, since=since, until=until):
        r, kind, when = rec.rating, rec.kind.value, to_iso(rec.rating.at)
        pain = _observation(
            when,
            kind,
            _code(
                LOINC, PAIN_LOINC, "Pain severity - 0-10 verbal numeric rating [Score] - Reported"
            ),
            {"valueInteger": r.pain},
        )
        if r.note:
            pain["note"] = [{"text": r.note}]
        entries.append(_entry(rec.id, "pain", pain))
        stiffness = _code(LOCAL_SYSTEM, "stiffness", "Hand stiffness 0-10 numeric rating")
        entries.append(
            _entry(
                rec.id,
                "stiffness",
                _observation(when, kind, stiffness, {"valueInteger": r.stiffness}),
            )
        )
        if r.morning_stiffness_min is not None:
            code = _code(LOCAL_SYSTEM, "morning-stiffness-duration", "Morning stiffness duration")
            value = {"value": r.morning_stiffness_min, "unit": "min", "system": UCUM, "code": "min"}
            entries.append(
                _entry(
                    rec.id,
                    "morning-stiffness",
                    _observation(when, kind, code, {"valueQuantity": value}),
                )
            )
        if r.grip_kg is not None:
            code = _code(LOCAL_SYSTEM, "grip-strength", "Grip strength")
            value = {"value": r.grip_kg, "unit": "kg", "system": UCUM, "code": "kg"}
            entries.append(
                _entry(rec.id, "grip", _observation(when, kind, code, {"valueQuantity": value}))
            )
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": to_iso(now),
        "entry": entries,
    }
