"""Daily entries in the real log: round trips, refusals that store nothing, per-day outcomes,
the m005 migration and JSON backups (issue 14)."""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data import checkins, dump, entries, programs, schema, screenings, sessions
from data.db import LogDb
from data.entries import Entry, Hand
from data.errors import InvalidInputError, NotFoundError
from data.models import SessionStart
from data.store import open_memory, open_store
from massage import ZONE_COUNT
from tests.data.helpers import PARIS, T0

ALL_TABLES = ("entries", "entry_zones", "entry_medications", "medications", "checkins")


@pytest.fixture
def log(tmp_path: Path) -> Iterator[LogDb]:
    """A real log file, as the app opens it."""
    store = open_store(tmp_path / "data", now=T0)
    yield store.db
    store.close()


def counts(db: LogDb) -> dict[str, int]:
    return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ALL_TABLES}


MEDS = ("Paracetamol", "Ibuprofen gel", "Naproxène 250 mg", "💊 vitamin D")
scores = st.none() | st.integers(0, 10)
zones = st.frozensets(st.integers(0, ZONE_COUNT - 1))
notes = st.none() | st.text(min_size=1, max_size=entries.NOTE_MAX_CHARS).filter(
    lambda t: (
        t.strip() != ""
        and all(c in "\n\t" or not (ord(c) < 32 or 0x7F <= ord(c) < 0xA0) for c in t)
        and not any(0xD800 <= ord(c) <= 0xDFFF for c in t)
    )
)


@st.composite
def entry_values(draw: st.DrawFn) -> Entry:
    hand = draw(st.none() | st.sampled_from(list(Hand)))
    left = draw(zones) if hand in (Hand.LEFT, Hand.BOTH) else frozenset()
    right = draw(zones) if hand in (Hand.RIGHT, Hand.BOTH) else frozenset()
    at = datetime(2020, 1, 1, tzinfo=PARIS) + timedelta(
        minutes=draw(st.integers(0, 60 * 24 * 3650))
    )
    try:
        return Entry(
            at=at,
            pain=draw(scores),
            stiffness=draw(scores),
            morning_stiffness_min=draw(st.none() | st.integers(0, 1440)),
            hand=hand,
            left_zones=left,
            right_zones=right,
            flare=draw(st.none() | st.booleans()),
            note=draw(notes),
            medications=draw(st.frozensets(st.sampled_from(MEDS))),
        )
    except InvalidInputError:  # all empty: not an entry (tested below)
        return Entry(at=at, pain=draw(st.integers(0, 10)))


def test_any_entry_comes_back_exactly_as_it_went_in(log: LogDb) -> None:
    for name in MEDS:
        entries.add_medication(log, name, date(2019, 1, 1))

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(entry_values())
    def round_trip(entry: Entry) -> None:
        entry_id = entries.record_entry(log, entry)
        assert entries.get_entry(log, entry_id).entry == entry
        day = entries.entries_on(log, entry.at.date())
        assert entry in [r.entry for r in day]

    round_trip()


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"note": ""}, "empty"),
        ({"note": "   \n "}, "empty"),
        ({"note": "x" * 10_000}, "10,000 characters long; the limit is 500"),
        ({"note": "x" * 501}, "the limit is 500"),
        ({"note": "bad\x00byte"}, "cannot be stored"),
        ({"note": "half \udc80 a character"}, "cannot be stored"),
        ({"pain": -1}, "between 0 and 10"),
        ({"pain": 11}, "between 0 and 10"),
        ({"stiffness": 10**12}, "between 0 and 10"),
        ({"pain": 3.5}, "whole number"),
        ({"pain": True}, "whole number"),
        ({"morning_stiffness_min": -5}, "between 0 and 1440"),
        ({"morning_stiffness_min": 1441}, "between 0 and 1440"),
        ({"hand": "middle"}, "hand must be one of"),
        ({"left_zones": frozenset({6}), "hand": Hand.LEFT}, "not a zone"),
        ({"left_zones": frozenset({-1}), "hand": Hand.BOTH}, "not a zone"),
        ({"right_zones": frozenset({1})}, "right hand (or both) chosen"),
        ({"left_zones": frozenset({1}), "hand": Hand.RIGHT}, "left hand (or both) chosen"),
        ({"flare": "yes"}, "yes or no"),
        ({"medications": frozenset({""})}, "empty"),
        ({"medications": frozenset({"x" * 10_000})}, "the limit is 80"),
        ({"pain": None}, "nothing to save"),
    ],
)
def test_bad_input_is_refused_in_words_and_nothing_is_stored(
    log: LogDb, changes: dict[str, object], words: str
) -> None:
    before = counts(log)
    values: dict[str, object] = {"at": T0, "pain": 4}
    values.update(changes)
    with pytest.raises(InvalidInputError, match=words.replace("(", r"\(").replace(")", r"\)")):
        entries.record_entry(log, Entry(**values))  # type: ignore[arg-type]
    assert counts(log) == before


