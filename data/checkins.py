"""The daily check-in, as the person answered it: the day's answers, score and caps.

A check-in belongs to the screening it was taken under (a new screening makes it
stale) and to the local day it was taken on (it expires at the person's midnight).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from . import jsonval
from .errors import InvalidInputError, NotFoundError
from .times import from_iso, require_aware, to_iso, utc_ms
from .tx import writing

if TYPE_CHECKING:
    from .db import LogDb
    from .models import JSON


@dataclass(frozen=True)
class CheckInRecord:
    """One stored check-in."""

    id: int
    screening_id: int
    taken_at: datetime
    local_date: date
    answers: JSON
    discomfort: int
    caps: JSON


def record_checkin(
    db: LogDb,
    *,
    screening_id: int,
    taken_at: datetime,
    answers: JSON,
    discomfort: int,
    caps: JSON,
) -> int:
    """Store one check-in and commit; return its id."""
    require_aware(taken_at, "check-in time")
    if isinstance(discomfort, bool) or not isinstance(discomfort, int) or not 0 <= discomfort <= 10:
        raise InvalidInputError(f"discomfort must be a whole number 0-10, not {discomfort!r}")
    with writing(db):
        if db.execute("SELECT 1 FROM screenings WHERE id = ?", [screening_id]).fetchone() is None:
            raise NotFoundError(f"there is no screening with id {screening_id}")
        cur = db.execute(
            "INSERT INTO checkins (screening_id, taken_at, taken_utc, local_date, answers, "
            "discomfort, caps) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                screening_id,
                to_iso(taken_at),
                utc_ms(taken_at),
                taken_at.date().isoformat(),
                jsonval.dumps(answers, "check-in answers"),
                discomfort,
                jsonval.dumps(caps, "caps"),
            ],
        )
    assert cur.lastrowid is not None
    return cur.lastrowid


def _to_record(r: dict[str, Any]) -> CheckInRecord:
    return CheckInRecord(
        id=r["id"],
        screening_id=r["screening_id"],
        taken_at=from_iso(r["taken_at"]),
        local_date=date.fromisoformat(r["local_date"]),
        answers=jsonval.loads(r["answers"]),
        discomfort=r["discomfort"],
        caps=jsonval.loads(r["caps"]),
    )


def latest_checkin_on(db: LogDb, day: date) -> CheckInRecord | None:
    """The last check-in taken on this local day, if any."""
    rows = list(
        db.query(
            "SELECT * FROM checkins WHERE local_date = ? ORDER BY taken_utc DESC, id DESC LIMIT 1",
            [day.isoformat()],
        )
    )
    return _to_record(rows[0]) if rows else None


def list_checkins(db: LogDb) -> list[CheckInRecord]:
    """Every check-in, oldest first."""
    return [_to_record(r) for r in db.query("SELECT * FROM checkins ORDER BY taken_utc, id")]
