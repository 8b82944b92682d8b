"""One place that turns SQLite's and the OS's exceptions into typed `StoreError`s.

Every repository write goes through `writing(db)`: it is `db.atomic()` (all or
nothing), and on failure the transaction is rolled back before the typed error
is raised, so bad input, a locked file or a full disk changes nothing. Nested
`writing` blocks are savepoints of the outer transaction, so writes that belong
together (a session and its rating before) commit once.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from .errors import (
    CorruptStoreError,
    InvalidInputError,
    StoreAccessError,
    StoreError,
    StoreFullError,
    StoreIOError,
    StoreLockedError,
)

if TYPE_CHECKING:
    from .db import LogDb

FULL = "The disk is full, so Thenar could not save to your health log."
_LOCKED = "the health log is locked by another program; close it and try again"
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_ACCESS_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS}


def _from_sqlite(exc: sqlite3.Error) -> StoreError:
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(exc)
    if isinstance(exc, sqlite3.IntegrityError) or primary in (
        sqlite3.SQLITE_CONSTRAINT,
        sqlite3.SQLITE_MISMATCH,
        sqlite3.SQLITE_TOOBIG,
        sqlite3.SQLITE_RANGE,
    ):
        return InvalidInputError(f"the health log refused the change: {text}")
    if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return StoreLockedError(_LOCKED)
    if primary == sqlite3.SQLITE_FULL:
        return StoreFullError(FULL)
    if primary in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH):
        return StoreAccessError("Thenar is not allowed to write to your health log.")
    if primary == sqlite3.SQLITE_CANTOPEN:
        return StoreAccessError("Thenar could not open your health log file.")
    if primary in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return CorruptStoreError(f"the health log file is damaged: {text}")
    if primary == sqlite3.SQLITE_IOERR:
        return StoreIOError(
            f"The disk reported an error while Thenar used your health log ({text})."
        )
    lowered = text.lower()
    if "locked" in lowered or "busy" in lowered:
        return StoreLockedError(_LOCKED)
    if "malformed" in lowered or "not a database" in lowered:
        return CorruptStoreError(f"the health log file is damaged: {text}")
    return StoreError(f"The health log could not do that: {text}")


def _from_os(exc: OSError) -> StoreError:
    """OS failures name the file: it may be the log, a backup or an export the person chose."""
    what = f"“{exc.filename}”" if exc.filename else "the file"
    if exc.errno in _FULL_ERRNOS:
        return StoreFullError(f"The disk is full, so Thenar could not write {what}.")
    if exc.errno == errno.EROFS:
        return StoreAccessError(f"Thenar could not write {what}: it is on a read-only disk.")
    if exc.errno in _ACCESS_ERRNOS:
        return StoreAccessError(f"Thenar is not allowed to use {what}.")
    return StoreIOError(f"The disk reported an error with {what}: {exc.strerror or exc}.")


def translate(exc: BaseException) -> StoreError:
    """The StoreError the person should see for any SQLite or OS failure."""
    if isinstance(exc, StoreError):
        return exc
    if isinstance(exc, sqlite3.Error):
        return _from_sqlite(exc)
    if isinstance(exc, OSError):
        return _from_os(exc)
    if isinstance(exc, MemoryError):
        return StoreError("There was not enough memory for the health log to do that.")
    return StoreError(f"The health log could not do that: {exc}")


@contextmanager
def translated() -> Iterator[None]:
    """Let no SQLite or OS exception out untranslated (for reads and file work)."""
    try:
        yield
    except (sqlite3.Error, OSError) as exc:
        raise translate(exc) from exc


@contextmanager
def writing(db: LogDb) -> Iterator[LogDb]:
    """A transaction whose SQLite and OS failures surface as typed StoreErrors."""
    try:
        with db.atomic():
            yield db
    except (sqlite3.Error, OSError) as exc:
        raise translate(exc) from exc
