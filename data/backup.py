"""Verified backups and recovery from a damaged file.

A backup is taken with SQLite's online backup API (consistent even while the
app writes), written under a temporary name, checked with `PRAGMA
integrity_check`, and only then renamed into place: a backup that exists is a
backup that verified. Backups rotate daily, newest seven kept, plus one before
every migration. A damaged log is never deleted: it is renamed `.damaged`.
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .errors import BackupError
from .files import create_private_file, ensure_private_dir, make_private

KEEP = 7
_NAME = re.compile(r"^thenar-(\d{8}T\d{12}Z)-([a-z0-9-]+)\.db$")
_STAMP = "%Y%m%dT%H%M%S%fZ"


@dataclass(frozen=True)
class BackupInfo:
    """One backup file and when it was taken."""

    path: Path
    taken_at: datetime
    reason: str


def integrity_ok(path: Path) -> bool:
    """True if SQLite opens `path` read-only and `integrity_check` says ok."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
        return rows == [("ok",)]
    except sqlite3.Error:
        return False
    finally:
        conn.close()


def backup_to(conn: sqlite3.Connection, dest: Path) -> Path:
    """Copy the live database into `dest` (0600) and verify the copy; BackupError if not ok."""
    tmp = dest.with_name(dest.name + ".partial")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    create_private_file(tmp)
    try:
        target = sqlite3.connect(tmp)
        try:
            conn.backup(target)
            # A backup is a single self-contained file: no WAL beside it to lose.
            target.execute("PRAGMA journal_mode = DELETE")
        finally:
            target.close()
    except sqlite3.Error as exc:
        tmp.unlink(missing_ok=True)
        raise BackupError(f"could not back up the health log: {exc}") from exc
    if not integrity_ok(tmp):
        tmp.unlink(missing_ok=True)
        raise BackupError("the backup copy did not pass SQLite's integrity check")
    os.replace(tmp, dest)
    make_private(dest)
    return dest


def list_backups(folder: Path) -> list[BackupInfo]:
    """Backups in `folder`, newest first (by the time in their name)."""
    found: list[BackupInfo] = []
    if not folder.is_dir():
        return found
    for path in folder.iterdir():
        match = _NAME.match(path.name)
        if match:
            taken = datetime.strptime(match.group(1), _STAMP).replace(tzinfo=UTC)
            found.append(BackupInfo(path, taken, match.group(2)))
    found.sort(key=lambda b: b.taken_at, reverse=True)
    return found


def make_backup(
    conn: sqlite3.Connection, folder: Path, *, now: datetime, reason: str, keep: int = KEEP
) -> Path:
    """Take a verified backup named after `now` and `reason`, then rotate."""
    ensure_private_dir(folder)
    stamp = now.astimezone(UTC).strftime(_STAMP)
    dest = backup_to(conn, folder / f"thenar-{stamp}-{reason}.db")
    rotate(folder, keep=keep)
    return dest


def daily_backup(
    conn: sqlite3.Connection, folder: Path, *, now: datetime, keep: int = KEEP
) -> Path | None:
    """Take today's backup unless one was already taken today (UTC day)."""
    today = now.astimezone(UTC).date()
    if any(b.taken_at.date() == today for b in list_backups(folder)):
        return None
    return make_backup(conn, folder, now=now, reason="daily", keep=keep)


def rotate(folder: Path, *, keep: int = KEEP) -> list[Path]:
    """Delete all but the newest `keep` backups; return what was deleted."""
    removed = [b.path for b in list_backups(folder)[keep:]]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def _damaged_name(db_path: Path, now: datetime) -> Path:
    candidate = db_path.with_name(db_path.name + ".damaged")
    if candidate.exists():
        stamp = now.astimezone(UTC).strftime(_STAMP)
        candidate = db_path.with_name(f"{db_path.name}.{stamp}.damaged")
    return candidate


def set_aside_and_restore(db_path: Path, backups: Path, *, now: datetime) -> str:
    """Rename a damaged log to `.damaged` (with its WAL/SHM) and restore the newest good backup.

    Returns the message to show the user. The WAL must move with the file: left
    behind, SQLite would replay it over the restored backup.
    """
    damaged = _damaged_name(db_path, now)
    os.replace(db_path, damaged)
    for suffix in ("-wal", "-shm"):
        side = Path(f"{db_path}{suffix}")
        if side.exists():
            os.replace(side, Path(f"{damaged}{suffix}"))
    for info in list_backups(backups):
        if not integrity_ok(info.path):
            continue
        create_private_file(db_path)
        source = sqlite3.connect(f"{info.path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            target = sqlite3.connect(db_path)
            try:
                source.backup(target)
            finally:
                target.close()
        finally:
            source.close()
        when = info.taken_at.strftime("%Y-%m-%d %H:%M UTC")
        return (
            f"The health log was damaged. It has been kept as {damaged.name} and the "
            f"backup from {when} was restored; anything recorded after that time is "
            "not in the restored log."
        )
    return (
        f"The health log was damaged. It has been kept as {damaged.name}; no verified "
        "backup was found, so Thenar started a new, empty log."
    )
