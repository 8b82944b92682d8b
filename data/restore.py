"""Replacing the log with a backup or a Thenar JSON export, safely (issue 14).

In three steps the person can see: `preview` says what a file holds and what the
log holds now; `prepare` turns the file into a checked copy at this version's
schema in a private work folder (a JSON export is restored into it; a backup is
copied and migrated), so a bad file fails before anything changes; `replace`
takes a verified backup of the log first, then copies the prepared copy over the
open log with SQLite's backup API, in one step. Nothing here deletes a file the
person chose.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from . import backup, dump, schema
from .db import LogDb
from .errors import RestoreError, StoreError
from .files import create_private_file, ensure_private_dir
from .health import Health, inspect, read_only
from .tx import translate

SQLITE_HEADER = b"SQLite format 3\x00"
# What the preview counts, in the person's words.
COUNTED = (
    ("sessions", "sessions"),
    ("ratings", "ratings"),
    ("entries", "daily entries"),
    ("screenings", "screenings"),
    ("schedules", "schedules"),
)


@dataclass(frozen=True)
class Preview:
    """What one log holds: counts per kind of record and the days it covers."""

    counts: dict[str, int]
    first_day: str | None
    last_day: str | None

    @property
    def empty(self) -> bool:
        return not any(self.counts.values())

    def words(self) -> str:
        parts = [f"{self.counts.get(t, 0):,} {w}" for t, w in COUNTED]
        days = (
            f", from {self.first_day} to {self.last_day}"
            if self.first_day and self.last_day
            else ""
        )
        return ", ".join(parts) + days


def _preview(conn: sqlite3.Connection) -> Preview:
    present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    counts = {
        t: int(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]) if t in present else 0
        for t, _ in COUNTED
    }
    days: list[tuple[str | None, str | None]] = []
    for table in ("sessions", "ratings", "entries"):
        if table in present:
            row = conn.execute(f"SELECT MIN(local_date), MAX(local_date) FROM {table}").fetchone()
            days.append((row[0], row[1]))
    firsts = [a for a, _ in days if a]
    lasts = [b for _, b in days if b]
    return Preview(counts, min(firsts, default=None), max(lasts, default=None))


def preview_log(db: LogDb) -> Preview:
    """What the open log holds now."""
    return _preview(db.conn)


def _is_sqlite(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(16) == SQLITE_HEADER


def prepare(path: Path, work: Path) -> tuple[Path, Preview]:
    """A checked copy of `path` (a backup or a JSON export) at this schema, in `work`.

    Raises RestoreError (or another StoreError) with words for the person; the open
    log is not touched at all.
    """
    try:
        if not path.is_file():
            raise RestoreError(f"{path.name} is not a file Thenar can read")
        sqlite = _is_sqlite(path)
        text = None if sqlite else path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RestoreError(f"{path.name} is neither a Thenar backup nor a Thenar export") from exc
    except OSError as exc:
        raise translate(exc) from exc
    ensure_private_dir(work)
    fd, name = tempfile.mkstemp(prefix="restore-", suffix=".db", dir=work)
    os.close(fd)
    copy = Path(name)
    try:
        if sqlite:
            found = inspect(path, full=True)
            if found.health is Health.NEWER:
                raise RestoreError(
                    "this backup was made by a newer version of Thenar; update Thenar to use it"
                )
            if found.health is not Health.OK:
                raise RestoreError(f"{path.name} is damaged or is not a Thenar backup")
            source = read_only(path)
            try:
                target = sqlite3.connect(copy)
                try:
                    source.backup(target)
                finally:
                    target.close()
            finally:
                source.close()
            db = LogDb(sqlite3.connect(copy))
            try:
                schema.migrate(db)
                if db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] == 0:
                    raise RestoreError(f"{path.name} is empty")
                return copy, _preview(db.conn)
            finally:
                db.close()
        create_private_file(copy)
        db = LogDb(sqlite3.connect(copy))
        try:
            db.execute("PRAGMA foreign_keys = ON")
            schema.migrate(db)
            assert text is not None
            dump.import_json(db, text)
            return copy, _preview(db.conn)
        finally:
            db.close()
    except sqlite3.Error as exc:
        copy.unlink(missing_ok=True)
        raise translate(exc) from exc
    except BaseException:
        copy.unlink(missing_ok=True)
        raise


def replace(db: LogDb, prepared: Path, backups: Path, *, now: datetime) -> Path:
    """Back the log up (verified), then make it a copy of `prepared`; the backup's path.

    If the backup cannot be made, nothing is replaced (BackupError). The copy is one
    SQLite backup step into the open connection: readers see the old log or the new.
    """
    made = backup.make_backup(db.conn, backups, now=now, reason="before-restore")
    source = sqlite3.connect(prepared)
    try:
        if db.conn.in_transaction:
            db.conn.commit()
        source.backup(db.conn)
    except sqlite3.Error as exc:
        raise translate(exc) from exc
    finally:
        source.close()
    schema.migrate(db)  # a no-op: prepared copies are at this schema already
    return made


def discard(prepared: Path) -> None:
    """Remove a prepared copy the person did not use."""
    prepared.unlink(missing_ok=True)


__all__ = ["Preview", "StoreError", "discard", "prepare", "preview_log", "replace"]
