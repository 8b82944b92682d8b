"""The migrations' script runner: same statements as sqlite-utils, inside the transaction."""

from __future__ import annotations

from sqlite_utils import Database

from data.schema import _script

SCRIPT = """
CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT) STRICT;
CREATE TABLE log (what TEXT) STRICT;
-- a comment; with a semicolon
CREATE TRIGGER t_added AFTER INSERT ON t BEGIN
    INSERT INTO log (what) VALUES ('added; ' || new.note);
    INSERT INTO log (what) VALUES ('twice');
END;
INSERT INTO t (note) VALUES ('a;b');
-- trailing comment
"""


def _dump(db: Database) -> list[object]:
    rows = db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    return [
        rows,
        db.execute("SELECT * FROM t").fetchall(),
        db.execute("SELECT * FROM log").fetchall(),
    ]


def test_a_script_in_a_transaction_runs_as_sqlite_utils_runs_it_and_can_roll_back() -> None:
    ours, theirs = Database(memory=True), Database(memory=True)
    for db in (ours, theirs):
        db.conn.execute("BEGIN")
    _script(ours, SCRIPT)
    theirs.executescript(SCRIPT)
    assert _dump(ours) == _dump(theirs)
    assert ours.conn.in_transaction  # no implicit COMMIT: a failing migration rolls back
    ours.conn.rollback()
    assert ours.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)


def test_a_script_outside_a_transaction_is_sqlites_own() -> None:
    ours, theirs = Database(memory=True), Database(memory=True)
    _script(ours, SCRIPT)
    theirs.executescript(SCRIPT)
    assert _dump(ours) == _dump(theirs)
