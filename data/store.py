"""Opening the health log: where it lives, how it is configured, how it recovers.

`open_store(folder)` is the one entry point. It takes the folder explicitly
(`default_folder()` gives the platformdirs one) so tests never touch the real
home. In order, it: makes the folder private; takes the single-writer lock;
refuses a file from a newer Thenar without touching it; sets a damaged file
aside and restores the newest verified backup; backs up before migrating;
migrates; marks sessions a crash left running as interrupted; takes the daily
backup.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

import platformdirs
from sqlite_utils import Database

from . import backup, schema
from .errors import BackupError, CorruptStoreError, StoreError, StoreLockedError
from .files import WriterLock, create_private_file, ensure_private_dir, make_private

DB_NAME = "thenar.db"
LOCK_NAME = "thenar.lock"
BACKUP_DIR = "backups"
# How long a write waits for a lock held by another connection before
# StoreLockedError: long enough for a checkpoint, short enough not to freeze the UI.
DEFAULT_BUSY_TIMEOUT_S = 2.0


def default_folder() -> Path:
    """The per-user data folder (e.g. ~/.local/share/Thenar on Linux)."""
    return Path(platformdirs.user_data_dir("Thenar", appauthor=False))


def configure(db: Database) -> None:
    """Pragmas for a file-backed log.

    WAL lets the UI read while the session writer commits. synchronous=FULL
    fsyncs the WAL on every commit: with NORMAL, a commit in WAL mode can be lost
    to a power cut (it is only durable after the next checkpoint), and a rating
    the user saw saved must survive one. foreign_keys keeps references honest.
    """
    db.enable_wal()
    db.execute("PRAGMA synchronous = FULL")
    # macOS fsync() does not flush the drive's cache; F_FULLFSYNC does (no-op elsewhere).
    db.execute("PRAGMA fullfsync = ON")
    db.execute("PRAGMA foreign_keys = ON")


def connect(path: Path, *, busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S) -> Database:
    """A configured Database over `path` (no checks, no migrations; see open_store)."""
    conn = sqlite3.connect(path, timeout=busy_timeout_s)
    db = Database(conn, strict=True, execute_plugins=False)
    configure(db)
    return db


def open_memory() -> Database:
    """An in-memory log with the full schema, for tests and previews."""
    db = Database(memory=True, strict=True, execute_plugins=False)
    db.execute("PRAGMA foreign_keys = ON")
    schema.migrate(db)
    return db


@dataclass
class Store:
    """An open log: the Database, where it lives, and messages for the user."""

    db: Database
    folder: Path
    notices: list[str] = field(default_factory=list)
    _lock: WriterLock | None = None

    @property
    def path(self) -> Path:
        """The database file."""
        return self.folder / DB_NAME

    @property
    def backups(self) -> Path:
        """The backup folder."""
        return self.folder / BACKUP_DIR

    def close(self) -> None:
        """Close the connection (SQLite checkpoints the WAL) and release the lock."""
        try:
            self.db.close()
        finally:
            if self._lock is not None:
                self._lock.release()
                self._lock = None

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _inspect(path: Path) -> bool:
    """Raise NewerSchemaError for a too-new file; return False if the file is damaged.

    Opens read-only, so neither a refused nor a damaged file is modified.
    """
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        schema.check_not_newer(conn)
        return conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc).lower() or "busy" in str(exc).lower():
            raise StoreLockedError("the health log is locked by another program") from exc
        return False
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()


def open_store(
    folder: Path,
    *,
    now: datetime | None = None,
    busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S,
    daily_backup: bool = True,
) -> Store:
    """Open (creating if needed) the log in `folder`; see the module docstring for the steps.

    Raises StoreLockedError if another Thenar has it open, NewerSchemaError for a
    file from a newer Thenar (left untouched).
    """
    from .sessions import mark_interrupted  # sessions imports store helpers

    when = now if now is not None else datetime.now(UTC)
    ensure_private_dir(folder)
    lock = WriterLock(folder / LOCK_NAME)
    try:
        path = folder / DB_NAME
        backups = folder / BACKUP_DIR
        notices: list[str] = []
        if path.exists() and path.stat().st_size > 0 and not _inspect(path):
            notices.append(backup.set_aside_and_restore(path, backups, now=when))
        create_private_file(path)
        db = connect(path, busy_timeout_s=busy_timeout_s)
        try:
            if schema.pending_names(db) and schema.applied_names(db):
                backup.make_backup(db.conn, backups, now=when, reason="before-migration")
            schema.migrate(db)
            interrupted = mark_interrupted(db)
            if interrupted:
                n = len(interrupted)
                notices.append(
                    f"{n} session{'s' if n > 1 else ''} did not finish when Thenar last "
                    f"closed and {'were' if n > 1 else 'was'} marked interrupted."
                )
            if daily_backup:
                try:
                    backup.daily_backup(db.conn, backups, now=when)
                except BackupError as exc:  # the log is fine; do not lock the user out
                    notices.append(f"Today's backup could not be made: {exc}")
        except sqlite3.DatabaseError as exc:
            db.close()
            raise CorruptStoreError(f"the health log could not be opened: {exc}") from exc
        except BaseException:
            db.close()
            raise
        for suffix in ("", "-wal", "-shm"):
            make_private(Path(f"{path}{suffix}"))
        return Store(db=db, folder=folder, notices=notices, _lock=lock)
    except BaseException:
        lock.release()
        raise


__all__ = [
    "DB_NAME",
    "Store",
    "StoreError",
    "configure",
    "connect",
    "default_folder",
    "open_memory",
    "open_store",
]
