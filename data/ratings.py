"""Symptom ratings: before and after a session, or a daily check-in without one."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from .errors import InvalidInputError, NotFoundError, UnknownSessionError
from .models import Rating, RatingKind, RatingRecord, parse_enum
from .times import from_iso, to_iso, utc_ms
from .tx import writing

if TYPE_CHECKING:
    from .db import LogDb


def add_rating(
    db: LogDb, rating: Rating, *, kind: RatingKind, session_id: int | None = None
) -> int:
    """Store a rating and commit; return its id.

    A check-in has no session; a before/after rating needs one, and a session
    has at most one of each (a second one is refused, not overwritten).
    """
    kind = parse_enum(RatingKind, kind, "rating kind")
    if (kind is RatingKind.CHECKIN) != (session_id is None):
        raise InvalidInputError(
            "a check-in has no session; a before/after rating belongs to a session"
        )
    if not isinstance(rating, Rating):
        raise InvalidInputError("add_rating needs a Rating")
    with writing(db):
        if session_id is not None:
            if db.execute("SELECT 1 FROM sessions WHERE id = ?", [session_id]).fetchone() is None:
                raise UnknownSessionError(f"there is no session with id {session_id}")
            if db.execute(
                "SELECT 1 FROM ratings WHERE session_id = ? AND kind = ?",
                [session_id, kind.value],
            ).fetchone():
                raise InvalidInputError(f"session {session_id} already has a '{kind}' rating")
        cur = db.execute(
            "INSERT INTO ratings (session_id, kind, rated_at, rated_utc, local_date, pain, "
            "stiffness, morning_stiffness_min, grip_kg, note) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                session_id,
                kind.value,
                to_iso(rating.at),
                utc_ms(rating.at),
                rating.at.date().isoformat(),
                rating.pain,
                rating.stiffness,
                rating.morning_stiffness_min,
                None if rating.grip_kg is None else float(rating.grip_kg),
                rating.note,
            ],
        )
    assert cur.lastrowid is not None
    return cur.lastrowid


def add_checkin(db: LogDb, rating: Rating) -> int:
    """A daily check-in, not tied to a session."""
    return add_rating(db, rating, kind=RatingKind.CHECKIN)


def row_to_rating(r: dict[str, Any], prefix: str = "") -> RatingRecord:
    """Build a RatingRecord from a ratings row (columns optionally prefixed)."""
    return RatingRecord(
        id=r[prefix + "id"],
        kind=RatingKind(r[prefix + "kind"]),
        session_id=r[prefix + "session_id"],
        rating=Rating(
            at=from_iso(r[prefix + "rated_at"]),
            pain=r[prefix + "pain"],
            stiffness=r[prefix + "stiffness"],
            morning_stiffness_min=r[prefix + "morning_stiffness_min"],
            grip_kg=r[prefix + "grip_kg"],
            note=r[prefix + "note"],
        ),
    )


def get_rating(db: LogDb, rating_id: int) -> RatingRecord:
    """The rating with this id, or NotFoundError."""
    rows = list(db.query("SELECT * FROM ratings WHERE id = ?", [rating_id]))
    if not rows:
        raise NotFoundError(f"there is no rating with id {rating_id}")
    return row_to_rating(rows[0])


def list_ratings(
    db: LogDb, *, since: date | None = None, until: date | None = None
) -> list[RatingRecord]:
    """Ratings in time order, optionally limited to local days [since, until]."""
    clauses, args = [], []
    if since is not None:
        clauses.append("local_date >= ?")
        args.append(since.isoformat())
    if until is not None:
        clauses.append("local_date <= ?")
        args.append(until.isoformat())
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    sql = f"SELECT * FROM ratings {where} ORDER BY rated_utc, id"
    return [row_to_rating(r) for r in db.query(sql, args)]


def session_ratings(db: LogDb, session_id: int) -> dict[RatingKind, RatingRecord]:
    """A session's before/after ratings, keyed by kind."""
    rows = db.query("SELECT * FROM ratings WHERE session_id = ?", [session_id])
    return {RatingKind(r["kind"]): row_to_rating(r) for r in rows}
