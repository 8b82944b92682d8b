"""The entries on the Progress page: each query against a plain-Python computation of the
same year of entries (both hands, days with several entries and days with none)."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from appcore.progress import Span, load_progress
from appcore.progress_entries import load_entry_progress
from data import entries
from data.db import LogDb
from data.entries import Entry, Hand, Side
from data.models import Rating, RatingKind
from data.queries import symptoms_by_day
from data.ratings import add_rating
from data.store import open_store
from tests.data.helpers import PARIS, T0

START = date(2024, 1, 1)
END = date(2024, 12, 31)


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LogDb, list[Entry]]]:
    store = open_store(tmp_path_factory.mktemp("entries") / "data", now=T0)
    db = store.db
    rng = random.Random(1414)
    entries.add_medication(db, "Paracetamol", date(2024, 3, 1))
    meds = entries.list_medications(db)
    entries.stop_medication(db, meds[0].id, date(2024, 6, 30))
    entries.add_medication(db, "Old cream", date(2023, 5, 1))  # before the range
    made: list[Entry] = []
    day = START
    while day <= END:
        for minute in sorted(rng.sample(range(6 * 60, 23 * 60), rng.choice([0, 1, 2, 2, 3]))):
            hand = rng.choice([None, Hand.LEFT, Hand.RIGHT, Hand.BOTH])
            left = frozenset(rng.sample(range(6), rng.randint(0, 2)))
            right = frozenset(rng.sample(range(6), rng.randint(0, 3)))
            entry = Entry(
                at=datetime.combine(day, time(minute // 60, minute % 60), PARIS),
                pain=rng.choice([None, *range(11)]),
                stiffness=rng.choice([None, *range(11)]),
                morning_stiffness_min=rng.choice([None, 0, 10, 30, 90]),
                hand=hand,
                left_zones=left if hand in (Hand.LEFT, Hand.BOTH) else frozenset(),
                right_zones=right if hand in (Hand.RIGHT, Hand.BOTH) else frozenset(),
                flare=rng.choice([None, False, False, True]),
                note=rng.choice([None, None, "woke stiff"]),
            )
            if entry.empty:
                continue
            entries.record_entry(db, entry)
            made.append(entry)
        day += timedelta(days=1)
    yield db, made
    store.close()


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def test_morning_stiffness_by_day_and_week(year: tuple[LogDb, list[Entry]]) -> None:
    db, made = year
    by_day: dict[date, list[int]] = defaultdict(list)
    for e in made:
        if e.morning_stiffness_min is not None:
            by_day[e.at.date()].append(e.morning_stiffness_min)
    daily = {d: _mean([float(v) for v in vs]) for d, vs in by_day.items()}
    got = entries.morning_stiffness(db, START, END)
    assert [v.day for v in got] == sorted(daily)
    assert [v.value for v in got] == pytest.approx([daily[d] for d in sorted(daily)])
    weeks: dict[date, list[float]] = defaultdict(list)
    for d, v in daily.items():
        weeks[d - timedelta(days=d.weekday())].append(v)
    weekly = entries.morning_stiffness(db, START, END, weekly=True)
    assert {v.day: v.value for v in weekly} == pytest.approx(
        {w: _mean(vs) for w, vs in weeks.items()}
    )


@pytest.mark.parametrize("side", list(Side))
def test_pain_by_hand(year: tuple[LogDb, list[Entry]], side: Side) -> None:
    db, made = year
    by_day: dict[date, list[int]] = defaultdict(list)
    for e in made:
        if e.pain is not None and e.hand in (side.value, Hand.BOTH):
            by_day[e.at.date()].append(e.pain)
    got = entries.pain_by_hand(db, side, START, END)
    assert {v.day: v.value for v in got} == pytest.approx(
        {d: _mean([float(p) for p in ps]) for d, ps in by_day.items()}
    )
    assert entries.hands_tracked_apart(db, START, END)


def test_zone_counts_in_a_range(year: tuple[LogDb, list[Entry]]) -> None:
    db, made = year
    lo, hi = date(2024, 2, 10), date(2024, 5, 20)
    inside = [e for e in made if lo <= e.at.date() <= hi]
    got = entries.zone_counts(db, lo, hi)
    for side in Side:
        about = [e for e in inside if e.hand in (side.value, Hand.BOTH)]
        assert got.of[side] == len(about)
        expected: dict[int, int] = defaultdict(int)
        for e in inside:
            for z in e.left_zones if side is Side.LEFT else e.right_zones:
                expected[z] += 1
        assert got.counts[side] == dict(expected)


def test_marks_flares_medications_and_notes(year: tuple[LogDb, list[Entry]]) -> None:
    db, made = year
    lo, hi = date(2024, 6, 1), date(2024, 7, 31)
    got = entries.marks(db, lo, hi)
    inside = [e for e in made if lo <= e.at.date() <= hi]
    flares = sorted({e.at.date() for e in inside if e.flare})
    assert [m.day for m in got if m.kind == "flare"] == flares
    assert [(m.day, m.text) for m in got if m.kind == "medication"] == [
        (date(2024, 6, 30), "stopped Paracetamol")
    ]
    note_days = sorted({e.at.date() for e in inside if e.note})
    assert [m.day for m in got if m.kind == "note"] == note_days  # one mark a day
    per_day = [sum(1 for e in inside if e.note and e.at.date() == d) for d in note_days]
    assert [m.text for m in got if m.kind == "note"] == [
        f"{n} note{'s' if n != 1 else ''}" for n in per_day
    ]
    newest = entries.latest_notes(db, lo, hi, 4)
    assert [m.day for m in newest] == sorted([e.at.date() for e in inside if e.note], reverse=True)[
        :4
    ]
    assert entries.note_count(db, lo, hi) == sum(per_day)
    assert [m.day for m in got] == sorted(m.day for m in got)


def test_entries_count_in_the_trends_and_unrated_scales_do_not(tmp_path: Path) -> None:
    with open_store(tmp_path / "data", now=T0) as store:
        db = store.db
        day = T0.date()
        entries.record_entry(db, Entry(at=T0, stiffness=8))  # pain not rated
        entries.record_entry(db, Entry(at=T0 + timedelta(hours=2), pain=2, stiffness=4))
        add_rating(db, Rating(T0 + timedelta(hours=3), 6, 6), kind=RatingKind.CHECKIN)
        (d,) = symptoms_by_day(db, day, day, kinds=[RatingKind.CHECKIN, RatingKind.BEFORE])
        assert d.n == 3
        assert d.pain == pytest.approx((2 + 6) / 2)  # not (0 + 2 + 6) / 3
        assert d.stiffness == pytest.approx((8 + 4 + 6) / 3)
        entries.record_entry(db, Entry(at=T0 + timedelta(days=1), stiffness=1))
        (only,) = symptoms_by_day(db, day + timedelta(days=1), day + timedelta(days=1))
        assert only.pain is None
        data = load_progress(db, Span.WEEKS_4, day + timedelta(days=1))
        assert [p.day for p in data.pain.points] == [day]
        assert [p.day for p in data.stiffness.points] == [day, day + timedelta(days=1)]
        assert data.first_day == day


def test_entry_progress_in_words(year: tuple[LogDb, list[Entry]]) -> None:
    db, made = year
    lo, hi = date(2024, 6, 1), date(2024, 6, 30)
    got = load_entry_progress(db, lo, hi, weekly=False, format_date=lambda d: d.isoformat())
    inside = [e for e in made if lo <= e.at.date() <= hi]
    assert got.apart
    assert got.sentences[0].startswith("Morning stiffness: ")
    assert f"Flares on {len({e.at.date() for e in inside if e.flare})} days." in got.sentences
    assert "Medication changes: stopped Paracetamol on 2024-06-30." in got.sentences
    assert f"Notes in this range: {sum(1 for e in inside if e.note)}." in got.sentences
    assert any(s.startswith("Where it hurt most often: the ") for s in got.sentences)
    empty = load_entry_progress(db, date(2020, 1, 1), date(2020, 1, 28), weekly=False)
    assert not empty.apart
    assert empty.sentences == ["No morning stiffness recorded in this range."]
    assert empty.morning.points == []
