"""Trials in the log: a locked plan the schema keeps locked, deviations kept, backups carry them."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta

import pytest

from data import dump, schema, trials
from data.db import LogDb
from data.errors import InvalidInputError
from data.models import SessionKind, SessionStart
from data.programs import ensure_builtin
from data.sessions import start_session
from data.store import open_memory
from data.tx import translate
from tests.data.helpers import T0

DESIGN = {"arm_a": "arthritis_morning", "arm_b": "no_massage", "pairs": 2}
PERIODS = [{"pair": 0, "arm": "no_massage", "first": "2024-03-04", "days": 3}]
FIRST, LAST = date(2024, 3, 4), date(2024, 3, 15)


def lock(db: LogDb, first: date = FIRST, last: date = LAST) -> int:
    return trials.lock_trial(
        db, locked_at=T0, seed=42, design=DESIGN, periods=PERIODS, first_day=first, last_day=last
    )


def test_a_locked_plan_reads_back_exactly(db: LogDb) -> None:
    trial_id = lock(db)
    record = trials.get_trial(db, trial_id)
    assert (record.seed, record.design, record.periods) == (42, DESIGN, PERIODS)
    assert (record.first_day, record.last_day, record.locked_at) == (FIRST, LAST, T0)
    assert record.stopped_on is None
    assert trials.latest_trial(db) == record


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("seed", 7),
        ("design", "{}"),
        ("periods", "[]"),
        ("first_day", "2024-03-05"),
        ("last_day", "2024-04-01"),
        ("locked_at", "2024-03-02T08:00:00+01:00"),
    ],
)
def test_the_schema_refuses_any_change_to_a_locked_plan(
    db: LogDb, column: str, value: object
) -> None:
    trial_id = lock(db)
    before = trials.get_trial(db, trial_id)
    with pytest.raises(sqlite3.IntegrityError, match="locked trial plan cannot change") as exc:
        db.execute(f"UPDATE trials SET {column} = ? WHERE id = ?", [value, trial_id])
    assert isinstance(translate(exc.value), InvalidInputError)  # words for the person
    assert trials.get_trial(db, trial_id) == before


def test_one_trial_at_a_time_and_a_stop_is_final(db: LogDb) -> None:
    trial_id = lock(db)
    with pytest.raises(InvalidInputError, match="already running"):
        lock(db, first=LAST)
    trials.stop_trial(db, trial_id, date(2024, 3, 8), "stopped by you")
    with pytest.raises(InvalidInputError, match="stays stopped"):
        trials.stop_trial(db, trial_id, date(2024, 3, 9), "again")
    assert trials.get_trial(db, trial_id).stopped_on == date(2024, 3, 8)
    assert lock(db, first=date(2024, 3, 9), last=date(2024, 3, 30)) == trial_id + 1


def test_deviations_are_recorded_once_and_never_changed(db: LogDb) -> None:
    trial_id = lock(db)
    kw = {"day": FIRST, "planned": "arthritis_morning", "recorded_at": T0}
    assert trials.add_deviation(db, trial_id, kind="no_session", **kw)
    assert not trials.add_deviation(db, trial_id, kind="no_session", **kw)  # once per kind
    assert trials.add_deviation(db, trial_id, kind="noted", note="a cold day", **kw)
    assert trials.add_deviation(db, trial_id, kind="noted", note="and tired", **kw)
    assert [d.kind for d in trials.deviations(db, trial_id)] == ["no_session", "noted", "noted"]
    with pytest.raises(sqlite3.IntegrityError, match="cannot change"):
        db.execute("UPDATE trial_deviations SET kind = 'swapped'")
    with pytest.raises(InvalidInputError, match="not a kind of deviation"):
        trials.add_deviation(db, trial_id, kind="made_up", **kw)  # type: ignore[arg-type]
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):  # the schema's last defence
        db.execute(
            "INSERT INTO trial_deviations (trial_id, day, kind, planned, recorded_at) "
            "VALUES (?, '2024-03-04', 'made_up', 'a', 'x')",
            [trial_id],
        )
    with pytest.raises(InvalidInputError, match="at most 500"):
        trials.add_deviation(db, trial_id, kind="noted", note="x" * 501, **kw)  # type: ignore[arg-type]


def test_the_days_reviewed_only_move_forward(db: LogDb) -> None:
    trial_id = lock(db)
    trials.mark_reviewed(db, trial_id, date(2024, 3, 6))
    trials.mark_reviewed(db, trial_id, date(2024, 3, 5))
    assert trials.get_trial(db, trial_id).reviewed_through == date(2024, 3, 6)


def test_routines_run_by_day(db: LogDb) -> None:
    morning = ensure_builtin(db, "routine:arthritis_morning", "Morning ease", {}, created_at=T0)
    other = ensure_builtin(db, "technique:effleurage", "Light waves", {}, created_at=T0)
    for pid, at in (
        (morning, T0),
        (other, T0 + timedelta(days=1)),
        (morning, T0 + timedelta(days=1)),
    ):
        start_session(db, SessionStart(pid, {}, {}, 5, None, at))
    assert trials.routines_run(db, T0.date(), T0.date() + timedelta(days=3)) == {
        T0.date(): ["arthritis_morning"],
        T0.date() + timedelta(days=1): ["technique:effleurage", "arthritis_morning"],
    }
    # a routine followed by hand, or another massager, is not the routine on the massager
    day3 = T0 + timedelta(days=3)
    start_session(db, SessionStart(morning, {}, {}, 5, None, day3, kind=SessionKind.BY_HAND))
    massager = ensure_builtin(db, "other_massager", "Another massager", {}, created_at=T0)
    start_session(
        db, SessionStart(massager, {}, {}, 5, None, day3, kind=SessionKind.OTHER_MASSAGER)
    )
    assert trials.routines_run(db, day3.date(), day3.date()) == {
        day3.date(): ["by_hand:arthritis_morning", "other_massager"]
    }


def test_the_deviation_kinds_agree_with_the_domain(db: LogDb) -> None:
    from therapy.trial import DeviationKind

    assert set(trials.KINDS) == {k.value for k in DeviationKind}
    (sql,) = db.execute("SELECT sql FROM sqlite_master WHERE name = 'trial_deviations'").fetchone()
    for kind in trials.KINDS:
        assert f"'{kind}'" in sql


def test_a_json_backup_carries_trials_and_deviations(db: LogDb) -> None:
    trial_id = lock(db)
    trials.stop_trial(db, trial_id, date(2024, 3, 8), "stopped by you")
    trials.add_deviation(db, trial_id, day=FIRST, kind="no_session", planned="a", recorded_at=T0)
    text = dump.export_json(db)
    empty = open_memory()
    dump.import_json(empty, text)
    assert trials.get_trial(empty, trial_id) == trials.get_trial(db, trial_id)
    assert trials.deviations(empty, trial_id) == trials.deviations(db, trial_id)


def test_a_backup_from_before_trials_restores_with_none(db: LogDb) -> None:
    document = json.loads(dump.export_json(db))
    for table in ("trials", "trial_deviations"):
        del document["tables"][table]
    document["schema_version"] = schema.MIGRATION_NAMES.index("m006_trials")  # the one before
    empty = open_memory()
    dump.import_json(empty, json.dumps(document))
    assert trials.latest_trial(empty) is None


def test_m006_applies_before_or_after_m005() -> None:
    """Migrations written in parallel may reach a file in either order: a file that got
    m006 first (as the fifth) then gets m005, and its stamp ends at the full count."""
    db = LogDb(sqlite3.connect(":memory:"))
    schema.migrate(db, stop_before="m005_daily_entries")
    with db.atomic():
        schema.STEPS["m006_trials"](db)
        db.execute("PRAGMA user_version = 5")  # what m006 stamped when it was the fifth
    db.execute(
        f"INSERT INTO {schema.MIGRATIONS_TABLE} (migration_set, name, applied_at) "
        "VALUES (?, 'm006_trials', '2026-01-01')",
        [schema.MIGRATION_SET],
    )
    later = schema.MIGRATION_NAMES[schema.MIGRATION_NAMES.index("m006_trials") + 1 :]
    assert schema.pending_names(db) == ["m005_daily_entries", *later]
    schema.migrate(db)
    assert db.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    assert schema.pending_names(db) == []
    # and the usual order stamps the same
    fresh = LogDb(sqlite3.connect(":memory:"))
    schema.migrate(fresh)
    assert fresh.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
