"""The open health log as the repositories see it: one SQLite connection and five calls.

Every repository function takes a `LogDb`. The repositories only ever needed
`execute`, `query`, `executescript`, `atomic` and the raw `conn`, so this small class
gives them exactly those, over the standard library alone. It replaces sqlite-utils'
`Database` wrapper on this path because importing sqlite-utils loads click, pluggy and
dateutil with it: about 100 ms and 15 MB of every start, before the first window
(issue 13). sqlite-utils still runs the schema's migrations (`data.schema`), over the
same connection, and only when one is pending.

The connection runs in SQLite's own autocommit mode (`isolation_level=None`): a
statement outside `atomic()` commits on its own, and a failed one leaves no transaction
open. That is what sqlite-utils' `Database.execute` emulates over Python's implicit
transactions; here SQLite does it itself. `atomic()` behaves as sqlite-utils' does:
BEGIN ... COMMIT, nested blocks as savepoints, everything rolled back on any exception.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

Params = Sequence[Any] | Mapping[str, Any]


class LogDb:
    """One connection to a log file (or memory), in autocommit mode."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        if conn.in_transaction:
            raise ValueError("LogDb needs a connection with no transaction open")
        conn.isolation_level = None  # SQLite's autocommit: no implicit BEGIN
        self.conn = conn
        self._savepoints = itertools.count(1)  # names for nested atomic() blocks
        # As sqlite-utils sets it: a trigger's own writes fire the triggers they touch.
        self.execute("PRAGMA recursive_triggers = ON")

    @classmethod
    def connect(cls, path: str, *, timeout_s: float = 5.0) -> LogDb:
        """A file (or ":memory:") opened for this thread."""
        return cls(sqlite3.connect(path, timeout=timeout_s))

    def execute(self, sql: str, parameters: Params | None = None) -> sqlite3.Cursor:
        """Run one statement; outside `atomic()` a write commits at once."""
        if parameters is None:
            return self.conn.execute(sql)
        return self.conn.execute(sql, parameters)

    def query(self, sql: str, params: Params | None = None) -> Iterator[dict[str, Any]]:
        """Run a statement that returns rows; each row as a dict by column name. A
        statement without rows is an error (it has run: such statements use `execute`)."""
        cursor = self.execute(sql, params)
        if cursor.description is None:
            raise ValueError("query() is for statements that return rows; use execute()")
        keys = [column[0] for column in cursor.description]
        return (dict(zip(keys, row, strict=True)) for row in cursor)

    def executescript(self, sql: str) -> None:
        """Several statements. Inside `atomic()` they join its transaction, one by one
        (sqlite3's `executescript` would COMMIT first); only at a ';' is a statement
        asked whether it is complete, so a long script runs in linear time."""
        if not self.conn.in_transaction:
            self.conn.executescript(sql)
            return
        cursor = self.conn.cursor()
        start = 0
        for end, char in enumerate(sql):
            if char == ";" and sqlite3.complete_statement(sql[start : end + 1]):
                cursor.execute(sql[start : end + 1])
                start = end + 1
        if sql[start:].strip():
            cursor.execute(sql[start:])

    @contextmanager
    def atomic(self) -> Iterator[LogDb]:
        """All or nothing: a transaction, or a savepoint inside an open one."""
        if self.conn.in_transaction:
            savepoint = f"thenar_{next(self._savepoints)}"
            self.conn.execute(f"SAVEPOINT {savepoint}")
            try:
                yield self
            except BaseException:
                # A RAISE(ROLLBACK) trigger may already have ended the transaction.
                if self.conn.in_transaction:
                    self.conn.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")
                    self.conn.execute(f"RELEASE SAVEPOINT {savepoint}")
                raise
            self.conn.execute(f"RELEASE SAVEPOINT {savepoint}")
            return
        self.conn.execute("BEGIN")
        try:
            yield self
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        try:
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise

    def enable_wal(self) -> None:
        """Write-ahead logging (the UI reads while a session writes). Outside a
        transaction only: SQLite cannot change the journal mode inside one."""
        if self.conn.in_transaction:
            raise sqlite3.OperationalError("cannot change the journal mode inside a transaction")
        if self.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            self.execute("PRAGMA journal_mode = wal")

    def close(self) -> None:
        """Close the connection (SQLite checkpoints the WAL)."""
        self.conn.close()
