"""Verified backups, their rotation, and recovery of a damaged, empty or missing log.

A backup is taken with SQLite's online backup API (consistent even while the
app writes), written under a temporary `.partial` name, checked with `PRAGMA
integrity_check`, and only then renamed into place: a backup that exists is a
backup that verified. Leftovers of a backup a crash interrupted are removed at
the next start (only names Thenar makes). Backups rotate daily, newest seven
kept, plus one before every migration; a backup holding more history than every
newer one is kept too, so empty or restored-from-older logs never rotate the
history away. A damaged log is never deleted: it is renamed `.damaged`.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .errors import BackupError, StoreError, StoreFullError
from .files import create_private_file, ensure_private_dir, make_private
from .health import Health, history_in, inspect, read_only
from .tx import translate

KEEP = 7
_NAME = re.compile(r"^thenar-(\d{8}T\d{12}Z)-([a-z0-9-]+)\.db$")
# What an interrupted backup leaves: the temporary copy and SQLite's side files.
_LEFTOVER = re.compile(
    r"^thenar-\d{8}T\d{12}Z-[a-z0-9-]+\.db(?:\.partial(?:-journal|-wal|-shm)?|-journal|-wal|-shm)$"
)
_STAMP = "%Y%m%dT%H%M%S%fZ"
RESTORING = ".restoring"  # the log's name + this: a restore in progress
STEP_PAGES = 1024  # copied per step (4 MB); listeners hear of each step
# Called with (pages remaining, pages in all) after each step: diagnostics and the kill test.
progress_listeners: list[Callable[[int, int], None]] = []


@dataclass(frozen=True)
class BackupInfo:
    """One backup file and when it was taken."""

    path: Path
    taken_at: datetime
    reason: str


def integrity_ok(path: Path) -> bool:
    """True if SQLite opens `path` read-only, it is not from a newer Thenar, and
    `integrity_check` says ok."""
    try:
        return inspect(path).health is Health.OK
    except StoreError:
        return False


def _progress(_status: int, remaining: int, total: int) -> None:
    for listener in list(progress_listeners):
        listener(remaining, total)


def _copy(source: sqlite3.Connection, dest: Path) -> None:
    """Copy `source` into the new file `dest` (0600), as one self-contained file."""
    create_private_file(dest)
    target = sqlite3.connect(dest)
    try:
        source.backup(target, pages=STEP_PAGES, progress=_progress)
        # A backup is a single self-contained file: no WAL beside it to lose.
        target.execute("PRAGMA journal_mode = DELETE")
    finally:
        target.close()


def _failed(exc: BaseException) -> BackupError:
    """A BackupError in words: a full disk says so, and what it means for new entries."""
    cause = translate(exc)
    if isinstance(cause, StoreFullError):
        return BackupError(
            "the disk is full. New sessions and ratings may not be saved until there is "
            "space again.",
            advice=cause.advice,
        )
    return BackupError(str(cause), advice=cause.advice or None)


def backup_to(conn: sqlite3.Connection, dest: Path) -> Path:
    """Copy the live database into `dest` (0600) and verify the copy; BackupError if not ok."""
    tmp = dest.with_name(dest.name + ".partial")
    for leftover in (tmp, *(Path(f"{tmp}{s}") for s in ("-journal", "-wal", "-shm"))):
        leftover.unlink(missing_ok=True)
    try:
        _copy(conn, tmp)
    except (sqlite3.Error, OSError) as exc:
        tmp.unlink(missing_ok=True)
        raise _failed(exc) from exc
    if not integrity_ok(tmp):
        tmp.unlink(missing_ok=True)
        raise BackupError("the backup copy did not pass SQLite's integrity check")
    try:
        os.replace(tmp, dest)
        make_private(dest)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _failed(exc) from exc
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


def remove_leftovers(folder: Path) -> list[Path]:
    """Delete what interrupted backups left in `folder` (only names Thenar makes)."""
    if not folder.is_dir():
        return []
    removed = [p for p in folder.iterdir() if _LEFTOVER.match(p.name) and p.is_file()]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def make_backup(
    conn: sqlite3.Connection, folder: Path, *, now: datetime, reason: str, keep: int = KEEP
) -> Path:
    """Take a verified backup named after `now` and `reason`, then rotate."""
    try:
        ensure_private_dir(folder)
    except OSError as exc:
        raise _failed(exc) from exc
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
    """Delete backups beyond the newest `keep`, except one holding more history than
    every newer backup (a log emptied or restored from an older copy must not
    rotate its history away). Returns what was deleted."""
    removed: list[Path] = []
    most_newer = -1  # the most history in any newer backup
    for i, info in enumerate(list_backups(folder)):
        held = history_in(info.path)
        if i >= keep and held <= most_newer:
            info.path.unlink(missing_ok=True)
            removed.append(info.path)
        most_newer = max(most_newer, held)
    return removed


def _damaged_name(db_path: Path, now: datetime) -> Path:
    candidate = db_path.with_name(db_path.name + ".damaged")
    if any(Path(f"{candidate}{s}").exists() for s in ("", "-wal", "-shm")):
        stamp = now.astimezone(UTC).strftime(_STAMP)
        candidate = db_path.with_name(f"{db_path.name}.{stamp}.damaged")
    return candidate


def set_aside(db_path: Path, now: datetime) -> Path | None:
    """Rename the log and its WAL/SHM to `.damaged` (never delete); the first file kept, or
    None if there was none.

    The WAL must move with the file: left behind, SQLite would replay it over the
    restored backup.
    """
    damaged = _damaged_name(db_path, now)
    moved: list[Path] = []
    for suffix in ("", "-wal", "-shm"):
        side = Path(f"{db_path}{suffix}")
        if side.exists():
            os.replace(side, Path(f"{damaged}{suffix}"))
            moved.append(Path(f"{damaged}{suffix}"))
    return moved[0] if moved else None


def restore_newest(db_path: Path, backups: Path) -> BackupInfo | None:
    """Copy the newest verified backup this Thenar can open into `db_path` (which must
    not exist); backups from a newer Thenar and damaged ones are skipped, untouched."""
    for info in list_backups(backups):
        if not integrity_ok(info.path):
            continue
        tmp = db_path.with_name(db_path.name + RESTORING)
        tmp.unlink(missing_ok=True)
        source = read_only(info.path)
        try:
            _copy(source, tmp)
            os.replace(tmp, db_path)  # a restore a crash interrupts leaves no half log
        except (sqlite3.Error, OSError) as exc:
            tmp.unlink(missing_ok=True)
            raise translate(exc) from exc
        finally:
            source.close()
        return info
    return None


_WHY = {
    Health.DAMAGED: "was damaged",
    Health.FOREIGN: "was not a Thenar health log (another program's database)",
    Health.INDEXES: "was damaged and could not be repaired",
    Health.EMPTY: "was empty (0 bytes)",
    Health.MISSING: "was missing",
}


def set_aside_and_restore(
    db_path: Path, backups: Path, *, now: datetime, why: Health = Health.DAMAGED
) -> str:
    """Set the log aside (see `set_aside`) and restore the newest good backup.

    Returns the message to show the person: what happened, what was kept, and
    what the restored log lacks.
    """
    damaged = set_aside(db_path, now)
    kept = f" It has been kept as {damaged.name}." if damaged is not None else ""
    what = f"Your health log file {_WHY[why]}.{kept}"
    try:
        info = restore_newest(db_path, backups)
    except StoreError:  # e.g. no room for the copy: put everything back as it was
        if damaged is not None:
            base = str(damaged).removesuffix("-wal").removesuffix("-shm")
            for suffix in ("", "-wal", "-shm"):
                side = Path(f"{base}{suffix}")
                if side.exists():
                    os.replace(side, Path(f"{db_path}{suffix}"))
        raise
    if info is None:
        return f"{what} Thenar found no verified backup to restore, so it started a new, empty log."
    when = info.taken_at.strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"{what} The backup from {when} was restored; anything recorded after that "
        "time is not in the restored log."
    )
