"""The Progress queries on a real log file of generated years (sessions, check-ins,
reminders kept and skipped, schedules across clock changes), checked against their
definitions computed plainly from the rows, for each range the page offers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from appcore.progress import Span, span_start
from benchmarks.history import generate
from data.db import LogDb
from data.queries import adherence_by_week, first_rating_day, program_effects
from data.stats import MeanCI, mean_ci_from_sums
from data.store import open_store
from tests.data.test_data_queries import plain_adherence

END = date(2025, 12, 31)


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LogDb]:
    folder: Path = tmp_path_factory.mktemp("history") / "log"
    generate(folder, years=3, end=END)
    with open_store(folder, daily_backup=False) as store:
        yield store.db


def ranges(db: LogDb) -> list[tuple[date, date]]:
    first = first_rating_day(db)
    out = [(span_start(span, END, first), END) for span in Span]
    out.append((END - timedelta(days=700), END - timedelta(days=400)))  # a year back
    return out


def test_there_is_something_to_count(log: LogDb) -> None:
    kept = log.execute("SELECT COUNT(*) FROM reminders WHERE status = 'done'").fetchone()[0]
    assert kept > 500
    assert log.execute("SELECT COUNT(*) FROM schedules WHERE enabled = 1").fetchone()[0] > 0


def test_adherence_is_the_plain_count_for_every_range(log: LogDb) -> None:
    for start, end in ranges(log):
        got = [(w.week_start, w.scheduled, w.done) for w in adherence_by_week(log, start, end)]
        assert got == plain_adherence(log, start, end), (start, end)


def test_program_effects_are_the_plain_means_for_every_range(log: LogDb) -> None:
    for start, _end in ranges(log):
        for since in (start, None):
            changes: dict[int, tuple[list[float], list[float]]] = {}
            for program_id, b_pain, a_pain, b_stiff, a_stiff in log.execute(
                "SELECT s.program_id, b.pain, a.pain, b.stiffness, a.stiffness "
                "FROM sessions AS s JOIN ratings AS b ON b.session_id = s.id "
                "JOIN ratings AS a ON a.session_id = s.id "
                "WHERE b.kind = 'before' AND a.kind = 'after' AND b.local_date >= ?",
                [(since or date.min).isoformat()],
            ):
                pain, stiff = changes.setdefault(program_id, ([], []))
                pain.append(a_pain - b_pain)
                stiff.append(a_stiff - b_stiff)
            got = {e.program_id: e for e in program_effects(log, since=since)}
            assert sorted(got) == sorted(changes)
            for program_id, (pain, stiff) in changes.items():
                assert got[program_id].pain == plain_ci(pain), since
                assert got[program_id].stiffness == plain_ci(stiff), since


def plain_ci(changes: list[float]) -> MeanCI:
    return mean_ci_from_sums(len(changes), sum(changes), sum(x * x for x in changes))
