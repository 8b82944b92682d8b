"""The Progress model without a display: series, sentences, program notes, exports."""

from __future__ import annotations

import csv
import io
import os
import stat
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from appcore.exports import ExportKind, export_error_message, export_table
from appcore.progress import (
    SMALL_N,
    AdherenceBar,
    Span,
    adherence_sentence,
    compare_sentence,
    load_progress,
    program_row,
    span_start,
    streak_sentence,
)
from data import programs, ratings, schedules
from data.db import LogDb
from data.models import Outcome, Rating, RatingKind, ReminderStatus, SessionStart
from data.sessions import finish_session, start_session
from data.stats import MeanCI, mean_ci_from_sums

PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2024, 3, 31)  # a Sunday: the 4 weeks are 4 whole Monday-Sunday weeks


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=PARIS)


def add_session(
    db: LogDb, program_id: int, day: date, before: int, after: int, sched: int | None = None
) -> int:
    start = at(day, 9)
    sid = start_session(db, SessionStart(program_id, {}, {}, 3, None, start))
    ratings.add_rating(db, Rating(start, before, before), kind=RatingKind.BEFORE, session_id=sid)
    finish_session(db, sid, Outcome.COMPLETED, ended_at=start + timedelta(minutes=15))
    later = start + timedelta(minutes=16)
    ratings.add_rating(db, Rating(later, after, after), kind=RatingKind.AFTER, session_id=sid)
    if sched is not None:
        occurrence = at(day, 9)
        schedules.record_reminder(
            db, sched, occurrence, ReminderStatus.DONE, at=start, session_id=sid
        )
    return sid


@pytest.fixture
def filled(db: LogDb) -> LogDb:
    """Eight weeks of check-ins: pain 5 then pain 3; three sessions in the last week."""
    first = TODAY - timedelta(days=55)
    for i in range(56):
        day = first + timedelta(days=i)
        pain = 5 if i < 28 else 3
        ratings.add_checkin(db, Rating(at(day, 7), pain, pain - 1))
    pid = programs.save_program(db, "Gentle wave", {}, created_at=at(first, 6))
    sched = schedules.add_schedule(
        db,
        program_id=pid,
        rrule_text="FREQ=DAILY;BYHOUR=9;BYMINUTE=0",
        dtstart=at(TODAY - timedelta(days=13), 9),
    )
    for i, (before, after) in enumerate([(6, 4), (5, 4), (7, 4)]):
        add_session(db, pid, TODAY - timedelta(days=2 - i), before, after, sched)
    return db


def test_empty_log_says_what_to_do(db: LogDb) -> None:
    data = load_progress(db, Span.WEEKS_4, TODAY)
    assert data.empty
    assert data.pain.points == []
    assert data.programs == []
    assert data.streak == 0
    assert data.summary[0].startswith("No ratings yet")
    assert any("No sessions are scheduled" in line for line in data.summary)


def test_four_weeks_compares_with_the_four_before(filled: LogDb) -> None:
    data = load_progress(filled, Span.WEEKS_4, TODAY)
    assert data.start == TODAY - timedelta(days=27)
    assert data.end == TODAY
    assert data.bucket == "day"
    assert data.line_label == "7-day average"
    assert len(data.pain.points) == 28
    # The session's "before" ratings (6, 5, 7) join the check-in (3) that day: (3+6)/2 etc.
    assert data.pain.points[-3].value == pytest.approx(4.5)
    # After-session ratings (4) are not part of the trend.
    assert all(p.value != 4 for p in data.pain.points[:-3])
    # The 7-day mean on the first day reaches back into the four weeks before.
    assert len(data.pain.segments) == 1
    assert data.pain.segments[0][0].value == pytest.approx((6 * 5 + 3) / 7)
    assert [m.count for m in data.sessions] == [1, 1, 1]
    pain_line = data.summary[0]
    assert pain_line.startswith("Your average pain over the last 4 weeks was 3.")
    assert pain_line.endswith("down from 5.0 in the 4 weeks before.")
    assert "Sessions in this range: 3." in data.summary
    assert data.streak == 3
    assert data.summary[-1] == "Streak: 3 days in a row with a completed session."


def test_program_effect_with_small_n_says_so(filled: LogDb) -> None:
    (row,) = load_progress(filled, Span.WEEKS_4, TODAY).programs
    assert row.pain.n == 3
    assert row.pain.mean == pytest.approx(-2.0)
    assert row.sentence.startswith("Gentle wave: right after a session, pain was 2.0 lower")
    assert "(3 sessions)" in row.sentence
    assert row.note.startswith("Only 3 sessions rated before and after")
    assert "first impression" in row.note
    for word in ("treat", "cure", "heal", "therapy"):
        assert word not in row.sentence.lower()


def test_adherence_counts_full_weeks(filled: LogDb) -> None:
    data = load_progress(filled, Span.WEEKS_4, TODAY)
    assert data.adherence_bucket == "week"
    assert sum(b.scheduled for b in data.adherence) == 14  # daily, from 13 days ago
    assert [b.done for b in data.adherence[-2:]] == [0, 3]
    # This week is not over until tonight: only full weeks are counted in words.
    assert data.summary[-2] == (
        "You kept 0 of 7 scheduled sessions (0%) in the full weeks of this range."
    )


