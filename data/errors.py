"""Typed errors of the health log.

Every failure the user can cause or meet (bad input, a second Thenar, a damaged
file, a file from a newer Thenar, a full disk, a folder it may not write) raises a
`StoreError` subclass. Its message says what happened in words a person can
read; `safe` says what was not harmed and `advice` what to do, so the app can
show all three without knowing the cause. No SQLite or OS exception leaves the
log untranslated (see `tx.translate`).
"""

from __future__ import annotations

UNCHANGED = "Your saved history has not been changed."


class StoreError(Exception):
    """Base class: anything the health log refuses or cannot do."""

    safe = UNCHANGED
    advice = ""

    def __init__(self, message: str, *, safe: str | None = None, advice: str | None = None):
        super().__init__(message)
        if safe is not None:
            self.safe = safe
        if advice is not None:
            self.advice = advice


class InvalidInputError(StoreError, ValueError):
    """A value out of its range or of the wrong kind; nothing was written."""


class NotFoundError(StoreError, LookupError):
    """A referenced row (program, session, schedule, device) does not exist."""


class UnknownProgramError(NotFoundError):
    """The program id is not in the log."""


class UnknownSessionError(NotFoundError):
    """The session id is not in the log."""


class UnknownScheduleError(NotFoundError):
    """The schedule id is not in the log."""


class UnknownDeviceError(NotFoundError):
    """The device identity was never recorded as paired."""


class StoreLockedError(StoreError):
    """Another process holds the log (a second Thenar, or a tool holding a write lock)."""

    advice = "Close the other Thenar window or the program using the health log, then try again."


class CorruptStoreError(StoreError):
    """SQLite reports the file damaged; open_store() sets such a file aside."""

    safe = "The damaged file is kept as it is; Thenar never deletes it."
    advice = "Restart Thenar: it sets the damaged file aside and restores your newest backup."


class NewerSchemaError(StoreError):
    """The file was written by a newer Thenar; it is refused and left untouched."""

    advice = "Update Thenar to its latest version, then start it again."


class StoreFullError(StoreError):
    """The disk (or the log's size limit) is full: SQLITE_FULL or ENOSPC."""

    advice = "Free some space on the disk (empty the trash, remove large files)."


class StoreAccessError(StoreError):
    """The log's folder or file cannot be read or written (permissions, a read-only disk)."""

    advice = (
        "Check that the folder belongs to you and is not on a read-only disk, "
        "or choose another folder for the health log."
    )


class StoreIOError(StoreError):
    """The disk reported a read or write failure (SQLITE_IOERR or another OS error)."""

    advice = "Check the disk (is it still connected, is it failing?) and try again."


class BackupError(StoreError):
    """A backup could not be made or did not verify."""

    advice = "Check there is free space on the disk; Thenar tries again at the next start."


class RestoreError(StoreError):
    """A JSON backup cannot be restored (wrong format, or the store is not empty)."""
