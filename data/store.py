"""Opening the health log: where it lives, how it is configured, how it recovers.

`open_store(folder)` is the one entry point. It takes the folder explicitly
(`default_folder()` gives the platformdirs one) so tests never touch the real
home. In order, it: makes the folder private; takes the single-writer lock;
removes what interrupted backups left; refuses a file from a newer Thenar, or
one it cannot read, without touching it; sets a damaged, empty or missing file
aside and restores the newest verified backup this version can open; backs up
before migrating; migrates; marks sessions a crash left running as interrupted.
Then `Store.verify` runs the full integrity check (rebuilding indexes that are
out of step, or restoring) and takes the daily backup: `open_store` runs it at
once unless told not to (the app runs it after its window is up, ~0.3-1 s on
ten years of history; see benchmarks/bench_integrity.py).
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

import platformdirs

from . import backup, schema
from .db import LogDb
from .errors import (
    BackupError,
    CorruptStoreError,
    InvalidInputError,
    StoreAccessError,
    StoreError,
)
from .files import WriterLock, create_private_file, ensure_private_dir, make_private
from .health import Health, Inspection, classify, inspect, integrity
from .tx import translate, translated, writing

DB_NAME = "thenar.db"
LOCK_NAME = "thenar.lock"
BACKUP_DIR = "backups"
# How long a write waits for a lock held by another connection before
# StoreLockedError: long enough for a checkpoint, short enough not to freeze the UI.
DEFAULT_BUSY_TIMEOUT_S = 2.0


def default_folder() -> Path:
    """The per-user data folder (e.g. ~/.local/share/Thenar on Linux)."""
    return Path(platformdirs.user_data_dir("Thenar", appauthor=False))


def configure(db: LogDb) -> None:
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


def connect(path: Path, *, busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S) -> LogDb:
    """A configured LogDb over `path` (no checks, no migrations; see open_store)."""
    conn = sqlite3.connect(path, timeout=busy_timeout_s)
    db = LogDb(conn)
    configure(db)
    return db


def open_memory() -> LogDb:
    """An in-memory log with the full schema, for tests and previews."""
    db = LogDb(sqlite3.connect(":memory:"))
    db.execute("PRAGMA foreign_keys = ON")
    schema.migrate(db)
    return db


REPAIRED = (
    "Some of the indexes Thenar uses to draw your trends had fallen out of step with "
    "your records, so they were rebuilt. Nothing was lost."
)


@dataclass
class Store:
    """An open log: its LogDb, where it lives, and messages for the user.

    `replaced` turns True when `verify` repaired or restored the log: anything read
    from it before (the pages of a running app) must be read again.
    """

    db: LogDb
    folder: Path
    notices: list[str] = field(default_factory=list)
    _lock: WriterLock | None = None
    busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S
    replaced: bool = False

    @property
    def path(self) -> Path:
        """The database file."""
        return self.folder / DB_NAME

    @property
    def backups(self) -> Path:
        """The backup folder."""
        return self.folder / BACKUP_DIR

    def verify(self, *, now: datetime | None = None, daily_backup: bool = True) -> list[str]:
        """The full check, then today's backup; returns messages for the person.

        `integrity_check` compares every index with its table. Indexes out of step
        are rebuilt (the tables are the record; indexes derive from them); any
        other damage sets the file aside and restores the newest good backup. The
        daily backup comes last, so it copies a log that passed the check.
        """
        when = now if now is not None else datetime.now(UTC)
        notices: list[str] = []
        with translated():
            found = self._check()
            if found.health is Health.INDEXES:
                try:
                    with writing(self.db):
                        for name in found.damaged_indexes:
                            self.db.execute(f'REINDEX "{name}"')
                except InvalidInputError:
                    pass  # duplicates in a unique index: the tables are damaged (below)
                # any other failure (a full disk) is raised: the log stays as it is
                found = self._check()
                if found.health is Health.OK:
                    notices.append(REPAIRED)
                    self.replaced = True
            if found.health is not Health.OK:
                self.db.close()
                try:
                    notices.append(
                        backup.set_aside_and_restore(
                            self.path, self.backups, now=when, why=found.health
                        )
                    )
                except StoreError:  # no room for the copy: the file is back as it was
                    self.db = connect(self.path, busy_timeout_s=self.busy_timeout_s)
                    raise
                self.db, more = _prepare(self.path, self.backups, when, self.busy_timeout_s)
                notices.extend(more)
                self.replaced = True
        if daily_backup:
            try:
                backup.daily_backup(self.db.conn, self.backups, now=when)
            except BackupError as exc:  # the log is fine; do not lock the user out
                notices.append(f"Today's backup could not be made: {exc}")
        return notices

    def _check(self) -> Inspection:
        try:
            rows = integrity(self.db.conn)
        except sqlite3.DatabaseError as exc:
            if not isinstance(translate(exc), CorruptStoreError):
                raise
            return Inspection(Health.DAMAGED, (str(exc),))
        return Inspection(classify(rows), tuple(rows))

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


def _interrupted_notice(ids: list[int]) -> list[str]:
    n = len(ids)
    if not n:
        return []
    return [
        f"{n} session{'s' if n > 1 else ''} did not finish when Thenar last "
        f"closed and {'were' if n > 1 else 'was'} marked interrupted."
    ]


def _prepare(
    path: Path, backups: Path, when: datetime, busy_timeout_s: float
) -> tuple[LogDb, list[str]]:
    """Connect, back up before a migration, migrate, mark crashed sessions; the notices."""
    from .sessions import mark_interrupted  # sessions imports store helpers

    make_private(path)  # a file we own but left 0644 or read-only by a copy tool
    create_private_file(path)
    db = connect(path, busy_timeout_s=busy_timeout_s)
    try:
        if schema.pending_names(db) and schema.applied_names(db):
            # The state before the update is kept (a backup only exists if it verified).
            backup.make_backup(db.conn, backups, now=when, reason="before-migration")
        schema.migrate(db)
        return db, _interrupted_notice(mark_interrupted(db))
    except BaseException:
        db.close()
        raise


def _open(folder: Path, when: datetime, busy_timeout_s: float) -> tuple[LogDb, list[str]]:
    """Judge the file (read-only), recover it if it is wrong, then `_prepare` it."""
    path = folder / DB_NAME
    backups = folder / BACKUP_DIR
    notices: list[str] = []
    backup.remove_leftovers(backups)
    path.with_name(path.name + backup.RESTORING).unlink(missing_ok=True)
    found = inspect(path, full=False)
    if found.health is Health.NEWER:
        assert found.newer is not None
        raise found.newer
    orphans = any(Path(f"{path}{s}").exists() for s in ("-wal", "-shm"))
    lost = found.health is Health.MISSING and (orphans or bool(backup.list_backups(backups)))
    if found.health in (Health.EMPTY, Health.DAMAGED, Health.FOREIGN) or lost:
        notices.append(backup.set_aside_and_restore(path, backups, now=when, why=found.health))
    try:
        db, more = _prepare(path, backups, when, busy_timeout_s)
    except (sqlite3.DatabaseError, CorruptStoreError) as exc:
        if not isinstance(translate(exc), CorruptStoreError):
            raise
        # Damage that only showed when the file was read: set it aside once, and retry.
        notices.append(backup.set_aside_and_restore(path, backups, now=when))
        db, more = _prepare(path, backups, when, busy_timeout_s)
    return db, notices + more


def open_store(
    folder: Path,
    *,
    now: datetime | None = None,
    busy_timeout_s: float = DEFAULT_BUSY_TIMEOUT_S,
    daily_backup: bool = True,
    verify: bool = True,
) -> Store:
    """Open (creating if needed) the log in `folder`; see the module docstring for the steps.

    `verify=False` leaves the full check and the daily backup to `Store.verify`,
    for the app to run once its window is up. Raises StoreLockedError if another
    Thenar has it open, NewerSchemaError for a file from a newer Thenar and
    StoreAccessError for one it may not read or a folder it may not write (all left
    untouched); any other SQLite or OS failure as a StoreError too.
    """
    when = now if now is not None else datetime.now(UTC)
    with translated():
        ensure_private_dir(folder)
        if not os.access(folder, os.W_OK):  # a read-only disk or folder: refuse, touch nothing
            raise StoreAccessError(
                f"Thenar cannot write in the folder of your health log ({folder}): it is read-only."
            )
        lock = WriterLock(folder / LOCK_NAME)
    store: Store | None = None
    try:
        with translated():
            db, notices = _open(folder, when, busy_timeout_s)
            store = Store(db, folder, notices, lock, busy_timeout_s)
            if verify:
                store.notices.extend(store.verify(now=when, daily_backup=daily_backup))
            for suffix in ("", "-wal", "-shm"):
                make_private(Path(f"{store.path}{suffix}"))
        return store
    except BaseException:
        if store is not None:
            store.close()
        else:
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
