"""The per-day sums (`symptom_days`, m008) stay exactly the sums of the ratings and entries
in the log, whatever order ratings and entries are added, corrected, moved to another day
and deleted in (a hypothesis state machine on a real SQLite log), and the migration
builds them for a log that already had rows."""

from __future__ import annotations

from datetime import datetime, timedelta

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from data import dump, entries, programs, queries, ratings, schema
from data.db import LogDb
from data.entries import Entry
from data.models import Rating, RatingKind, SessionStart
from data.sessions import start_session
from data.store import open_memory
from tests.data.helpers import PARIS

DAY0 = datetime(2024, 3, 1, 9, 0, tzinfo=PARIS)
FRESH = """
    SELECT local_date, kind, COUNT(*), coalesce(SUM(pain), 0), COUNT(pain),
           coalesce(SUM(stiffness), 0), COUNT(stiffness),
           coalesce(SUM(morning_stiffness_min), 0), COUNT(morning_stiffness_min)
    FROM ratings GROUP BY local_date, kind
    UNION ALL
    SELECT local_date, 'entry', COUNT(*), coalesce(SUM(pain), 0), COUNT(pain),
           coalesce(SUM(stiffness), 0), COUNT(stiffness),
           coalesce(SUM(morning_stiffness_min), 0), COUNT(morning_stiffness_min)
    FROM entries GROUP BY local_date
"""
KEPT = "SELECT local_date, kind, n, ps, pn, ss, sn, ms, mn FROM symptom_days"


def sums(db: LogDb, sql: str) -> list[tuple[object, ...]]:
    return sorted(tuple(r) for r in db.execute(sql).fetchall())


scores = st.none() | st.integers(0, 10)
days = st.integers(0, 4)  # a few days, so rows often share one


class SymptomDays(RuleBasedStateMachine):
    entry_ids = Bundle("entry_ids")
    rating_ids = Bundle("rating_ids")

    def __init__(self) -> None:
        super().__init__()
        self.db = open_memory()
        program = programs.save_program(self.db, "Gentle wave", {"steps": []}, created_at=DAY0)
        self.program = program

    @rule(target=entry_ids, day=days, pain=scores, stiffness=scores)
    def add_entry(self, day: int, pain: int | None, stiffness: int | None) -> int:
        return entries.record_entry(
            self.db, Entry(at=DAY0 + timedelta(days=day), pain=pain, stiffness=stiffness, note="n")
        )

    @rule(entry_id=entry_ids, day=days, pain=scores, minutes=st.none() | st.integers(0, 90))
    def correct_entry(self, entry_id: int, day: int, pain: int | None, minutes: int | None) -> None:
        if self._gone("entries", entry_id):
            return
        at = DAY0 + timedelta(days=day)
        entries.correct_entry(
            self.db, entry_id, Entry(at=at, pain=pain, morning_stiffness_min=minutes, note="c")
        )

    @rule(entry_id=entry_ids)
    def delete_entry(self, entry_id: int) -> None:
        if not self._gone("entries", entry_id):
            entries.delete_entry(self.db, entry_id)

    @rule(target=rating_ids, day=days, pain=st.integers(0, 10), kind=st.sampled_from(RatingKind))
    def add_rating(self, day: int, pain: int, kind: RatingKind) -> int:
        at = DAY0 + timedelta(days=day)
        if kind is RatingKind.CHECKIN:
            return ratings.add_checkin(self.db, Rating(at, pain, 10 - pain))
        session = start_session(self.db, SessionStart(self.program, {}, {}, 3, None, at))
        return ratings.add_rating(self.db, Rating(at, pain, 3), kind=kind, session_id=session)

    @rule(rating_id=rating_ids, day=days, pain=st.integers(0, 10))
    def change_rating(self, rating_id: int, day: int, pain: int) -> None:
        """No screen changes a rating; the schema must still keep its sums if a repair does."""
        local = (DAY0 + timedelta(days=day)).date().isoformat()
        with self.db.conn:
            self.db.execute(
                "UPDATE ratings SET pain = ?, local_date = ? WHERE id = ?", [pain, local, rating_id]
            )

    @rule(rating_id=rating_ids)
    def delete_rating(self, rating_id: int) -> None:
        with self.db.conn:
            self.db.execute("DELETE FROM ratings WHERE id = ?", [rating_id])

    def _gone(self, table: str, row_id: int) -> bool:
        return self.db.execute(f"SELECT 1 FROM {table} WHERE id = ?", [row_id]).fetchone() is None

    @invariant()
    def the_sums_are_the_logs(self) -> None:
        assert sums(self.db, KEPT) == sums(self.db, FRESH)

    @invariant()
    def the_daily_means_are_the_views(self) -> None:
        """What the trend queries read equals the plain view over both tables."""
        lo, hi = DAY0.date(), (DAY0 + timedelta(days=4)).date()
        got = queries.period_means(self.db, lo, hi, kinds=(RatingKind.CHECKIN, RatingKind.BEFORE))
        row = self.db.execute(
            "SELECT COUNT(*), AVG(p), AVG(s) FROM (SELECT AVG(pain) AS p, AVG(stiffness) AS s "
            "FROM symptom_reports WHERE kind IN ('checkin', 'before') GROUP BY local_date)"
        ).fetchone()
        assert got == (row[0], row[1], row[2])


SymptomDays.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestSymptomDays = SymptomDays.TestCase


def test_the_migration_sums_a_log_that_already_had_rows() -> None:
    db = open_memory()
    with db.conn:
        db.execute("DROP TABLE symptom_days")  # as a log from before m008 had it
        for name in ("ratings", "entries"):
            for what in ("insert", "delete", "update"):
                db.execute(f"DROP TRIGGER {name}_days_{what}")
    for day in range(3):
        entries.record_entry(db, Entry(at=DAY0 + timedelta(days=day), pain=day, stiffness=2))
        ratings.add_checkin(db, Rating(DAY0 + timedelta(days=day), 5, 4))
    schema.m008_symptom_days(db)
    assert sums(db, KEPT) == sums(db, FRESH)
    assert len(sums(db, KEPT)) == 6


def test_a_json_backup_leaves_the_sums_out_and_a_restore_rebuilds_them() -> None:
    db = open_memory()
    for day in range(3):
        entries.record_entry(db, Entry(at=DAY0 + timedelta(days=day), pain=day, stiffness=2))
        ratings.add_checkin(db, Rating(DAY0 + timedelta(days=day), 5, 4))
    assert "symptom_days" not in dump.TABLES  # derived: never exported
    again = open_memory()
    dump.import_json(again, dump.export_json(db))
    assert sums(again, KEPT) == sums(again, FRESH) == sums(db, KEPT)
