"""Paired devices, and the command log: the audit trail of what was sent to a device."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from . import jsonval
from .errors import InvalidInputError, UnknownDeviceError
from .models import CommandEntry, Device
from .times import from_iso, require_aware, to_iso, utc_ms
from .tx import writing

if TYPE_CHECKING:
    from .db import LogDb
    from .models import JSON


def record_device(
    db: LogDb,
    device_id: str,
    name: str,
    firmware: str | None,
    *,
    seen_at: datetime,
    family: str = "",
) -> None:
    """Insert a newly paired device, or update name, firmware and last-seen of a known one.

    `family`: the key of the description it matched (docs/drivers.md); "" keeps the
    stored one.
    """
    if not device_id or not isinstance(device_id, str):
        raise InvalidInputError("a device needs an identity")
    if not isinstance(family, str) or len(family) > 100:
        raise InvalidInputError("a device family is a short name")
    require_aware(seen_at, "device seen time")
    stamp = to_iso(seen_at)
    with writing(db):
        db.execute(
            "INSERT INTO devices (id, name, firmware, first_seen, last_seen, family) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
            "name = excluded.name, firmware = excluded.firmware, last_seen = excluded.last_seen, "
            "family = CASE WHEN excluded.family = '' THEN devices.family ELSE excluded.family END",
            [device_id, name, firmware, stamp, stamp, family],
        )


def device_family(db: LogDb, device_id: str) -> str:
    """The description key stored for this device ("": unknown, or never paired)."""
    row = db.execute("SELECT family FROM devices WHERE id = ?", [device_id]).fetchone()
    return str(row[0]) if row is not None and row[0] is not None else ""


def _to_device(row: dict[str, Any]) -> Device:
    return Device(
        id=row["id"],
        name=row["name"],
        firmware=row["firmware"],
        first_seen=from_iso(row["first_seen"]),
        last_seen=from_iso(row["last_seen"]),
        family=row.get("family") or "",
    )


def get_device(db: LogDb, device_id: str) -> Device:
    """The device with this identity, or UnknownDeviceError."""
    rows = list(db.query("SELECT * FROM devices WHERE id = ?", [device_id]))
    if not rows:
        raise UnknownDeviceError(f"no paired device {device_id!r}")
    return _to_device(rows[0])


def list_devices(db: LogDb) -> list[Device]:
    """Paired devices, most recently seen first."""
    return [_to_device(r) for r in db.query("SELECT * FROM devices ORDER BY last_seen DESC")]


def log_command(
    db: LogDb,
    command: str,
    params: JSON,
    result: str,
    *,
    at: datetime,
    device_id: str | None = None,
    session_id: int | None = None,
) -> int:
    """Append one command and its result to the audit trail; committed at once."""
    if not command:
        raise InvalidInputError("a command needs a name")
    require_aware(at, "command time")
    text = jsonval.dumps(params, "command parameters")
    with writing(db):
        cur = db.execute(
            "INSERT INTO commands (at, at_utc, device_id, session_id, command, params, result) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [to_iso(at), utc_ms(at), device_id, session_id, command, text, result],
        )
    assert cur.lastrowid is not None
    return cur.lastrowid


def _to_entry(r: dict[str, Any]) -> CommandEntry:
    return CommandEntry(
        id=r["id"],
        at=from_iso(r["at"]),
        command=r["command"],
        params=jsonval.loads(r["params"]),
        result=r["result"],
        device_id=r["device_id"],
        session_id=r["session_id"],
    )


def list_commands(db: LogDb, *, session_id: int | None = None) -> list[CommandEntry]:
    """The audit trail in order, optionally only one session's."""
    where, args = ("WHERE session_id = ?", [session_id]) if session_id is not None else ("", [])
    rows = db.query(f"SELECT * FROM commands {where} ORDER BY at_utc, id", args)
    return [_to_entry(r) for r in rows]


def recent_commands(db: LogDb, limit: int = 50) -> list[CommandEntry]:
    """The newest `limit` lines of the audit trail, newest first (the Device page's history)."""
    rows = db.query("SELECT * FROM commands ORDER BY at_utc DESC, id DESC LIMIT ?", [limit])
    return [_to_entry(r) for r in rows]
