"""CSV exports for spreadsheet users: sessions, ratings, daily entries and the device's
audit trail, ISO 8601 times with offsets."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING

from massage import ZONE_NAMES

from . import jsonval
from .entries import list_entries
from .files import write_private
from .other_massagers import MASSAGER_SQL
from .session_changes import session_changes, zone_list
from .times import from_iso

if TYPE_CHECKING:
    from .db import LogDb

SESSION_COLUMNS = [
    "session_id",
    "kind",  # thenar, by_hand or other_massager (issue 14)
    "program",
    "started_at",
    "ended_at",
    "duration_min",
    "outcome",
    "stop_reason",
    "intensity",
    "heat_c",
    "device",  # the Thenar massager's name, or the other massager's as typed (issue 14)
    "pain_before",
    "pain_after",
    "stiffness_before",
    "stiffness_after",
    # What the person changed during the session, as the device confirmed it (from the
    # audit trail, `data.session_changes`); blank when it ran as it started. At the end,
    # so readers by position keep working.
    "pressure_levels",  # the levels (tenths of the plan) in order: "10; 8; 6"
    "warmth_changes",  # each turn of the warmth: "off; on"
    "spared_at_end",  # zones kept from squeezing when it ended: "thumb base; palm"
    "spared_during",  # every zone spared at some moment, given back or not
]
RATING_COLUMNS = [
    "rating_id",
    "time",
    "kind",
    "session_id",
    "program",
    "pain",
    "stiffness",
    "morning_stiffness_min",
    "grip_kg",
    "note",
]


def _blank(value: object) -> object:
    return "" if value is None else value


def sessions_csv(db: LogDb) -> str:
    """All sessions, oldest first, with their before/after ratings and what the person
    changed during each."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(SESSION_COLUMNS)
    rows = db.execute(
        f"""
        SELECT s.id, s.kind, p.name, s.started_at, s.ended_at, s.outcome, s.stop_reason,
               s.intensity, s.heat_c, COALESCE(d.name, {MASSAGER_SQL}),
               b.pain, a.pain, b.stiffness, a.stiffness
        FROM sessions AS s
        JOIN programs AS p ON p.id = s.program_id
        LEFT JOIN devices AS d ON d.id = s.device_id
        LEFT JOIN ratings AS b ON b.session_id = s.id AND b.kind = 'before'
        LEFT JOIN ratings AS a ON a.session_id = s.id AND a.kind = 'after'
        ORDER BY s.started_utc, s.id
        """
    ).fetchall()
    changes = session_changes(db)
    for sid, kind, prog, start, end, outcome, reason, intensity, heat, dev, pb, pa, sb, sa in rows:
        during = changes[sid]
        minutes = round((from_iso(end) - from_iso(start)).total_seconds() / 60, 1) if end else None
        writer.writerow(
            [
                _blank(v)
                for v in (
                    sid,
                    kind,
                    prog,
                    start,
                    end,
                    minutes,
                    outcome,
                    reason,
                    intensity,
                    heat,
                    dev,
                    pb,
                    pa,
                    sb,
                    sa,
                    "; ".join(str(level) for level in during.levels),
                    "; ".join("on" if on else "off" for on in during.warmth),
                    zone_list(during.spared_at_end, "; "),
                    zone_list(during.spared_any_time, "; "),
                )
            ]
        )
    return out.getvalue()


def ratings_csv(db: LogDb) -> str:
    """All ratings in time order; the program column is filled for session ratings."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(RATING_COLUMNS)
    rows = db.execute(
        """
        SELECT r.id, r.rated_at, r.kind, r.session_id, p.name, r.pain, r.stiffness,
               r.morning_stiffness_min, r.grip_kg, r.note
        FROM ratings AS r
        LEFT JOIN sessions AS s ON s.id = r.session_id
        LEFT JOIN programs AS p ON p.id = s.program_id
        ORDER BY r.rated_utc, r.id
        """
    )
    for row in rows:
        writer.writerow([_blank(v) for v in row])
    return out.getvalue()


ENTRY_COLUMNS = [
    "entry_id",
    "time",
    "pain",
    "stiffness",
    "morning_stiffness_min",
    "hand",
    "left_hand_places",
    "right_hand_places",
    "flare",
    "medications",
    "note",
    "with_checkin",
]


def entries_csv(db: LogDb) -> str:
    """Every daily entry, oldest first; a scale left unrated is an empty cell, never 0."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(ENTRY_COLUMNS)
    for record in list_entries(db):
        e = record.entry
        writer.writerow(
            [
                _blank(v)
                for v in (
                    record.id,
                    e.at.isoformat(),
                    e.pain,
                    e.stiffness,
                    e.morning_stiffness_min,
                    None if e.hand is None else e.hand.value,
                    "; ".join(ZONE_NAMES[z] for z in sorted(e.left_zones)),
                    "; ".join(ZONE_NAMES[z] for z in sorted(e.right_zones)),
                    None if e.flare is None else ("yes" if e.flare else "no"),
                    "; ".join(sorted(e.medications)),
                    e.note,
                    "yes" if record.checkin_id is not None else "no",
                )
            ]
        )
    return out.getvalue()


COMMAND_COLUMNS = ["id", "at", "device", "session_id", "what", "request_id", "parameters", "result"]


def commands_csv(db: LogDb) -> str:
    """The audit trail, oldest first: every command, limits write and link event."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COMMAND_COLUMNS)
    rows = db.execute(
        "SELECT id, at, device_id, session_id, command, params, result "
        "FROM commands ORDER BY at_utc, id"
    )
    for cid, at, device, session, command, params, result in rows:
        values = jsonval.loads(params)
        request_id = values.pop("id", None) if isinstance(values, dict) else None
        shown = json.dumps(values, ensure_ascii=False, sort_keys=True)
        writer.writerow(
            [_blank(v) for v in (cid, at, device, session, command, request_id, shown, result)]
        )
    return out.getvalue()


def write_export(path: Path, content: str | bytes) -> Path:
    """Write an export file readable only by the user (0600)."""
    return write_private(path, content)
