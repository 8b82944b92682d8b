"""Personal comparison trials as the log keeps them: the locked plan and its deviations.

The log stores the plan as JSON (it knows no domain types; `appcore.trial` turns
it into a `therapy.trial.TrialPlan` and back). A plan is written once, already
locked; the schema's triggers (m006) refuse any later change to it, so "the plan
was fixed before the results were seen" holds for every code path. Only the
stop (once) and how far the days have been reviewed can change.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from . import jsonval
from .errors import InvalidInputError, NotFoundError
from .times import from_iso, require_aware, to_iso
from .tx import writing

if TYPE_CHECKING:
    from .db import LogDb
    from .models import JSON

NOTE_MAX_CHARS = 500
# therapy.trial.DeviationKind's values, as the schema's CHECK lists them (a test keeps
# the three equal).
KINDS = (
    "other_routine",
    "swapped",
    "no_session",
    "massage_on_rest_day",
    "limits_lowered",
    "noted",
)


@dataclass(frozen=True)
class TrialRecord:
    """One stored trial."""

    id: int
    locked_at: datetime
    seed: int
    design: JSON
    periods: list[JSON]
    first_day: date
    last_day: date
    stopped_on: date | None
    stop_reason: str | None
    reviewed_through: date | None


@dataclass(frozen=True)
class DeviationRecord:
    """One stored deviation (`kind` is a therapy.trial.DeviationKind value)."""

    id: int
    trial_id: int
    day: date
    kind: str
    planned: str
    actual: str
    note: str
    recorded_at: datetime


def _opt_date(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _trial(row: tuple[object, ...]) -> TrialRecord:
    (id_, locked_at, seed, design, periods, first, last, stopped, reason, reviewed) = row
    return TrialRecord(
        id=int(str(id_)),
        locked_at=from_iso(str(locked_at)),
        seed=int(str(seed)),
        design=json.loads(str(design)),
        periods=json.loads(str(periods)),
        first_day=date.fromisoformat(str(first)),
        last_day=date.fromisoformat(str(last)),
        stopped_on=_opt_date(None if stopped is None else str(stopped)),
        stop_reason=None if reason is None else str(reason),
        reviewed_through=_opt_date(None if reviewed is None else str(reviewed)),
    )


_COLUMNS = (
    "id, locked_at, seed, design, periods, first_day, last_day, stopped_on, stop_reason, "
    "reviewed_through"
)


def lock_trial(
    db: LogDb,
    *,
    locked_at: datetime,
    seed: int,
    design: JSON,
    periods: list[JSON],
    first_day: date,
    last_day: date,
) -> int:
    """Store a plan, locked from now on; return its id.

    Refused (InvalidInputError) while another trial is still running on `first_day`:
    one trial at a time, so every day has one plan.
    """
    require_aware(locked_at, "lock time")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise InvalidInputError("a trial's seed must be a whole number")
    design_text = jsonval.dumps(design, "trial design")
    periods_text = jsonval.dumps(periods, "trial periods")
    with writing(db):
        running = db.execute(
            "SELECT id FROM trials WHERE stopped_on IS NULL AND last_day >= ?",
            [first_day.isoformat()],
        ).fetchone()
        if running is not None:
            raise InvalidInputError(
                "a comparison trial is already running; stop it before planning a new one"
            )
        cur = db.execute(
            "INSERT INTO trials (locked_at, seed, design, periods, first_day, last_day) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                to_iso(locked_at),
                seed,
                design_text,
                periods_text,
                first_day.isoformat(),
                last_day.isoformat(),
            ],
        )
    assert cur.lastrowid is not None
    return cur.lastrowid


def get_trial(db: LogDb, trial_id: int) -> TrialRecord:
    row = db.execute(f"SELECT {_COLUMNS} FROM trials WHERE id = ?", [trial_id]).fetchone()
    if row is None:
        raise NotFoundError(f"there is no trial with id {trial_id}")
    return _trial(tuple(row))


def latest_trial(db: LogDb) -> TrialRecord | None:
    """The most recently locked trial (running, finished or stopped), or None."""
    row = db.execute(f"SELECT {_COLUMNS} FROM trials ORDER BY id DESC LIMIT 1").fetchone()
    return None if row is None else _trial(tuple(row))


def stop_trial(db: LogDb, trial_id: int, on: date, reason: str) -> None:
    """Stop a trial from `on` (that day and later are not part of it); once only."""
    get_trial(db, trial_id)
    with writing(db):
        db.execute(
            "UPDATE trials SET stopped_on = ?, stop_reason = ? WHERE id = ?",
            [on.isoformat(), reason, trial_id],
        )


def mark_reviewed(db: LogDb, trial_id: int, through: date) -> None:
    """Days up to `through` have had their deviations recorded."""
    with writing(db):
        db.execute(
            "UPDATE trials SET reviewed_through = ? WHERE id = ? "
            "AND (reviewed_through IS NULL OR reviewed_through < ?)",
            [through.isoformat(), trial_id, through.isoformat()],
        )


def add_deviation(
    db: LogDb,
    trial_id: int,
    *,
    day: date,
    kind: str,
    planned: str,
    actual: str = "",
    note: str = "",
    recorded_at: datetime,
) -> bool:
    """Record a deviation; False if that day already has one of this kind (not a note)."""
    require_aware(recorded_at, "record time")
    if kind not in KINDS:
        raise InvalidInputError(f"{kind!r} is not a kind of deviation")
    if len(note) > NOTE_MAX_CHARS:
        raise InvalidInputError(f"a note is at most {NOTE_MAX_CHARS} characters")
    with writing(db):
        if (
            kind != "noted"
            and db.execute(
                "SELECT 1 FROM trial_deviations WHERE trial_id = ? AND day = ? AND kind = ?",
                [trial_id, day.isoformat(), kind],
            ).fetchone()
        ):
            return False
        cur = db.execute(
            "INSERT INTO trial_deviations "
            "(trial_id, day, kind, planned, actual, note, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [trial_id, day.isoformat(), kind, planned, actual, note, to_iso(recorded_at)],
        )
    return cur.rowcount == 1


def deviations(db: LogDb, trial_id: int) -> list[DeviationRecord]:
    rows = db.execute(
        "SELECT id, trial_id, day, kind, planned, actual, note, recorded_at "
        "FROM trial_deviations WHERE trial_id = ? ORDER BY day, id",
        [trial_id],
    )
    return [
        DeviationRecord(
            id=r[0],
            trial_id=r[1],
            day=date.fromisoformat(r[2]),
            kind=r[3],
            planned=r[4],
            actual=r[5],
            note=r[6],
            recorded_at=from_iso(r[7]),
        )
        for r in rows
    ]


def routines_run(db: LogDb, first: date, last: date) -> dict[date, list[str]]:
    """What was run on each day in [first, last]: a built-in routine's id for a session on
    the massager; "by_hand:<id>" for a routine followed by hand, "other_massager" for
    another device (issue 14's session kinds), so neither passes for the planned one."""
    out: dict[date, list[str]] = defaultdict(list)
    rows = db.execute(
        "SELECT s.local_date, p.key, s.kind FROM sessions s "
        "JOIN programs p ON p.id = s.program_id "
        "WHERE s.local_date BETWEEN ? AND ? ORDER BY s.started_utc",
        [first.isoformat(), last.isoformat()],
    )
    for day, key, kind in rows:
        routine = key[len("routine:") :] if key and key.startswith("routine:") else key or ""
        if kind == "other_massager":
            routine = "other_massager"
        elif kind != "thenar":
            routine = f"{kind}:{routine}"
        out[date.fromisoformat(day)].append(routine)
    return dict(out)


def limits_lowered_days(db: LogDb, first: date, last: date) -> set[date]:
    """Days in [first, last] whose check-in made the limits stricter than the screening's."""
    rows = db.execute(
        "SELECT c.local_date, c.caps, s.caps FROM checkins c "
        "JOIN screenings s ON s.id = c.screening_id WHERE c.local_date BETWEEN ? AND ?",
        [first.isoformat(), last.isoformat()],
    )
    return {date.fromisoformat(day) for day, day_caps, base in rows if _stricter(day_caps, base)}


def _stricter(day_text: str, base_text: str) -> bool:
    try:
        day, base = json.loads(day_text), json.loads(base_text)
        for cap in ("max_pressure_mmhg", "max_heat_dc", "max_session_s", "max_heat_time_s"):
            if int(day[cap]["value"]) < int(base[cap]["value"]):
                return True
        if set(day.get("banned", [])) - set(base.get("banned", [])):
            return True
        return bool(day.get("verdict") != base.get("verdict"))
    except (ValueError, KeyError, TypeError):
        return True  # caps that cannot be read: say the day went differently, never hide it
