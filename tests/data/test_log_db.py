"""`LogDb` keeps the promises sqlite-utils' `Database` made to the repositories.

The repositories used five calls of sqlite-utils' wrapper; `LogDb` gives them over the
standard library (issue 13). These tests drive both, side by side, through the same
sequences (writes outside a transaction, atomic blocks that commit or fail, nested
blocks, failing statements, scripts) and require the same rows and the same
transaction state after every step.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlite_utils import Database

from data.db import LogDb

SCHEMA = """
CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT NOT NULL CHECK (length(note) < 5)) STRICT;
CREATE TABLE log (what TEXT) STRICT;
-- a comment; with a semicolon
CREATE TRIGGER t_added AFTER INSERT ON t BEGIN
    INSERT INTO log (what) VALUES ('added; ' || new.note);
END;
"""


class Boom(Exception):
    """Raised inside an atomic block: everything in it must be undone."""


def _contents(conn: sqlite3.Connection) -> list[Any]:
    return [
        conn.execute("SELECT id, note FROM t ORDER BY id").fetchall(),
        conn.execute("SELECT what FROM log ORDER BY rowid").fetchall(),
    ]


class SameAsSqliteUtils(RuleBasedStateMachine):
    """Every step runs on both; afterwards both hold the same rows and agree on whether
    a transaction is open (never, between steps: nothing may be left half-done)."""

    def __init__(self) -> None:
        super().__init__()
        self.ours = LogDb(sqlite3.connect(":memory:"))
        self.theirs = Database(memory=True)
        self.ours.executescript(SCHEMA)
        self.theirs.executescript(SCHEMA)

    def both(self, step: Any) -> None:
        outcomes = []
        for db in (self.ours, self.theirs):
            try:
                step(db)
                outcomes.append("ok")
            except (sqlite3.Error, Boom) as exc:
                outcomes.append(type(exc).__name__)
        assert outcomes[0] == outcomes[1], outcomes

    @rule(note=st.sampled_from(["a", "b;c", "toolong"]))
    def insert(self, note: str) -> None:
        self.both(lambda db: db.execute("INSERT INTO t (note) VALUES (?)", [note]))

    @rule(notes=st.lists(st.sampled_from(["x", "y", "toolong"]), max_size=3), fail=st.booleans())
    def atomic_block(self, notes: list[str], fail: bool) -> None:
        def step(db: Any) -> None:
            with db.atomic():
                for note in notes:
                    db.execute("INSERT INTO t (note) VALUES (?)", [note])
                if fail:
                    raise Boom

        self.both(step)

    @rule(inner_fails=st.booleans(), outer_fails=st.booleans())
    def nested_blocks(self, inner_fails: bool, outer_fails: bool) -> None:
        def step(db: Any) -> None:
            with db.atomic():
                db.execute("INSERT INTO t (note) VALUES ('o')")
                try:
                    with db.atomic():
                        db.execute("INSERT INTO t (note) VALUES ('i')")
                        if inner_fails:
                            raise Boom
                except Boom:
                    pass
                if outer_fails:
                    raise Boom

        self.both(step)

    @rule()
    def a_failing_statement(self) -> None:
        self.both(lambda db: db.execute("INSERT INTO no_such_table VALUES (1)"))

    @rule(fail=st.booleans())
    def script_in_a_block(self, fail: bool) -> None:
        def step(db: Any) -> None:
            with db.atomic():
                db.executescript(
                    "INSERT INTO t (note) VALUES ('s1'); INSERT INTO t (note) VALUES ('s;2');"
                )
                if fail:
                    raise Boom

        self.both(step)

    @rule()
    def delete_all(self) -> None:
        self.both(lambda db: db.execute("DELETE FROM t"))

    @invariant()
    def same_rows_and_nothing_left_open(self) -> None:
        assert _contents(self.ours.conn) == _contents(self.theirs.conn)
        assert not self.ours.conn.in_transaction
        assert not self.theirs.conn.in_transaction
        assert [dict(r) for r in self.ours.query("SELECT * FROM t ORDER BY id")] == list(
            self.theirs.query("SELECT * FROM t ORDER BY id")
        )


SameAsSqliteUtils.TestCase.settings = settings(max_examples=60, stateful_step_count=12)
test_same_as_sqlite_utils = SameAsSqliteUtils.TestCase


def test_a_write_outside_a_block_is_on_disk_at_once(tmp_path: Path) -> None:
    """Another connection (a backup, the next start) sees it without any commit call."""
    path = tmp_path / "log.db"
    db = LogDb(sqlite3.connect(path))
    db.enable_wal()
    db.execute("CREATE TABLE t (x INTEGER)")
    db.execute("INSERT INTO t VALUES (1)")
    other = sqlite3.connect(path)
    assert other.execute("SELECT x FROM t").fetchall() == [(1,)]
    assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    other.close()
    db.close()


def test_a_script_in_a_block_joins_its_transaction_and_rolls_back_with_it() -> None:
    """sqlite3's own executescript would COMMIT first; a failing migration must not."""
    db = LogDb(sqlite3.connect(":memory:"))
    seen: list[object] = []

    def migration_that_fails() -> None:
        with db.atomic():
            db.executescript(SCHEMA + "INSERT INTO t (note) VALUES ('a;b');")
            seen.append(db.execute("SELECT count(*) FROM log").fetchone())
            raise Boom

    with pytest.raises(Boom):
        migration_that_fails()
    assert seen == [(1,)]  # the trigger ran inside the block
    assert db.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)


def test_query_names_columns_and_refuses_a_statement_without_rows() -> None:
    db = LogDb(sqlite3.connect(":memory:"))
    assert list(db.query("SELECT 1 AS one, 'two' AS two")) == [{"one": 1, "two": "two"}]
    with pytest.raises(ValueError, match="return rows"):
        db.query("CREATE TABLE t (x INTEGER)")


def test_the_journal_mode_cannot_change_inside_a_block(tmp_path: Path) -> None:
    db = LogDb(sqlite3.connect(tmp_path / "log.db"))
    with pytest.raises(sqlite3.OperationalError), db.atomic():
        db.enable_wal()
    assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)
