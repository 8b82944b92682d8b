"""Typed errors of the health log.

Every failure the user can cause or meet (bad input, a second Thenar, a damaged
file, a file from a newer Thenar) raises a `StoreError` subclass with a message
that can be shown as is, and leaves the database unchanged.
"""

from __future__ import annotations


class StoreError(Exception):
    """Base class: anything the health log refuses or cannot do."""


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


class CorruptStoreError(StoreError):
    """SQLite reports the file damaged; open_store() sets such a file aside."""


class NewerSchemaError(StoreError):
    """The file was written by a newer Thenar; it is refused and left untouched."""


class BackupError(StoreError):
    """A backup could not be made or did not verify."""


class RestoreError(StoreError):
    """A JSON backup cannot be restored (wrong format, or the store is not empty)."""
