"""Screenings (answers, rules version, resulting caps and blocks) and clinician clearances.

Kept as JSON so the log stores what the therapy rules decided at the time,
whatever those rules become later.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from . import jsonval
from .errors import InvalidInputError, NotFoundError
from .models import ClearanceRecord, ScreeningRecord
from .times import from_iso, require_aware, to_iso, utc_ms
from .tx import writing

if TYPE_CHECKING:
    from .db import LogDb
    from .models import JSON


def record_screening(
    db: LogDb,
    *,
    taken_at: datetime,
    rules_version: str,
    answers: JSON,
    caps: JSON,
    blocks: list[Any],
) -> int:
    """Store one screening and its result; return its id."""
    require_aware(taken_at, "screening time")
    if not rules_version:
        raise InvalidInputError("a screening needs the rules version that judged it")
    values = [
        to_iso(taken_at),
        utc_ms(taken_at),
        rules_version,
        jsonval.dumps(answers, "screening answers"),
        jsonval.dumps(caps, "caps"),
        jsonval.dumps(blocks, "blocks"),
    ]
    with writing(db):
        cur = db.execute(
            "INSERT INTO screenings (taken_at, taken_utc, rules_version, answers, caps, blocks) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            values,
        )
    assert cur.lastrowid is not None
    return cur.lastrowid


def _to_screening(r: dict[str, Any]) -> ScreeningRecord:
    return ScreeningRecord(
        id=r["id"],
        taken_at=from_iso(r["taken_at"]),
        rules_version=r["rules_version"],
        answers=jsonval.loads(r["answers"]),
        caps=jsonval.loads(r["caps"]),
        blocks=jsonval.loads(r["blocks"]),
    )


def latest_screening(db: LogDb) -> ScreeningRecord | None:
    """The most recent screening, if any."""
    rows = list(db.query("SELECT * FROM screenings ORDER BY taken_utc DESC, id DESC LIMIT 1"))
    return _to_screening(rows[0]) if rows else None


def list_screenings(db: LogDb) -> list[ScreeningRecord]:
    """Every screening, oldest first."""
    return [_to_screening(r) for r in db.query("SELECT * FROM screenings ORDER BY taken_utc, id")]


def record_clearance(
    db: LogDb,
    *,
    what: str,
    cleared_on: date,
    cleared_by: str,
    recorded_at: datetime,
    screening_id: int | None = None,
) -> int:
    """Store a clearance as the user typed it: what, when, by whom."""
    if not what.strip() or not cleared_by.strip():
        raise InvalidInputError("a clearance needs what was cleared and by whom")
    if isinstance(cleared_on, datetime) or not isinstance(cleared_on, date):
        raise InvalidInputError("the clearance date must be a date")
    require_aware(recorded_at, "clearance record time")
    with writing(db):
        if screening_id is not None and (
            db.execute("SELECT 1 FROM screenings WHERE id = ?", [screening_id]).fetchone() is None
        ):
            raise NotFoundError(f"there is no screening with id {screening_id}")
        cur = db.execute(
            "INSERT INTO clearances (screening_id, what, cleared_on, cleared_by, recorded_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [
                screening_id,
                what.strip(),
                cleared_on.isoformat(),
                cleared_by.strip(),
                to_iso(recorded_at),
            ],
        )
    assert cur.lastrowid is not None
    return cur.lastrowid


def list_clearances(db: LogDb, *, withdrawn: bool = False) -> list[ClearanceRecord]:
    """Every clearance in force, oldest first; with `withdrawn`, the withdrawn ones too."""
    where = "" if withdrawn else " WHERE withdrawn_at IS NULL"
    return [
        ClearanceRecord(
            id=r["id"],
            what=r["what"],
            cleared_on=date.fromisoformat(r["cleared_on"]),
            cleared_by=r["cleared_by"],
            recorded_at=from_iso(r["recorded_at"]),
            screening_id=r["screening_id"],
        )
        for r in db.query(f"SELECT * FROM clearances{where} ORDER BY id")
    ]


def withdrawn_clearances(db: LogDb) -> dict[int, datetime]:
    """When each withdrawn clearance was withdrawn, by clearance id."""
    rows = db.query("SELECT id, withdrawn_at FROM clearances WHERE withdrawn_at IS NOT NULL")
    return {r["id"]: from_iso(r["withdrawn_at"]) for r in rows}


def withdraw_clearance(db: LogDb, clearance_id: int, *, at: datetime) -> None:
    """Withdraw a clearance recorded by mistake or that no longer holds; the row stays."""
    require_aware(at, "withdrawal time")
    with writing(db):
        cur = db.execute(
            "UPDATE clearances SET withdrawn_at = ? WHERE id = ? AND withdrawn_at IS NULL",
            [to_iso(at), clearance_id],
        )
        if cur.rowcount == 0:
            raise NotFoundError(f"there is no clearance in force with id {clearance_id}")