def test_ranges_reach_back_and_all_starts_at_the_first_rating(filled: LogDb) -> None:
    first = TODAY - timedelta(days=55)
    assert span_start(Span.MONTHS_3, TODAY, first) == TODAY - timedelta(days=90)
    assert span_start(Span.YEAR_1, TODAY, first) == TODAY - timedelta(days=364)
    assert span_start(Span.ALL, TODAY, None) == TODAY
    data = load_progress(filled, Span.ALL, TODAY, format_date=lambda d: d.isoformat())
    assert data.start == first
    assert data.bucket == "day"
    assert data.summary[0].startswith(f"Since your first rating on {first.isoformat()}")
    assert "in your first 4 weeks" in data.summary[1]
    three = load_progress(filled, Span.MONTHS_3, TODAY)
    assert len(three.pain.points) == 56
    assert three.summary[0].endswith("no ratings in the 3 months before to compare with.")


def test_years_of_history_zoom_out_to_weeks_and_months(tmp_path: Path) -> None:
    from benchmarks.history import generate
    from data.store import open_store

    end = date(2025, 12, 31)
    generate(tmp_path / "h", years=3, end=end)
    with open_store(tmp_path / "h", daily_backup=False) as store:
        data = load_progress(store.db, Span.ALL, end)
        year = load_progress(store.db, Span.YEAR_1, end)
    assert data.bucket == "week"
    assert data.line_label == "3-month average"
    assert 150 <= len(data.pain.points) <= 160
    assert data.adherence_bucket == "month"
    assert 35 <= len(data.adherence) <= 37
    assert all(0 <= p.value <= 10 for p in data.pain.points)
    assert year.bucket == "day"
    assert len(year.pain.points) == 365
    assert len(data.programs) == 5
    assert all(r.pain.n >= SMALL_N for r in data.programs)
    assert all("Only" not in r.note for r in data.programs)


def test_compare_sentence_wording() -> None:
    a, b = "over the last 4 weeks", "in the 4 weeks before"
    assert compare_sentence("pain", 3.44, 4.6, a, b) == (
        "Your average pain over the last 4 weeks was 3.4 out of 10, down from 4.6 "
        "in the 4 weeks before."
    )
    assert ", up from 2.0" in compare_sentence("pain", 3.0, 2.0, a, b)
    assert ", the same as in the 4 weeks before." in compare_sentence("pain", 3.02, 2.98, a, b)
    assert compare_sentence("pain", None, 2.0, a, b) == "No pain ratings over the last 4 weeks."
    assert "no ratings in the 4 weeks before" in compare_sentence("pain", 3.0, None, a, b)


def mean_ci(values: list[float]) -> MeanCI:
    return mean_ci_from_sums(len(values), sum(values), sum(v * v for v in values))


def test_program_notes_are_honest_about_uncertainty() -> None:
    one = program_row("Kneading", MeanCI(1, -1.0, None, None), MeanCI(1, 0.0, None, None))
    assert "too few to give a range" in one.note
    assert "stiffness no different" in one.sentence
    assert "(1 session)" in one.sentence
    wide = mean_ci([-2.0, 1.0] * 10)
    row = program_row("Warm", wide, wide)
    assert wide.low is not None
    assert wide.low < 0 < (wide.high or 0)
    assert row.note.endswith("which includes no change.")
    assert "\u2212" in row.note  # a true minus sign, easier to read
    clear = mean_ci([-2.0, -1.0] * 10)
    assert program_row("Wave", clear, clear).note.startswith("95% range for the pain change:")


def test_adherence_and_streak_sentences() -> None:
    monday = date(2024, 3, 25)
    assert "No sessions are scheduled" in adherence_sentence([], "week", monday)
    now = [AdherenceBar(monday, 7, 1)]
    assert "starts this week" in adherence_sentence(now, "week", monday)
    bars = [AdherenceBar(monday - timedelta(days=7), 7, 6), *now]
    assert adherence_sentence(bars, "week", monday + timedelta(days=1)) == (
        "You kept 6 of 7 scheduled sessions (86%) in the full weeks of this range."
    )
    assert streak_sentence(0).startswith("No current streak")
    assert streak_sentence(1) == "Streak: 1 day with a completed session."


def test_table_exports_are_private_and_parse(filled: LogDb, tmp_path: Path) -> None:
    now = at(TODAY, 12)
    sessions = export_table(filled, ExportKind.SESSIONS_CSV, tmp_path / "s.csv", now)
    rows = list(csv.DictReader(io.StringIO(sessions.read_text(encoding="utf-8"))))
    assert len(rows) == 3
    assert rows[0]["program"] == "Gentle wave"
    assert stat.S_IMODE(os.stat(sessions).st_mode) == 0o600
    fhir_path = export_table(filled, ExportKind.FHIR, tmp_path / "b.json", now)
    assert '"resourceType": "Bundle"' in fhir_path.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="not a table export"):
        export_table(filled, ExportKind.PDF, tmp_path / "r.pdf", now)


def test_export_errors_say_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    text = export_error_message(PermissionError(13, "denied"), path)
    assert "not allowed to write there" in text
    assert "Choose another folder" in text
    assert "does not exist" in export_error_message(FileNotFoundError(2, "gone"), path)
    assert "disk is full" in export_error_message(OSError(28, "full"), path)
    assert ExportKind.PDF.default_name(TODAY) == "thenar-report-2024-03-31.pdf"
