"""The schema, as an ordered list of migrations that sqlite-utils applies.

Tables are STRICT with CHECK constraints: the Python validation is the first
line of defence, the schema the last, so no code path can store a pain of 11.
`PRAGMA user_version` mirrors the number of migrations applied, so a file from
a newer Thenar is recognised (and refused) by reading one header field. Which
migrations a file has had is sqlite-utils' own table; it is read here with plain SQL, so
a start with nothing to migrate (every start but the first after an update) does not
load sqlite-utils at all (issue 13).

Why this module is long: an ordered list of migrations: each is append-only history that
must never change, and reading them in order is how a reader sees how a log file got its
shape.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

from .errors import NewerSchemaError

if TYPE_CHECKING:
    from sqlite_utils import Database

    from .db import LogDb

MIGRATION_SET = "thenar"
MIGRATIONS_TABLE = "_sqlite_migrations"  # sqlite-utils' record of applied migrations
# Each migration by name, stamping user_version as it runs (see `_migration`).
STEPS: dict[str, Callable[[LogDb], None]] = {}


def _migration(fn: Callable[[LogDb], None]) -> Callable[[LogDb], None]:
    """Register `fn` and make it stamp user_version inside its own transaction."""
    version = len(STEPS) + 1

    def run(db: LogDb) -> None:
        fn(db)
        # Never lower the stamp: migrations written in parallel (m005, m006) may be
        # applied in either order, and a file that had m006 first then gets m005.
        current = int(db.execute("PRAGMA user_version").fetchone()[0])
        db.execute(f"PRAGMA user_version = {max(version, current + 1)}")

    run.__name__ = fn.__name__
    STEPS[fn.__name__] = run
    return fn


@_migration
def m001_initial(db: LogDb) -> None:
    """The first schema: every table the issue lists."""
    db.executescript(
        """
        CREATE TABLE devices (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            firmware TEXT,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL
        ) STRICT;
        CREATE TABLE screenings (
            id INTEGER PRIMARY KEY,
            taken_at TEXT NOT NULL,
            taken_utc INTEGER NOT NULL,
            rules_version TEXT NOT NULL,
            answers TEXT NOT NULL,
            caps TEXT NOT NULL,
            blocks TEXT NOT NULL
        ) STRICT;
        CREATE TABLE clearances (
            id INTEGER PRIMARY KEY,
            screening_id INTEGER REFERENCES screenings(id),
            what TEXT NOT NULL,
            cleared_on TEXT NOT NULL,
            cleared_by TEXT NOT NULL,
            recorded_at TEXT NOT NULL
        ) STRICT;
        CREATE TABLE programs (
            id INTEGER PRIMARY KEY,
            key TEXT UNIQUE,
            name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
            definition TEXT NOT NULL,
            builtin INTEGER NOT NULL CHECK (builtin IN (0, 1)),
            created_at TEXT NOT NULL,
            archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1))
        ) STRICT;
        CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            program_id INTEGER NOT NULL REFERENCES programs(id),
            program_run TEXT NOT NULL,
            caps TEXT NOT NULL,
            intensity INTEGER NOT NULL,
            heat_c REAL,
            device_id TEXT REFERENCES devices(id),
            started_at TEXT NOT NULL,
            started_utc INTEGER NOT NULL,
            local_date TEXT NOT NULL,
            ended_at TEXT,
            ended_utc INTEGER,
            outcome TEXT NOT NULL CHECK (outcome IN ('running', 'completed',
                'stopped_by_user', 'interrupted_link', 'interrupted_crash', 'device_fault')),
            stop_reason TEXT
        ) STRICT;
        CREATE TABLE telemetry (
            session_id INTEGER NOT NULL REFERENCES sessions(id),
            chunk INTEGER NOT NULL,
            start_ms INTEGER NOT NULL,
            n_samples INTEGER NOT NULL,
            n_zones INTEGER NOT NULL,
            codec INTEGER NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (session_id, chunk)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE commands (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            at_utc INTEGER NOT NULL,
            device_id TEXT,
            session_id INTEGER REFERENCES sessions(id),
            command TEXT NOT NULL,
            params TEXT NOT NULL,
            result TEXT NOT NULL
        ) STRICT;
        CREATE TABLE ratings (
            id INTEGER PRIMARY KEY,
            session_id INTEGER REFERENCES sessions(id),
            kind TEXT NOT NULL CHECK (kind IN ('before', 'after', 'checkin')),
            rated_at TEXT NOT NULL,
            rated_utc INTEGER NOT NULL,
            local_date TEXT NOT NULL,
            pain INTEGER NOT NULL CHECK (pain BETWEEN 0 AND 10),
            stiffness INTEGER NOT NULL CHECK (stiffness BETWEEN 0 AND 10),
            morning_stiffness_min INTEGER CHECK (morning_stiffness_min BETWEEN 0 AND 1440),
            grip_kg REAL CHECK (grip_kg > 0 AND grip_kg <= 150),
            note TEXT,
            CHECK ((kind = 'checkin') = (session_id IS NULL))
        ) STRICT;
        CREATE UNIQUE INDEX ratings_one_per_session_kind
            ON ratings(session_id, kind) WHERE session_id IS NOT NULL;
        CREATE TABLE schedules (
            id INTEGER PRIMARY KEY,
            program_id INTEGER NOT NULL REFERENCES programs(id),
            rrule TEXT NOT NULL,
            dtstart TEXT NOT NULL,
            tzid TEXT NOT NULL,
            lead_min INTEGER NOT NULL CHECK (lead_min BETWEEN 0 AND 1440),
            enabled INTEGER NOT NULL CHECK (enabled IN (0, 1))
        ) STRICT;
        CREATE TABLE reminders (
            id INTEGER PRIMARY KEY,
            schedule_id INTEGER NOT NULL REFERENCES schedules(id),
            occurrence TEXT NOT NULL,
            occurrence_utc INTEGER NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('done', 'snoozed', 'skipped')),
            at TEXT NOT NULL,
            session_id INTEGER REFERENCES sessions(id)
        ) STRICT;
        """,
    )


@_migration
def m002_trend_indexes(db: LogDb) -> None:
    """Indexes the trend queries need to stay under 50 ms on ten years (benchmarks/)."""
    db.executescript(
        """
        CREATE INDEX ratings_by_day
            ON ratings(local_date, kind, pain, stiffness, morning_stiffness_min);
        CREATE INDEX sessions_by_start ON sessions(started_utc);
        CREATE INDEX sessions_by_day ON sessions(local_date, outcome);
        CREATE INDEX sessions_running ON sessions(outcome) WHERE outcome = 'running';
        CREATE INDEX reminders_by_occurrence ON reminders(occurrence_utc, status);
        CREATE INDEX commands_by_session ON commands(session_id);
        """,
    )


@_migration
def m003_checkins(db: LogDb) -> None:
    """The daily check-in: its answers, its 0-10 score and the caps it gave (issue 10)."""
    db.executescript(
        """
        CREATE TABLE checkins (
            id INTEGER PRIMARY KEY,
            screening_id INTEGER NOT NULL REFERENCES screenings(id),
            taken_at TEXT NOT NULL,
            taken_utc INTEGER NOT NULL,
            local_date TEXT NOT NULL,
            answers TEXT NOT NULL,
            discomfort INTEGER NOT NULL CHECK (discomfort BETWEEN 0 AND 10),
            caps TEXT NOT NULL
        ) STRICT;
        CREATE INDEX checkins_by_day ON checkins(local_date, taken_utc);
        """,
    )


@_migration
def m004_clearance_withdrawals(db: LogDb) -> None:
    """A withdrawn clearance stays in the log, marked with when it was withdrawn (issue 13)."""
    db.execute("ALTER TABLE clearances ADD COLUMN withdrawn_at TEXT")


@_migration
def m005_daily_entries(db: LogDb) -> None:
    """Daily entries with or without a session, the person's medication list, session kinds
    (issue 14).

    An entry rates what the person chose to rate: an untouched scale is NULL, never 0.
    Each check-in taken before now becomes an entry (its 0-10 discomfort is the pain
    score, its flare answer the flare), so earlier check-ins appear in the trends.
    `symptom_reports` is what the trend queries read: the ratings and the entries.
    """
    db.executescript(
        """
        CREATE TABLE medications (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(name) BETWEEN 1 AND 80),
            started_on TEXT NOT NULL,
            stopped_on TEXT,
            CHECK (stopped_on IS NULL OR stopped_on >= started_on)
        ) STRICT;
        CREATE TABLE entries (
            id INTEGER PRIMARY KEY,
            taken_at TEXT NOT NULL,
            taken_utc INTEGER NOT NULL,
            local_date TEXT NOT NULL,
            pain INTEGER CHECK (pain BETWEEN 0 AND 10),
            stiffness INTEGER CHECK (stiffness BETWEEN 0 AND 10),
            morning_stiffness_min INTEGER CHECK (morning_stiffness_min BETWEEN 0 AND 1440),
            hand TEXT CHECK (hand IN ('left', 'right', 'both')),
            flare INTEGER CHECK (flare IN (0, 1)),
            note TEXT CHECK (length(note) BETWEEN 1 AND 500),
            checkin_id INTEGER UNIQUE REFERENCES checkins(id)
        ) STRICT;
        CREATE INDEX entries_by_day
            ON entries(local_date, pain, stiffness, morning_stiffness_min, hand);
        CREATE INDEX entries_by_time ON entries(taken_utc);
        CREATE INDEX entries_flares ON entries(local_date) WHERE flare = 1;
        CREATE INDEX entries_notes ON entries(local_date) WHERE note IS NOT NULL;
        CREATE TABLE entry_zones (
            entry_id INTEGER NOT NULL REFERENCES entries(id),
            hand TEXT NOT NULL CHECK (hand IN ('left', 'right')),
            zone INTEGER NOT NULL CHECK (zone BETWEEN 0 AND 5),
            PRIMARY KEY (entry_id, hand, zone)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX entry_zones_by_zone ON entry_zones(hand, zone);
        CREATE TABLE entry_medications (
            entry_id INTEGER NOT NULL REFERENCES entries(id),
            medication_id INTEGER NOT NULL REFERENCES medications(id),
            PRIMARY KEY (entry_id, medication_id)
        ) STRICT, WITHOUT ROWID;
        ALTER TABLE sessions ADD COLUMN kind TEXT NOT NULL DEFAULT 'thenar'
            CHECK (kind IN ('thenar', 'by_hand', 'other_massager'));
        CREATE VIEW symptom_reports AS
            SELECT local_date, kind, pain, stiffness, morning_stiffness_min FROM ratings
            UNION ALL
            SELECT local_date, 'checkin', pain, stiffness, morning_stiffness_min FROM entries;
        """,
    )
    backfill_checkin_entries(db)


def backfill_checkin_entries(db: LogDb) -> int:
    """An entry for each check-in that has none (m005, and restoring an older JSON backup)."""
    cur = db.execute(
        """
        INSERT INTO entries (taken_at, taken_utc, local_date, pain, flare, checkin_id)
        SELECT c.taken_at, c.taken_utc, c.local_date, c.discomfort,
               CASE json_extract(c.answers, '$.flare') WHEN 'yes' THEN 1 WHEN 'no' THEN 0 END,
               c.id
        FROM checkins AS c
        WHERE NOT EXISTS (SELECT 1 FROM entries AS e WHERE e.checkin_id = c.id)
        ORDER BY c.taken_utc, c.id
        """
    )
    return cur.rowcount


@_migration
def m006_trials(db: LogDb) -> None:
    """The personal comparison trial (issue 16): its locked plan and its deviations.

    Independent of m005 (it touches none of its tables), so either may come first.
    Triggers make the lock the schema's promise too: once stored, a plan (seed,
    design, schedule, lock time) cannot be updated, a stop is written once, and a
    recorded deviation is never changed.
    """
    db.executescript(
        """
        CREATE TABLE trials (
            id INTEGER PRIMARY KEY,
            locked_at TEXT NOT NULL,
            seed INTEGER NOT NULL,
            design TEXT NOT NULL,
            periods TEXT NOT NULL,
            first_day TEXT NOT NULL,
            last_day TEXT NOT NULL CHECK (last_day >= first_day),
            stopped_on TEXT,
            stop_reason TEXT,
            reviewed_through TEXT
        ) STRICT;
        CREATE TRIGGER trials_plan_locked
            BEFORE UPDATE OF locked_at, seed, design, periods, first_day, last_day ON trials
            BEGIN SELECT RAISE(ABORT, 'a locked trial plan cannot change'); END;
        CREATE TRIGGER trials_stop_once
            BEFORE UPDATE OF stopped_on, stop_reason ON trials
            WHEN OLD.stopped_on IS NOT NULL
            BEGIN SELECT RAISE(ABORT, 'a stopped trial stays stopped'); END;
        CREATE TABLE trial_deviations (
            id INTEGER PRIMARY KEY,
            trial_id INTEGER NOT NULL REFERENCES trials(id),
            day TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('other_routine', 'swapped', 'no_session',
                'massage_on_rest_day', 'limits_lowered', 'noted')),
            planned TEXT NOT NULL,
            actual TEXT NOT NULL DEFAULT '',
            note TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 500),
            recorded_at TEXT NOT NULL
        ) STRICT;
        CREATE UNIQUE INDEX trial_deviations_once
            ON trial_deviations(trial_id, day, kind) WHERE kind != 'noted';
        CREATE INDEX trial_deviations_by_trial ON trial_deviations(trial_id, day);
        CREATE TRIGGER trial_deviations_kept
            BEFORE UPDATE ON trial_deviations
            BEGIN SELECT RAISE(ABORT, 'a recorded deviation cannot change'); END;
        """,
    )


@_migration
def m007_device_family(db: LogDb) -> None:
    """Which description (docs/drivers.md) a paired device matched: a restart reconnects
    to it with its own driver, without scanning for its family. Empty for older rows."""
    db.execute("ALTER TABLE devices ADD COLUMN family TEXT NOT NULL DEFAULT ''")


def _day_triggers(table: str, kind: str) -> str:
    """Triggers that keep `symptom_days` the per-day sums of `table` (`kind`: an SQL
    expression over NEW/OLD naming the row's kind): an update is a removal and an insert."""
    add = """
        INSERT INTO symptom_days (local_date, kind, n, ps, pn, ss, sn, ms, mn)
        VALUES (NEW.local_date, {kind_new}, 1, coalesce(NEW.pain, 0), NEW.pain IS NOT NULL,
                coalesce(NEW.stiffness, 0), NEW.stiffness IS NOT NULL,
                coalesce(NEW.morning_stiffness_min, 0), NEW.morning_stiffness_min IS NOT NULL)
        ON CONFLICT (local_date, kind) DO UPDATE SET
            n = n + 1, ps = ps + excluded.ps, pn = pn + excluded.pn, ss = ss + excluded.ss,
            sn = sn + excluded.sn, ms = ms + excluded.ms, mn = mn + excluded.mn;
    """.format(kind_new=kind.replace("ROW", "NEW"))
    remove = """
        UPDATE symptom_days SET
            n = n - 1, ps = ps - coalesce(OLD.pain, 0), pn = pn - (OLD.pain IS NOT NULL),
            ss = ss - coalesce(OLD.stiffness, 0), sn = sn - (OLD.stiffness IS NOT NULL),
            ms = ms - coalesce(OLD.morning_stiffness_min, 0),
            mn = mn - (OLD.morning_stiffness_min IS NOT NULL)
        WHERE local_date = OLD.local_date AND kind = {kind_old};
        DELETE FROM symptom_days WHERE local_date = OLD.local_date AND kind = {kind_old}
            AND n = 0;
    """.format(kind_old=kind.replace("ROW", "OLD"))
    columns = "local_date, pain, stiffness, morning_stiffness_min"
    if table == "ratings":
        columns += ", kind"
    return f"""
        CREATE TRIGGER {table}_days_insert AFTER INSERT ON {table}
            BEGIN {add} END;
        CREATE TRIGGER {table}_days_delete AFTER DELETE ON {table}
            BEGIN {remove} END;
        CREATE TRIGGER {table}_days_update AFTER UPDATE OF {columns} ON {table}
            BEGIN {remove} {add} END;
    """


@_migration
def m008_symptom_days(db: LogDb) -> None:
    """Per-day sums of the ratings and the daily entries, kept by triggers (issue 14).

    The trend queries read a day's sums (ratings per kind; entries as 'entry') instead
    of every rating and entry of ten years: a range's daily means come from about one
    row a day. Derived only (never exported; a restore rebuilds it as its rows go in),
    so the same numbers as `symptom_reports` (tests/data/test_symptom_days.py).
    """
    db.executescript(
        """
        CREATE TABLE symptom_days (
            local_date TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('before', 'after', 'checkin', 'entry')),
            n INTEGER NOT NULL CHECK (n >= 0),  -- 0 only between a trigger's two steps
            ps INTEGER NOT NULL, pn INTEGER NOT NULL,
            ss INTEGER NOT NULL, sn INTEGER NOT NULL,
            ms INTEGER NOT NULL, mn INTEGER NOT NULL,
            PRIMARY KEY (local_date, kind)
        ) STRICT, WITHOUT ROWID;
        INSERT INTO symptom_days (local_date, kind, n, ps, pn, ss, sn, ms, mn)
        SELECT local_date, kind, COUNT(*), coalesce(SUM(pain), 0), COUNT(pain),
               coalesce(SUM(stiffness), 0), COUNT(stiffness),
               coalesce(SUM(morning_stiffness_min), 0), COUNT(morning_stiffness_min)
        FROM ratings GROUP BY local_date, kind;
        INSERT INTO symptom_days (local_date, kind, n, ps, pn, ss, sn, ms, mn)
        SELECT local_date, 'entry', COUNT(*), coalesce(SUM(pain), 0), COUNT(pain),
               coalesce(SUM(stiffness), 0), COUNT(stiffness),
               coalesce(SUM(morning_stiffness_min), 0), COUNT(morning_stiffness_min)
        FROM entries GROUP BY local_date;
        """
        + _day_triggers("ratings", "ROW.kind")
        + _day_triggers("entries", "'entry'"),
    )


MIGRATION_NAMES = list(STEPS)  # in the order they apply
SCHEMA_VERSION = len(MIGRATION_NAMES)


def migrate(db: LogDb, *, stop_before: str | None = None) -> None:
    """Apply pending migrations, each in its own transaction, with sqlite-utils'
    `Migrations` over the same connection (loaded only when one is pending)."""
    if not pending_names(db):
        return
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

    migrations = Migrations(MIGRATION_SET)
    for name, run in STEPS.items():
        migrations(name=name)(_on(db, run))
    migrations.apply(Database(db.conn, execute_plugins=False), stop_before=stop_before)


def _on(db: LogDb, run: Callable[[LogDb], None]) -> Callable[[Database], None]:
    """`run` as sqlite-utils calls a migration; it writes through `db`, the same
    connection, so inside the transaction sqlite-utils opened for it."""

    def step(_same_connection: Database) -> None:
        run(db)

    step.__name__ = run.__name__
    return step


def applied_names(db: LogDb) -> list[str]:
    """Names of the migrations this file has had applied, in the order applied."""
    return _applied(db.conn)


def pending_names(db: LogDb) -> list[str]:
    """Names of migrations still to apply."""
    applied = set(_applied(db.conn))
    return [name for name in MIGRATION_NAMES if name not in applied]


def _applied(conn: sqlite3.Connection) -> list[str]:
    has_table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [MIGRATIONS_TABLE]
    ).fetchone()
    if not has_table:
        return []
    rows = conn.execute(
        f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ? ORDER BY rowid",
        [MIGRATION_SET],
    ).fetchall()
    return [str(r[0]) for r in rows]


def check_not_newer(conn: sqlite3.Connection) -> int:
    """Return the file's schema version; raise NewerSchemaError if this Thenar is too old.

    Reads only (user_version and the migrations table), so a refused file is untouched.
    """
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    unknown = [name for name in _applied(conn) if name not in MIGRATION_NAMES]
    if version > SCHEMA_VERSION or unknown:
        raise NewerSchemaError(
            "this health log was written by a newer version of Thenar, so this version "
            "cannot open it",
            safe="It has not been changed: your history is all in it.",
        )
    return version