def test_an_entry_that_fails_half_way_leaves_nothing(log: LogDb) -> None:
    """Zones would be written before the unknown medication is noticed, were it not one
    transaction: none of it may stay."""
    entries.add_medication(log, "Paracetamol", T0.date())
    before = counts(log)
    entry = Entry(
        at=T0,
        pain=5,
        hand=Hand.BOTH,
        left_zones=frozenset({0, 1}),
        right_zones=frozenset({2}),
        medications=frozenset({"Paracetamol", "Not on the list"}),
    )
    with pytest.raises(InvalidInputError, match="Not on the list is not on your medication list"):
        entries.record_entry(log, entry)
    assert counts(log) == before


def test_emoji_and_other_scripts_are_kept(log: LogDb) -> None:
    note = "Raideur 🙁 au réveil; 手が痛い; better after 🫖"
    entry_id = entries.record_entry(log, Entry(at=T0, note=note))
    assert entries.get_entry(log, entry_id).entry.note == note


def test_the_schema_refuses_what_python_would_have_refused(log: LogDb) -> None:
    """The last line of defence: a write that skips the dataclass still cannot store a 0-11."""
    with pytest.raises(sqlite3.IntegrityError):
        log.execute(
            "INSERT INTO entries (taken_at, taken_utc, local_date, pain) VALUES ('x', 0, 'd', 11)"
        )
    log.conn.rollback()
    with pytest.raises(sqlite3.IntegrityError):
        log.execute(
            "INSERT INTO entries (taken_at, taken_utc, local_date, note) "
            f"VALUES ('x', 0, 'd', '{'n' * 501}')"
        )
    log.conn.rollback()


def test_medication_list(log: LogDb) -> None:
    first = entries.add_medication(log, "  Paracetamol ", date(2024, 1, 1))
    with pytest.raises(InvalidInputError, match="already on your list"):
        entries.add_medication(log, "paracetamol", date(2024, 1, 2))
    with pytest.raises(InvalidInputError, match="empty"):
        entries.add_medication(log, "   ", date(2024, 1, 2))
    with pytest.raises(InvalidInputError, match="before the day it started"):
        entries.stop_medication(log, first, date(2023, 12, 31))
    entries.stop_medication(log, first, date(2024, 2, 1))
    with pytest.raises(NotFoundError):
        entries.stop_medication(log, 999, date(2024, 2, 1))
    meds = entries.list_medications(log)
    assert [(m.name, m.started_on, m.stopped_on) for m in meds] == [
        ("Paracetamol", date(2024, 1, 1), date(2024, 2, 1))
    ]
    assert entries.names(meds) == []


def test_a_plain_entry_is_deleted_with_its_places_and_medications(log: LogDb) -> None:
    entries.add_medication(log, "Paracetamol", T0.date())
    plain = entries.record_entry(
        log,
        Entry(
            at=T0,
            pain=3,
            hand=Hand.LEFT,
            left_zones=frozenset({1}),
            medications=frozenset({"Paracetamol"}),
        ),
    )
    kept = entries.record_entry(log, Entry(at=T0, stiffness=2))
    entries.delete_entry(log, plain)
    assert counts(log) == {
        "entries": 1,
        "entry_zones": 0,
        "entry_medications": 0,
        "medications": 1,
        "checkins": 0,
    }
    assert [r.id for r in entries.list_entries(log)] == [kept]
    with pytest.raises(NotFoundError):
        entries.delete_entry(log, plain)


