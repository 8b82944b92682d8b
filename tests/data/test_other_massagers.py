"""Which massager a session "with another massager" used (issue 14): typed once, offered
again, and shown in the CSV, the FHIR bundle (a Device the Procedure uses), the JSON
backup and the clinician's report. A real log in memory."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from fhir.resources.R4B.bundle import Bundle

from appcore.manual_session import _log_other
from appcore.progress import Span
from appcore.report import load_report
from data import dump, fhir, other_massagers, sessions
from data.db import LogDb
from data.errors import InvalidInputError
from data.export import sessions_csv
from data.store import open_memory
from tests.data.helpers import T0


@pytest.fixture
def log() -> LogDb:
    db = open_memory()
    _log_other(db, 15, T0, None, None, "Brand HM-200")
    _log_other(db, 10, T0 + timedelta(hours=2), None, None, None)  # not named
    _log_other(db, 20, T0 + timedelta(days=1), None, None, "brand hm-200")  # same, other case
    _log_other(db, 5, T0 + timedelta(days=2), None, None, "Pocket kneader")
    return db


def test_names_are_offered_newest_first_once_each(log: LogDb) -> None:
    assert other_massagers.known_massagers(log) == ["Pocket kneader", "brand hm-200"]
    assert other_massagers.known_massagers(open_memory()) == []


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("  Brand X  ", "Brand X"),
        ("", None),
        ("   ", None),
        (None, None),
        ("Ünïcode 🙂", "Ünïcode 🙂"),
    ],
)
def test_a_name_is_trimmed_and_blank_means_not_given(typed: str | None, stored: str | None) -> None:
    assert other_massagers.check_massager_name(typed) == stored


@pytest.mark.parametrize(
    ("typed", "words"),
    [("x" * 10_000, "the limit is 80"), ("bad\nline", "cannot be stored"), (3, "must be text")],
)
def test_a_bad_name_is_refused_in_words(typed: object, words: str) -> None:
    with pytest.raises(InvalidInputError, match=words):
        other_massagers.check_massager_name(typed)  # type: ignore[arg-type]


def test_the_csv_device_column_names_the_massager(log: LogDb) -> None:
    rows = list(csv.DictReader(io.StringIO(sessions_csv(log))))
    assert [(r["kind"], r["device"]) for r in rows] == [
        ("other_massager", "Brand HM-200"),
        ("other_massager", ""),
        ("other_massager", "brand hm-200"),
        ("other_massager", "Pocket kneader"),
    ]


def test_fhir_a_device_per_massager_used_by_its_procedures(log: LogDb) -> None:
    document = fhir.fhir_bundle(log, now=T0 + timedelta(days=3))
    Bundle.model_validate(document)
    by_url = {e["fullUrl"]: e["resource"] for e in document["entry"]}
    devices = [r for r in by_url.values() if r["resourceType"] == "Device"]
    assert sorted(d["deviceName"][0]["name"] for d in devices) == [
        "Brand HM-200",
        "Pocket kneader",
    ]
    procedures = [r for r in by_url.values() if r["resourceType"] == "Procedure"]
    used = [
        by_url[p["usedReference"][0]["reference"]]["deviceName"][0]["name"]
        if "usedReference" in p
        else None
        for p in procedures
    ]
    assert used == ["Brand HM-200", None, "Brand HM-200", "Pocket kneader"]


def test_the_json_backup_keeps_the_name(log: LogDb) -> None:
    text = dump.export_json(log)
    again = open_memory()
    dump.import_json(again, text)
    assert [other_massagers.massager_of(s.program_run) for s in sessions.list_sessions(again)] == [
        other_massagers.massager_of(s.program_run) for s in sessions.list_sessions(log)
    ]
    assert other_massagers.known_massagers(again) == ["Pocket kneader", "brand hm-200"]


def test_the_report_names_the_massager_in_its_sessions_table(log: LogDb) -> None:
    report = load_report(log, Span.WEEKS_4, T0.date() + timedelta(days=3), "", str)
    assert [(r.kind, r.routine) for r in report.sessions] == [
        ("other massager", "Brand HM-200"),
        ("other massager", "Another massager"),
        ("other massager", "brand hm-200"),
        ("other massager", "Pocket kneader"),
    ]
