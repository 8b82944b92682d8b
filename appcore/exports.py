"""The Progress page's exports: what can be exported, written privately on the DB thread,
and what to say when writing fails.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from appcore.explain import os_cause
from data import export, fhir

if TYPE_CHECKING:
    from data.db import LogDb


class ExportKind(StrEnum):
    """What the person can export; each has a file suffix and a plain name."""

    SESSIONS_CSV = "sessions"
    RATINGS_CSV = "ratings"
    FHIR = "fhir"
    PDF = "pdf"
    DEVICE_HISTORY_CSV = "device"
    ENTRIES_CSV = "entries"  # issue 14: the daily entries

    @property
    def suffix(self) -> str:
        suffixes = {"sessions": ".csv", "ratings": ".csv", "fhir": ".json", "pdf": ".pdf"}
        return suffixes.get(self, ".csv")

    @property
    def heading(self) -> str:
        return {
            "sessions": "Sessions (CSV spreadsheet)",
            "ratings": "Ratings (CSV spreadsheet)",
            "fhir": "Health record (FHIR JSON)",
            "pdf": "Report for your clinician (PDF)",
            "device": "What Thenar sent to the massager (CSV spreadsheet)",
            "entries": "Daily entries (CSV spreadsheet)",
        }[self]

    def default_name(self, today: date) -> str:
        stem = {
            "sessions": "thenar-sessions",
            "ratings": "thenar-ratings",
            "fhir": "thenar-fhir-bundle",
            "pdf": "thenar-report",
            "device": "thenar-device-history",
            "entries": "thenar-daily-entries",
        }[self]
        return f"{stem}-{today.isoformat()}{self.suffix}"


def export_table(db: LogDb, kind: ExportKind, path: Path, now: datetime, name: str = "") -> Path:
    """Write a CSV or FHIR export to `path` (0600). Runs on the DB thread. `name`: the
    person's name for the FHIR Patient, only if they typed one."""
    if kind is ExportKind.SESSIONS_CSV:
        content = export.sessions_csv(db)
    elif kind is ExportKind.RATINGS_CSV:
        content = export.ratings_csv(db)
    elif kind is ExportKind.FHIR:
        bundle = fhir.fhir_bundle(db, now=now, name=name)
        content = json.dumps(bundle, ensure_ascii=False, indent=1)
    elif kind is ExportKind.ENTRIES_CSV:
        content = export.entries_csv(db)
    elif kind is ExportKind.DEVICE_HISTORY_CSV:
        content = export.commands_csv(db)
    else:
        raise ValueError(f"{kind} is not a table export")
    return export.write_export(path, content)


def write_file(_db: LogDb, path: Path, content: bytes) -> Path:
    """Write bytes made elsewhere (the PDF) as a private export, off the UI thread."""
    return export.write_export(path, content)


def export_error_message(exc: BaseException, path: Path) -> str:
    """A plain sentence for a failed export, with what to do next."""
    if isinstance(exc.__cause__, OSError):  # the DB worker hands OS errors on as StoreErrors
        exc = exc.__cause__
    why = os_cause(exc) if isinstance(exc, OSError) else "something went wrong while writing it"
    return (
        f"Could not save {path.name}: {why}. Nothing in your log was changed. "
        "Choose another folder, such as Documents, and try again."
    )
