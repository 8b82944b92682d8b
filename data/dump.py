"""A full JSON backup that restores into an empty store exactly.

Every user table, every column, ids included, so references survive; blobs
(telemetry) as base64. Unlike the SQLite backups it is readable by any tool
and independent of the file format.
"""

from __future__ import annotations

import base64
import json
import math
from typing import TYPE_CHECKING, Any

from .errors import InvalidInputError, NotFoundError, RestoreError
from .schema import SCHEMA_VERSION, backfill_checkin_entries
from .tx import writing

if TYPE_CHECKING:
    from .db import LogDb

FORMAT = "thenar-health-log"
FORMAT_VERSION = 1
# Parents before children, so foreign keys hold during the restore.
TABLES = (
    "devices",
    "screenings",
    "clearances",
    "checkins",
    "medications",
    "entries",
    "entry_zones",
    "entry_medications",
    "programs",
    "sessions",
    "telemetry",
    "commands",
    "ratings",
    "schedules",
    "reminders",
    "trials",
    "trial_deviations",
)
_ORDER = {
    "telemetry": "session_id, chunk",
    "entry_zones": "entry_id, hand, zone",
    "entry_medications": "entry_id, medication_id",
}
_B64 = "$base64"


def _encode(value: Any) -> Any:
    if isinstance(value, bytes):
        return {_B64: base64.b64encode(value).decode("ascii")}
    return value


_INT64 = (-(2**63), 2**63 - 1)


def _decode(value: Any) -> Any:
    """One stored value from its JSON form; RestoreError for anything a row cannot hold."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):  # 1e999 parses as infinity
            raise RestoreError("a number in a backup row is out of range")
        return value
    if isinstance(value, int):  # bool included: SQLite stores it as 0/1
        if not _INT64[0] <= value <= _INT64[1]:
            raise RestoreError("a number in a backup row is too large")
        return value
    if isinstance(value, dict) and set(value) == {_B64} and isinstance(value[_B64], str):
        try:
            return base64.b64decode(value[_B64], validate=True)
        except ValueError as exc:
            raise RestoreError("a binary value in a backup row is damaged") from exc
    raise RestoreError("unexpected value in a backup row")


def _columns(db: LogDb, table: str) -> list[str]:
    return [row[1] for row in db.execute(f"PRAGMA table_info({table})")]


def export_json(db: LogDb) -> str:
    """Every row of every table, as JSON text."""
    tables: dict[str, Any] = {}
    for table in TABLES:
        cols = _columns(db, table)
        order = _ORDER.get(table, "id")
        rows = db.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY {order}")
        tables[table] = {"columns": cols, "rows": [[_encode(v) for v in r] for r in rows]}
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema_version": SCHEMA_VERSION,
        "tables": tables,
    }
    return json.dumps(document, ensure_ascii=False, allow_nan=False, indent=1)


def is_empty(db: LogDb) -> bool:
    """True if no table holds a row (a restore only goes into an empty store)."""
    return all(db.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone() is None for t in TABLES)


def _reject_constant(name: str) -> Any:
    raise RestoreError(f"not a Thenar JSON backup: {name} is not a number JSON allows")


def _parse(text: str) -> dict[str, Any]:
    """The backup document, checked for format and version; RestoreError otherwise."""
    if not isinstance(text, str):
        raise RestoreError("not a Thenar JSON backup")
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        raise RestoreError("not a Thenar JSON backup: the file is not valid JSON") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise RestoreError("not a Thenar JSON backup")
    if document.get("format_version") != FORMAT_VERSION:
        raise RestoreError("this JSON backup format is not known to this version of Thenar")
    version = document.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise RestoreError("this JSON backup does not say which version of Thenar wrote it")
    if version > SCHEMA_VERSION:
        raise RestoreError(
            "this backup was written by a newer version of Thenar; update Thenar to restore it"
        )
    tables = document.get("tables")
    if not isinstance(tables, dict) or not set(tables) <= set(TABLES):
        raise RestoreError("the backup's tables do not match this version of Thenar")
    if version == SCHEMA_VERSION and set(tables) != set(TABLES):
        raise RestoreError("the backup's tables do not match this version of Thenar")
    # A backup from an older Thenar lacks the tables and columns added since: they are
    # restored empty (a table) or with their default (a column).
    older = version < SCHEMA_VERSION
    return {t: tables.get(t, {"columns": None, "rows": []}) if older else tables[t] for t in TABLES}


def _rows(db: LogDb, table: str, data: Any) -> tuple[list[str], list[list[Any]]]:
    """A table's columns and decoded rows, checked against this schema."""
    if not isinstance(data, dict):
        raise RestoreError(f"the {table} part of the backup is damaged")
    cols, rows = data.get("columns"), data.get("rows", [])
    expected = _columns(db, table)
    if cols is None and rows == []:
        return expected, []  # a table an older Thenar did not have
    if (
        not isinstance(cols, list)
        or not all(isinstance(c, str) for c in cols)
        or len(set(cols)) != len(cols)
        or not set(cols) <= set(expected)
        or not set(expected) - set(cols) <= _addable(db, table)
    ):
        raise RestoreError(f"the columns of {table} do not match this version")
    if not isinstance(rows, list) or not all(
        isinstance(r, list) and len(r) == len(cols) for r in rows
    ):
        raise RestoreError(f"a row of {table} is damaged")
    return cols, [[_decode(v) for v in row] for row in rows]


def _addable(db: LogDb, table: str) -> set[str]:
    """Columns an older backup may lack: those that can be NULL or have a default."""
    return {
        row[1] for row in db.execute(f"PRAGMA table_info({table})") if not row[3] or row[4]
    } - {"id"}


def import_json(db: LogDb, text: str) -> int:
    """Restore a JSON backup into an empty store, all or nothing; return rows restored.

    Any input raises only the log's own errors (RestoreError, or a StoreError such
    as a full disk), and then nothing was written.
    """
    tables = _parse(text)
    count = 0
    try:
        with writing(db):
            if not is_empty(db):
                raise RestoreError("a JSON backup can only be restored into an empty health log")
            for table in TABLES:
                cols, rows = _rows(db, table, tables[table])
                if not rows:
                    continue
                marks = ", ".join("?" for _ in cols)
                sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})"
                try:
                    db.conn.executemany(sql, rows)
                except (ValueError, TypeError, OverflowError) as exc:  # e.g. lone surrogates
                    raise RestoreError(f"a row of {table} is damaged: {exc}") from exc
                count += len(rows)
            # An older backup's check-ins become entries, as the m005 migration did.
            count += backfill_checkin_entries(db)
    except (InvalidInputError, NotFoundError) as exc:  # the schema refused a row
        raise RestoreError(f"a row of the backup is damaged: {exc}") from exc
    return count
