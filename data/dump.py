"""A full JSON backup that restores into an empty store exactly.

Every user table, every column, ids included, so references survive; blobs
(telemetry) as base64. Unlike the SQLite backups it is readable by any tool
and independent of the file format.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from sqlite_utils import Database

from .errors import RestoreError
from .schema import SCHEMA_VERSION
from .tx import writing

FORMAT = "thenar-health-log"
FORMAT_VERSION = 1
# Parents before children, so foreign keys hold during the restore.
TABLES = (
    "devices",
    "screenings",
    "clearances",
    "checkins",
    "programs",
    "sessions",
    "telemetry",
    "commands",
    "ratings",
    "schedules",
    "reminders",
)
_B64 = "$base64"


def _encode(value: Any) -> Any:
    if isinstance(value, bytes):
        return {_B64: base64.b64encode(value).decode("ascii")}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) != {_B64}:
            raise RestoreError("unexpected object in a backup row")
        return base64.b64decode(value[_B64], validate=True)
    return value


def _columns(db: Database, table: str) -> list[str]:
    return [row[1] for row in db.execute(f"PRAGMA table_info({table})")]


def export_json(db: Database) -> str:
    """Every row of every table, as JSON text."""
    tables: dict[str, Any] = {}
    for table in TABLES:
        cols = _columns(db, table)
        order = "session_id, chunk" if table == "telemetry" else "id"
        rows = db.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY {order}")
        tables[table] = {"columns": cols, "rows": [[_encode(v) for v in r] for r in rows]}
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema_version": SCHEMA_VERSION,
        "tables": tables,
    }
    return json.dumps(document, ensure_ascii=False, allow_nan=False, indent=1)


def is_empty(db: Database) -> bool:
    """True if no table holds a row (a restore only goes into an empty store)."""
    return all(db.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone() is None for t in TABLES)


def import_json(db: Database, text: str) -> int:
    """Restore a JSON backup into an empty store, all or nothing; return rows restored."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RestoreError(f"not a Thenar JSON backup: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise RestoreError("not a Thenar JSON backup")
    if document.get("format_version") != FORMAT_VERSION:
        raise RestoreError("this JSON backup format is not known to this version of Thenar")
    if document.get("schema_version") != SCHEMA_VERSION:
        raise RestoreError(
            f"this backup is from schema {document.get('schema_version')}; "
            f"this version of Thenar restores schema {SCHEMA_VERSION}"
        )
    tables = document.get("tables")
    if not isinstance(tables, dict) or set(tables) - set(TABLES):
        raise RestoreError("the backup's tables do not match this version of Thenar")
    count = 0
    with writing(db):
        if not is_empty(db):
            raise RestoreError("a JSON backup can only be restored into an empty health log")
        for table in TABLES:
            data = tables.get(table, {"columns": [], "rows": []})
            cols = data.get("columns")
            if not isinstance(cols, list) or set(cols) != set(_columns(db, table)):
                raise RestoreError(f"the columns of {table} do not match this version")
            rows = data.get("rows", [])
            if not rows:
                continue
            marks = ", ".join("?" for _ in cols)
            sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})"
            try:
                db.conn.executemany(sql, ([_decode(v) for v in row] for row in rows))
            except (ValueError, TypeError) as exc:
                raise RestoreError(f"a row of {table} is damaged: {exc}") from exc
            count += len(rows)
    return count