def test_any_entry_corrected_to_any_other_comes_back_as_the_correction(log: LogDb) -> None:
    """Correcting replaces everything the entry says (zones and medications too), keeps its
    id, and touches no other entry."""
    for name in MEDS:
        entries.add_medication(log, name, date(2019, 1, 1))
    neighbour = Entry(
        at=T0,
        pain=1,
        hand=Hand.BOTH,
        left_zones=frozenset({2}),
        right_zones=frozenset({3}),
        medications=frozenset({MEDS[0]}),
    )
    neighbour_id = entries.record_entry(log, neighbour)

    @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(entry_values(), entry_values())
    def correct(first: Entry, second: Entry) -> None:
        entry_id = entries.record_entry(log, first)
        entries.correct_entry(log, entry_id, second)
        assert entries.get_entry(log, entry_id).entry == second
        assert entries.get_entry(log, neighbour_id).entry == neighbour
        zones = log.execute(
            "SELECT COUNT(*) FROM entry_zones WHERE entry_id = ?", [entry_id]
        ).fetchone()[0]
        assert zones == len(second.left_zones) + len(second.right_zones)
        entries.delete_entry(log, entry_id)

    correct()
    assert [r.id for r in entries.list_entries(log)] == [neighbour_id]


def test_a_correction_that_fails_changes_nothing(log: LogDb) -> None:
    entries.add_medication(log, "Paracetamol", T0.date())
    first = Entry(
        at=T0,
        pain=5,
        hand=Hand.LEFT,
        left_zones=frozenset({0}),
        medications=frozenset({"Paracetamol"}),
    )
    entry_id = entries.record_entry(log, first)
    before = counts(log)
    wrong = Entry(
        at=T0,
        pain=2,
        hand=Hand.RIGHT,
        right_zones=frozenset({4}),
        medications=frozenset({"Not on the list"}),
    )
    with pytest.raises(InvalidInputError, match="Not on the list is not on your medication list"):
        entries.correct_entry(log, entry_id, wrong)
    assert counts(log) == before
    assert entries.get_entry(log, entry_id).entry == first
    with pytest.raises(NotFoundError):
        entries.correct_entry(log, 999, first)


def test_a_checkins_entry_is_corrected_or_deleted_while_the_checkin_and_caps_stay(
    log: LogDb,
) -> None:
    """What correcting or deleting a check-in's entry means: only the entry changes. The
    check-in (answers, score, the caps it gave) and a session's caps are untouched."""
    screening = screenings.record_screening(
        log, taken_at=T0, rules_version="1", answers={}, caps={"max_level": 5}, blocks=[]
    )
    checkin = checkins.record_checkin(
        log,
        screening_id=screening,
        taken_at=T0,
        answers={"flare": "yes"},
        discomfort=7,
        caps={"max_level": 2},
    )
    entry_id = entries.record_entry(log, Entry(at=T0, pain=7, flare=True), checkin_id=checkin)
    program = programs.save_program(log, "Gentle wave", {"steps": [[60, 1, 30]]}, created_at=T0)
    session = sessions.start_session(
        log, SessionStart(program, {}, {"max_level": 2}, 2, None, T0 + timedelta(minutes=5))
    )

    def unchanged() -> None:
        (stored,) = checkins.list_checkins(log)
        assert (stored.discomfort, stored.answers, stored.caps) == (
            7,
            {"flare": "yes"},
            {"max_level": 2},
        )
        assert sessions.get_session(log, session).caps == {"max_level": 2}

    entries.correct_entry(log, entry_id, Entry(at=T0, pain=3, flare=False, note="typo: 3"))
    record = entries.get_entry(log, entry_id)
    assert (record.checkin_id, record.entry.pain, record.entry.flare) == (checkin, 3, False)
    unchanged()
    entries.delete_entry(log, entry_id)
    assert entries.list_entries(log) == []
    unchanged()


