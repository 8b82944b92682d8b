"""What state a log file is in, judged read-only so a refused or damaged file is never changed.

Used on the live log at start-up and on every backup before it is restored or
rotated. `full=True` runs SQLite's `integrity_check`, which (unlike
`quick_check`) also compares every index with its table: a trend index that lost
rows shows wrong days while every other check says ok.
"""

from __future__ import annotations

import enum
import re
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from . import schema
from .errors import (
    CorruptStoreError,
    NewerSchemaError,
    StoreAccessError,
    StoreFullError,
    StoreIOError,
)
from .tx import translate

SQLITE_HEADER = b"SQLite format 3\x00"
MIN_FREE_BYTES = 64 * 1024  # less than this free, an I/O error opening the log is a full disk
# Tables whose rows are the person's history (never deleted in normal use).
HISTORY_TABLES = ("sessions", "ratings", "checkins", "screenings", "entries")
_INDEX_PROBLEM = re.compile(
    r"^(?:row \d+ missing from index|wrong # of entries in index|"
    r"non-unique entry in UNIQUE index) (\w+)$"
)


class Health(enum.Enum):
    OK = "ok"
    MISSING = "missing"
    EMPTY = "empty"  # 0 bytes
    INDEXES = "indexes"  # the tables are intact; some indexes disagree with them
    DAMAGED = "damaged"  # not a SQLite file, or its pages or rows are damaged
    NEWER = "newer"  # written by a newer Thenar
    FOREIGN = "foreign"  # a SQLite database, but another program's


@dataclass(frozen=True)
class Inspection:
    health: Health
    problems: tuple[str, ...] = ()
    newer: NewerSchemaError | None = None

    @property
    def damaged_indexes(self) -> list[str]:
        """Names of the indexes `integrity_check` found out of step (for INDEXES)."""
        names = [m.group(1) for p in self.problems if (m := _INDEX_PROBLEM.match(p))]
        return sorted(set(names))


def classify(rows: list[str]) -> Health:
    """OK, INDEXES (every problem is an index out of step with its table) or DAMAGED."""
    if rows == ["ok"]:
        return Health.OK
    if rows and all(_INDEX_PROBLEM.match(r) for r in rows):
        return Health.INDEXES
    return Health.DAMAGED


def read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection: opening it never changes the file."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _header(path: Path) -> bytes:
    """The first bytes of the file; an unreadable file is refused, not judged damaged."""
    try:
        with path.open("rb") as f:
            return f.read(len(SQLITE_HEADER))
    except PermissionError as exc:
        raise StoreAccessError(
            f"Thenar is not allowed to read your health log file ({path})."
        ) from exc
    except OSError as exc:
        raise translate(exc) from exc


def integrity(conn: sqlite3.Connection, *, full: bool = True) -> list[str]:
    """The lines of `integrity_check` (or `quick_check`): ["ok"] when all is well."""
    pragma = "integrity_check" if full else "quick_check"
    return [str(r[0]) for r in conn.execute(f"PRAGMA {pragma}").fetchall()]


def inspect(path: Path, *, full: bool = True) -> Inspection:
    """Judge the file at `path` without changing it.

    `full=False` checks only what opening needs (a SQLite file of a schema we
    know, whose schema table reads); the app runs the full check after its window
    is up. Raises StoreLockedError if another program holds the file locked,
    StoreAccessError if it cannot be read at all.
    """
    if not path.exists():
        return Inspection(Health.MISSING)
    if path.stat().st_size == 0:
        return Inspection(Health.EMPTY)
    if _header(path) != SQLITE_HEADER:
        return Inspection(Health.DAMAGED, ("not a SQLite database file",))
    try:
        conn = read_only(path)
    except sqlite3.Error as exc:
        return _damaged_or_raise(exc, path)
    try:
        if schema.check_not_newer(conn) == 0 and _foreign_tables(conn):
            return Inspection(Health.FOREIGN, ("not a Thenar health log",))
        if full:
            rows = integrity(conn)
            return Inspection(classify(rows), tuple(rows))
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return Inspection(Health.OK)
    except NewerSchemaError as exc:
        return Inspection(Health.NEWER, newer=exc)
    except sqlite3.Error as exc:
        return _damaged_or_raise(exc, path)
    finally:
        conn.close()


def _damaged_or_raise(exc: sqlite3.Error, path: Path) -> Inspection:
    """Only SQLite's word for damage makes a file damaged. A full disk, a lock or an I/O
    error says nothing about the file: that is raised (as a StoreError), and the
    file is left alone rather than set aside."""
    mapped = translate(exc)
    if isinstance(mapped, CorruptStoreError):
        return Inspection(Health.DAMAGED, (str(exc),))
    if isinstance(mapped, StoreIOError) and _no_space(path):  # SQLite said "I/O error"
        mapped = StoreFullError(
            f"The disk is full, so Thenar could not open your health log ({path})."
        )
    raise mapped from exc


def _no_space(path: Path) -> bool:
    try:
        return shutil.disk_usage(path.parent).free < MIN_FREE_BYTES
    except OSError:
        return False


def _foreign_tables(conn: sqlite3.Connection) -> bool:
    """Tables in a file Thenar never migrated (every Thenar migration stamps user_version)."""
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name != ? LIMIT 1",
        [schema.MIGRATIONS_TABLE],
    ).fetchone()
    return row is not None


def history(conn: sqlite3.Connection) -> int:
    """How many rows of the person's history the database holds (sessions, ratings, ...)."""
    present = {
        r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    }
    tables = [t for t in HISTORY_TABLES if t in present]
    if not tables:
        return 0
    sql = " + ".join(f"(SELECT COUNT(*) FROM {t})" for t in tables)
    return int(conn.execute(f"SELECT {sql}").fetchone()[0])


def history_in(path: Path) -> int:
    """`history` of a file opened read-only; -1 if it cannot be read."""
    try:
        conn = read_only(path)
    except sqlite3.Error:
        return -1
    try:
        return history(conn)
    except sqlite3.Error:
        return -1
    finally:
        conn.close()
