"""One place that turns SQLite's exceptions into typed `StoreError`s.

Every repository write goes through `writing(db)`: it is `db.atomic()` (all or
nothing), and on failure the transaction is rolled back before the typed error
is raised, so bad input or a locked file changes nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlite_utils import Database

from .errors import CorruptStoreError, InvalidInputError, StoreLockedError


def translate(exc: sqlite3.Error) -> Exception:
    """Map a sqlite3 exception to the StoreError the user should see."""
    text = str(exc).lower()
    if isinstance(exc, sqlite3.IntegrityError):
        return InvalidInputError(f"the health log refused the change: {exc}")
    if isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text):
        return StoreLockedError(
            "the health log is locked by another program; close it and try again"
        )
    if isinstance(exc, sqlite3.DatabaseError) and (
        "malformed" in text or "not a database" in text or "corrupt" in text
    ):
        return CorruptStoreError(f"the health log file is damaged: {exc}")
    return exc


@contextmanager
def writing(db: Database) -> Iterator[Database]:
    """A transaction whose SQLite failures surface as typed StoreErrors."""
    try:
        with db.atomic():
            yield db
    except sqlite3.Error as exc:
        mapped = translate(exc)
        if mapped is exc:
            raise
        raise mapped from exc