def test_the_newest_entries_come_newest_first(log: LogDb) -> None:
    ids = [entries.record_entry(log, Entry(at=T0 + timedelta(hours=h), pain=h)) for h in range(5)]
    early = entries.record_entry(log, Entry(at=T0 - timedelta(days=1), pain=9))  # made later
    assert [r.id for r in entries.newest_entries(log, 3)] == ids[::-1][:3]
    assert [r.id for r in entries.newest_entries(log, 10)] == [*ids[::-1], early]


# --- per day: several entries, none, a year of both hands ----------------------------


def _expected(day_entries: list[Entry], evening_from: time) -> tuple[object, ...]:
    pains = [e.pain for e in day_entries if e.pain is not None]
    stiff = [e.stiffness for e in day_entries if e.stiffness is not None]
    morning = [e.morning_stiffness_min for e in day_entries if e.morning_stiffness_min is not None]
    evening = [e.pain for e in day_entries if e.pain is not None and e.at.time() >= evening_from]
    return (
        len(day_entries),
        sum(pains) / len(pains) if pains else None,
        sum(stiff) / len(stiff) if stiff else None,
        morning[0] if morning else None,
        sum(evening) / len(evening) if evening else None,
        any(e.flare for e in day_entries),
    )


def test_daily_outcomes_match_a_plain_computation_over_a_year_of_both_hands(
    log: LogDb,
) -> None:
    rng = random.Random(14)
    start = date(2024, 1, 1)
    made: dict[date, list[Entry]] = {}
    for offset in range(366):
        day = start + timedelta(days=offset)
        n = rng.choice([0, 0, 1, 2, 2, 3, 4])  # days with none, days with several
        times = sorted(rng.sample(range(6 * 60, 23 * 60), n))
        for minute in times:
            hand = rng.choice([Hand.LEFT, Hand.RIGHT, Hand.BOTH])
            entry = Entry(
                at=datetime.combine(day, time(minute // 60, minute % 60), PARIS),
                pain=rng.choice([None, *range(11)]),
                stiffness=rng.choice([None, *range(11)]),
                morning_stiffness_min=rng.choice([None, None, 0, 15, 45, 120]),
                hand=hand,
                left_zones=frozenset(rng.sample(range(6), 2))
                if hand != Hand.RIGHT
                else frozenset(),
                right_zones=frozenset(rng.sample(range(6), 1))
                if hand != Hand.LEFT
                else frozenset(),
                flare=rng.choice([None, False, True]),
                note="tired",
            )
            entries.record_entry(log, entry)
            made.setdefault(day, []).append(entry)
    end = start + timedelta(days=365)
    got = entries.daily_outcomes(log, start, end)
    assert [o.day for o in got] == [start + timedelta(days=i) for i in range(366)]
    assert any(not made.get(o.day) for o in got)
    assert any(len(made.get(o.day, [])) > 2 for o in got)
    for outcome in got:
        expected = _expected(made.get(outcome.day, []), entries.EVENING_FROM)
        actual = (
            outcome.entries,
            outcome.pain,
            outcome.stiffness,
            outcome.morning_stiffness_min,
            outcome.evening_pain,
            outcome.flare,
        )
        assert actual == pytest.approx(expected), outcome.day
    # and the records themselves, day by day
    for day, day_entries in made.items():
        assert [r.entry for r in entries.entries_on(log, day)] == day_entries


def test_a_day_without_entries_has_an_empty_outcome(log: LogDb) -> None:
    (outcome,) = entries.daily_outcomes(log, T0.date(), T0.date())
    assert outcome.entries == 0
    assert outcome.pain is None
    assert outcome.morning_stiffness_min is None
    assert outcome.evening_pain is None
    assert outcome.flare is False


# --- m005 and backups -----------------------------------------------------------------


def _v4_log_with_checkins(path: Path) -> None:
    db = LogDb(sqlite3.connect(path))
    schema.migrate(db, stop_before="m005_daily_entries")
    db.execute(
        "INSERT INTO screenings (id, taken_at, taken_utc, rules_version, answers, caps, blocks) "
        "VALUES (1, ?, 0, 'r1', '{}', '{}', '[]')",
        [T0.isoformat()],
    )
    for i, (flare, score) in enumerate([("yes", 6), ("no", 2)]):
        at = T0 + timedelta(days=i)
        db.execute(
            "INSERT INTO checkins (screening_id, taken_at, taken_utc, local_date, answers, "
            "discomfort, caps) VALUES (1, ?, ?, ?, ?, ?, '{}')",
            [at.isoformat(), i, at.date().isoformat(), json.dumps({"flare": flare}), score],
        )
    db.conn.commit()
    db.close()


def test_m005_turns_earlier_checkins_into_entries(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir(mode=0o700)
    _v4_log_with_checkins(folder / "thenar.db")
    with open_store(folder, now=T0) as store:
        got = entries.list_entries(store.db)
        assert [(r.entry.pain, r.entry.flare, r.checkin_id) for r in got] == [
            (6, True, 1),
            (2, False, 2),
        ]
        assert [r.day for r in got] == [T0.date(), T0.date() + timedelta(days=1)]
        kinds = store.db.execute("SELECT DISTINCT kind FROM sessions").fetchall()
        assert kinds == []  # no sessions yet; the column exists with its default
        assert "kind" in [c[1] for c in store.db.execute("PRAGMA table_info(sessions)")]


def test_json_backup_carries_entries_and_an_older_one_still_restores(log: LogDb) -> None:
    entries.add_medication(log, "Paracetamol", T0.date())
    entries.record_entry(
        log,
        Entry(
            at=T0,
            pain=4,
            hand=Hand.BOTH,
            left_zones=frozenset({0}),
            right_zones=frozenset({3, 5}),
            note="🙂",
            medications=frozenset({"Paracetamol"}),
        ),
    )
    text = dump.export_json(log)
    fresh = open_memory()
    dump.import_json(fresh, text)
    assert [r.entry for r in entries.list_entries(fresh)] == [
        r.entry for r in entries.list_entries(log)
    ]
    assert entries.list_medications(fresh) == entries.list_medications(log)

    # A backup written before m005 (schema 4): no entry tables, check-ins only.
    older = open_memory()
    older.execute(
        "INSERT INTO screenings (id, taken_at, taken_utc, rules_version, answers, caps, blocks) "
        "VALUES (1, ?, 0, 'r1', '{}', '{}', '[]')",
        [T0.isoformat()],
    )
    older.execute(
        "INSERT INTO checkins (screening_id, taken_at, taken_utc, local_date, answers, "
        "discomfort, caps) VALUES (1, ?, 0, ?, '{\"flare\": \"no\"}', 7, '{}')",
        [T0.isoformat(), T0.date().isoformat()],
    )
    older.execute("DELETE FROM entries")  # as if m005 had never run
    document = json.loads(dump.export_json(older))
    for table in ("medications", "entries", "entry_zones", "entry_medications"):
        del document["tables"][table]
    sessions = document["tables"]["sessions"]
    sessions["columns"].remove("kind")
    document["schema_version"] = 4
    target = open_memory()
    dump.import_json(target, json.dumps(document))
    (restored,) = entries.list_entries(target)
    assert (restored.entry.pain, restored.entry.flare, restored.checkin_id) == (7, False, 1)


def test_entries_csv_keeps_unrated_empty_and_names_places(log: LogDb) -> None:
    import csv
    import io

    from data.export import ENTRY_COLUMNS, entries_csv

    entries.add_medication(log, "Paracetamol", T0.date())
    entries.record_entry(
        log,
        Entry(
            at=T0,
            stiffness=0,
            hand=Hand.BOTH,
            left_zones=frozenset({0, 5}),
            right_zones=frozenset({2}),
            flare=False,
            note='says "hi", with a comma 🙂',
            medications=frozenset({"Paracetamol"}),
        ),
    )
    rows = list(csv.DictReader(io.StringIO(entries_csv(log))))
    assert list(rows[0]) == ENTRY_COLUMNS
    (row,) = rows
    assert row["pain"] == ""  # not rated: empty, never 0
    assert row["stiffness"] == "0"  # rated 0: kept as 0
    assert row["left_hand_places"] == "thumb base; wrist"
    assert row["right_hand_places"] == "palm"
    assert (row["flare"], row["medications"], row["with_checkin"]) == ("no", "Paracetamol", "no")
    assert row["note"] == 'says "hi", with a comma 🙂'
    assert row["time"] == T0.isoformat()
