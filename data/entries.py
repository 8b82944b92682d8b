"""Daily entries: how the hands are, with or without a session, as often as the person likes.

An entry holds only what the person rated: a scale left untouched is `None` in
Python and NULL in the log, never 0, so "not rated" can never pull an average
down. Which hand, where on it (the six zones of the hand drawing, per hand), a
flare, a short note and the medications taken, named from the person's own
list (no drug database). A check-in before a session is stored as one of these
entries too (`checkin_id`), written in the same transaction as the check-in.

`daily_outcomes` is the per-day API other features read (the n-of-1 trial of
issue 16): one typed record per local day, days without entries included.

Why this module is long: one table family: an entry, its zones and its medications are
written and corrected in the same transactions, and the per-day readers
(`daily_outcomes`, stiffness, pain by hand, zones, marks, notes) read the same rows
under the same "not rated is NULL" rule, which one module keeps in one place.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from massage import ZONE_COUNT

from .errors import InvalidInputError, NotFoundError
from .models import MORNING_STIFFNESS_MAX_MIN, SCORE_MAX, SCORE_MIN, parse_enum
from .times import from_iso, require_aware, to_iso, utc_ms
from .tx import writing

if TYPE_CHECKING:
    from .db import LogDb

# A short note, like a line in a diary: long enough for "woke up stiff, better after
# a warm shower and the pill at 9", short enough to read at a glance on a chart mark.
NOTE_MAX_CHARS = 500
MEDICATION_NAME_MAX_CHARS = 80
MEDICATIONS_MAX = 100  # on the person's list (far more than anyone takes)
# design: the evening, for "evening pain", starts at 17:00 local time.
EVENING_FROM = time(17, 0)


class Hand(StrEnum):
    """Which hand an entry is about."""

    LEFT = "left"
    RIGHT = "right"
    BOTH = "both"


class Side(StrEnum):
    """One hand, for zones: a zone is on the left or the right hand."""

    LEFT = "left"
    RIGHT = "right"


def _score(name: str, value: object, high: int = SCORE_MAX) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(f"{name} must be a whole number, not {value!r}")
    if not SCORE_MIN <= value <= high:
        raise InvalidInputError(f"{name} must be between {SCORE_MIN} and {high}, not {value}")


def check_text(what: str, text: object, limit: int, *, single_line: bool) -> str:
    """`text` if it can be stored as typed; InvalidInputError with words for the person."""
    if not isinstance(text, str):
        raise InvalidInputError(f"{what} must be text")
    if not text.strip():
        raise InvalidInputError(f"{what} is empty: write something, or leave it out")
    if len(text) > limit:
        raise InvalidInputError(f"{what} is {len(text):,} characters long; the limit is {limit:,}")
    allowed = "" if single_line else "\n\t"
    for ch in text:
        if ch not in allowed and unicodedata.category(ch) in ("Cc", "Cs"):
            raise InvalidInputError(f"{what} contains a character that cannot be stored")
    return text


def _zones(what: str, zones: object) -> frozenset[int]:
    if not isinstance(zones, frozenset):
        raise InvalidInputError(f"{what} must be a set of zones")
    for z in zones:
        if isinstance(z, bool) or not isinstance(z, int) or not 0 <= z < ZONE_COUNT:
            raise InvalidInputError(f"{what}: {z!r} is not a zone of the hand drawing")
    return zones


@dataclass(frozen=True)
class Entry:
    """One entry as the person gave it; an invalid one cannot be built."""

    at: datetime
    pain: int | None = None
    stiffness: int | None = None
    morning_stiffness_min: int | None = None
    hand: Hand | None = None
    left_zones: frozenset[int] = frozenset()
    right_zones: frozenset[int] = frozenset()
    flare: bool | None = None
    note: str | None = None
    medications: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        require_aware(self.at, "entry time")
        _score("pain", self.pain)
        _score("stiffness", self.stiffness)
        _score("morning stiffness (minutes)", self.morning_stiffness_min, MORNING_STIFFNESS_MAX_MIN)
        if self.hand is not None:
            parse_enum(Hand, self.hand, "hand")
        left = _zones("left-hand zones", self.left_zones)
        right = _zones("right-hand zones", self.right_zones)
        if left and self.hand not in (Hand.LEFT, Hand.BOTH):
            raise InvalidInputError("zones on the left hand need the left hand (or both) chosen")
        if right and self.hand not in (Hand.RIGHT, Hand.BOTH):
            raise InvalidInputError("zones on the right hand need the right hand (or both) chosen")
        if self.flare is not None and not isinstance(self.flare, bool):
            raise InvalidInputError(f"flare must be yes or no, not {self.flare!r}")
        if self.note is not None:
            check_text("The note", self.note, NOTE_MAX_CHARS, single_line=False)
        if not isinstance(self.medications, frozenset):
            raise InvalidInputError("medications must be a set of names from your list")
        for name in self.medications:
            check_text("A medication name", name, MEDICATION_NAME_MAX_CHARS, single_line=True)
        if self.empty:
            raise InvalidInputError(
                "There is nothing to save yet: rate something, tap where it hurts, or write a note."
            )

    @property
    def empty(self) -> bool:
        """Nothing rated, marked or written (a hand alone says nothing)."""
        return (
            self.pain is None
            and self.stiffness is None
            and self.morning_stiffness_min is None
            and not self.left_zones
            and not self.right_zones
            and self.flare is None
            and self.note is None
            and not self.medications
        )


@dataclass(frozen=True)
class EntryRecord:
    """A stored entry; `checkin_id` when it was the check-in before a session."""

    id: int
    entry: Entry
    checkin_id: int | None = None

    @property
    def day(self) -> date:
        return self.entry.at.date()


@dataclass(frozen=True)
class Medication:
    """One name on the person's own list; `stopped_on` once they stopped taking it."""

    id: int
    name: str
    started_on: date
    stopped_on: date | None = None


# --- the medication list ---------------------------------------------------------


def add_medication(db: LogDb, name: str, started_on: date) -> int:
    """Put a name on the list (trimmed; a name already there, in any case, is refused)."""
    if isinstance(name, str):
        name = name.strip()
    name = check_text("The medication name", name, MEDICATION_NAME_MAX_CHARS, single_line=True)
    if not isinstance(started_on, date):
        raise InvalidInputError("the day you started needs a date")
    with writing(db):
        count = db.execute("SELECT COUNT(*) FROM medications").fetchone()[0]
        if count >= MEDICATIONS_MAX:
            raise InvalidInputError(f"your list holds at most {MEDICATIONS_MAX} names")
        if db.execute("SELECT 1 FROM medications WHERE name = ? COLLATE NOCASE", [name]).fetchone():
            raise InvalidInputError(f"{name} is already on your list")
        cur = db.execute(
            "INSERT INTO medications (name, started_on) VALUES (?, ?)",
            [name, started_on.isoformat()],
        )
    assert cur.lastrowid is not None
    return cur.lastrowid


def stop_medication(db: LogDb, medication_id: int, stopped_on: date | None) -> None:
    """Mark a medication stopped on a day (None: taking it again). It stays in the log."""
    with writing(db):
        row = db.execute(
            "SELECT started_on FROM medications WHERE id = ?", [medication_id]
        ).fetchone()
        if row is None:
            raise NotFoundError(f"there is no medication with id {medication_id}")
        if stopped_on is not None and stopped_on.isoformat() < row[0]:
            raise InvalidInputError("a medication cannot stop before the day it started")
        db.execute(
            "UPDATE medications SET stopped_on = ? WHERE id = ?",
            [None if stopped_on is None else stopped_on.isoformat(), medication_id],
        )


def list_medications(db: LogDb) -> list[Medication]:
    """The list, in the order the names were added."""
    return [
        Medication(
            r[0], r[1], date.fromisoformat(r[2]), None if r[3] is None else date.fromisoformat(r[3])
        )
        for r in db.execute("SELECT id, name, started_on, stopped_on FROM medications ORDER BY id")
    ]


# --- entries -----------------------------------------------------------------


def _medication_ids(db: LogDb, names: frozenset[str]) -> list[int]:
    """The ids of names on the person's list; InvalidInputError for a name not on it."""
    ids: list[int] = []
    for name in sorted(names):
        row = db.execute(
            "SELECT id FROM medications WHERE name = ? COLLATE NOCASE", [name]
        ).fetchone()
        if row is None:
            raise InvalidInputError(f"{name} is not on your medication list: add it there first")
        ids.append(row[0])
    return ids


def _entry_values(entry: Entry) -> list[object]:
    return [
        to_iso(entry.at),
        utc_ms(entry.at),
        entry.at.date().isoformat(),
        entry.pain,
        entry.stiffness,
        entry.morning_stiffness_min,
        None if entry.hand is None else Hand(entry.hand).value,
        None if entry.flare is None else int(entry.flare),
        entry.note,
    ]


def _write_details(db: LogDb, entry_id: int, entry: Entry, med_ids: list[int]) -> None:
    """An entry's zones and medications, replacing any it had."""
    db.execute("DELETE FROM entry_zones WHERE entry_id = ?", [entry_id])
    db.execute("DELETE FROM entry_medications WHERE entry_id = ?", [entry_id])
    zones = [(entry_id, Side.LEFT.value, z) for z in sorted(entry.left_zones)]
    zones += [(entry_id, Side.RIGHT.value, z) for z in sorted(entry.right_zones)]
    db.conn.executemany("INSERT INTO entry_zones (entry_id, hand, zone) VALUES (?, ?, ?)", zones)
    db.conn.executemany(
        "INSERT INTO entry_medications (entry_id, medication_id) VALUES (?, ?)",
        [(entry_id, m) for m in med_ids],
    )


def record_entry(db: LogDb, entry: Entry, *, checkin_id: int | None = None) -> int:
    """Store one entry with its zones and medications, all or nothing; return its id."""
    if not isinstance(entry, Entry):
        raise InvalidInputError("record_entry needs an Entry")
    with writing(db):
        med_ids = _medication_ids(db, entry.medications)
        if checkin_id is not None and (
            db.execute("SELECT 1 FROM checkins WHERE id = ?", [checkin_id]).fetchone() is None
        ):
            raise NotFoundError(f"there is no check-in with id {checkin_id}")
        cur = db.execute(
            "INSERT INTO entries (taken_at, taken_utc, local_date, pain, stiffness, "
            "morning_stiffness_min, hand, flare, note, checkin_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [*_entry_values(entry), checkin_id],
        )
        entry_id = cur.lastrowid
        assert entry_id is not None
        _write_details(db, entry_id, entry, med_ids)
    return entry_id


def correct_entry(db: LogDb, entry_id: int, entry: Entry) -> None:
    """Replace what an entry says with `entry`, all or nothing (same id, same check-in link).

    A check-in's entry can be corrected too: only the entry changes. The check-in itself
    (its answers, its 0-10 score and the caps it gave) is in `checkins` and each session
    keeps its own copy of its caps, so neither is touched.
    """
    if not isinstance(entry, Entry):
        raise InvalidInputError("correct_entry needs an Entry")
    with writing(db):
        if db.execute("SELECT 1 FROM entries WHERE id = ?", [entry_id]).fetchone() is None:
            raise NotFoundError(f"there is no entry with id {entry_id}")
        med_ids = _medication_ids(db, entry.medications)
        db.execute(
            "UPDATE entries SET taken_at = ?, taken_utc = ?, local_date = ?, pain = ?, "
            "stiffness = ?, morning_stiffness_min = ?, hand = ?, flare = ?, note = ? "
            "WHERE id = ?",
            [*_entry_values(entry), entry_id],
        )
        _write_details(db, entry_id, entry, med_ids)


def delete_entry(db: LogDb, entry_id: int) -> None:
    """Remove an entry, with its places and medications.

    A check-in's entry may go too (a mistyped or doubled one): its ratings leave the
    log and the charts, while the check-in itself stays in `checkins` (its answers and
    the caps it gave that day), as does every session's own record of its caps.
    """
    with writing(db):
        if db.execute("SELECT 1 FROM entries WHERE id = ?", [entry_id]).fetchone() is None:
            raise NotFoundError(f"there is no entry with id {entry_id}")
        db.execute("DELETE FROM entry_zones WHERE entry_id = ?", [entry_id])
        db.execute("DELETE FROM entry_medications WHERE entry_id = ?", [entry_id])
        db.execute("DELETE FROM entries WHERE id = ?", [entry_id])


def _records(db: LogDb, rows: list[dict[str, Any]]) -> list[EntryRecord]:
    if not rows:
        return []
    lo, hi = min(r["id"] for r in rows), max(r["id"] for r in rows)
    zones: dict[int, dict[str, set[int]]] = defaultdict(lambda: {"left": set(), "right": set()})
    for entry_id, side, zone in db.execute(
        "SELECT entry_id, hand, zone FROM entry_zones WHERE entry_id BETWEEN ? AND ?", [lo, hi]
    ):
        zones[entry_id][side].add(zone)
    meds: dict[int, set[str]] = defaultdict(set)
    for entry_id, name in db.execute(
        "SELECT em.entry_id, m.name FROM entry_medications AS em "
        "JOIN medications AS m ON m.id = em.medication_id WHERE em.entry_id BETWEEN ? AND ?",
        [lo, hi],
    ):
        meds[entry_id].add(name)
    out = []
    for r in rows:
        z = zones.get(r["id"], {"left": set(), "right": set()})
        entry = Entry(
            at=from_iso(r["taken_at"]),
            pain=r["pain"],
            stiffness=r["stiffness"],
            morning_stiffness_min=r["morning_stiffness_min"],
            hand=None if r["hand"] is None else Hand(r["hand"]),
            left_zones=frozenset(z["left"]),
            right_zones=frozenset(z["right"]),
            flare=None if r["flare"] is None else bool(r["flare"]),
            note=r["note"],
            medications=frozenset(meds.get(r["id"], set())),
        )
        out.append(EntryRecord(r["id"], entry, r["checkin_id"]))
    return out


def list_entries(
    db: LogDb, *, since: date | None = None, until: date | None = None
) -> list[EntryRecord]:
    """Entries in time order, optionally limited to local days [since, until]."""
    clauses, args = [], []
    if since is not None:
        clauses.append("local_date >= ?")
        args.append(since.isoformat())
    if until is not None:
        clauses.append("local_date <= ?")
        args.append(until.isoformat())
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = list(db.query(f"SELECT * FROM entries {where} ORDER BY taken_utc, id", args))
    return _records(db, rows)


def get_entry(db: LogDb, entry_id: int) -> EntryRecord:
    rows = list(db.query("SELECT * FROM entries WHERE id = ?", [entry_id]))
    if not rows:
        raise NotFoundError(f"there is no entry with id {entry_id}")
    return _records(db, rows)[0]


def newest_entries(db: LogDb, limit: int) -> list[EntryRecord]:
    """The newest `limit` entries, newest first (along `entries_by_time`)."""
    rows = list(
        db.query("SELECT * FROM entries ORDER BY taken_utc DESC, id DESC LIMIT ?", [int(limit)])
    )
    return _records(db, rows)


def entries_on(db: LogDb, day: date) -> list[EntryRecord]:
    """A local day's entries, in the order they were made."""
    return list_entries(db, since=day, until=day)


# --- per day, for other features (issue 16) ------------------------------------


@dataclass(frozen=True)
class DayOutcome:
    """One local day's outcomes from its entries (None: nothing recorded that day).

    - `morning_stiffness_min`: the first entry of the day that records it (it is
      asked about the morning, so a later correction would be a second guess);
    - `evening_pain`: the mean pain of entries made from EVENING_FROM on;
    - `pain` / `stiffness`: the mean of all the day's rated entries;
    - `entries`: how many entries the day has.
    """

    day: date
    entries: int
    pain: float | None
    stiffness: float | None
    morning_stiffness_min: int | None
    evening_pain: float | None
    flare: bool


def daily_outcomes(
    db: LogDb, start: date, end: date, *, evening_from: time = EVENING_FROM
) -> list[DayOutcome]:
    """One `DayOutcome` for every day in [start, end], days without entries included."""
    by_day: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for row in db.execute(
        "SELECT local_date, taken_at, pain, stiffness, morning_stiffness_min, flare "
        "FROM entries WHERE local_date BETWEEN ? AND ? ORDER BY taken_utc, id",
        [start.isoformat(), end.isoformat()],
    ):
        by_day[row[0]].append(row)
    out = []
    day = start
    while day <= end:
        rows = by_day.get(day.isoformat(), [])
        pains = [r[2] for r in rows if r[2] is not None]
        stiff = [r[3] for r in rows if r[3] is not None]
        morning = next((r[4] for r in rows if r[4] is not None), None)
        evening = [r[2] for r in rows if r[2] is not None and from_iso(r[1]).time() >= evening_from]
        out.append(
            DayOutcome(
                day=day,
                entries=len(rows),
                pain=sum(pains) / len(pains) if pains else None,
                stiffness=sum(stiff) / len(stiff) if stiff else None,
                morning_stiffness_min=morning,
                evening_pain=sum(evening) / len(evening) if evening else None,
                flare=any(r[5] == 1 for r in rows),
            )
        )
        day += timedelta(days=1)
    return out


def first_entry_day(db: LogDb) -> date | None:
    row = db.execute("SELECT MIN(local_date) FROM entries").fetchone()
    return date.fromisoformat(row[0]) if row and row[0] else None


def names(meds: Iterable[Medication]) -> list[str]:
    """The names of the medications still taken, for the entry form."""
    return [m.name for m in meds if m.stopped_on is None]


# --- for the Progress page and the report ---------------------------------------


@dataclass(frozen=True)
class DayValue:
    """One day's (or week's) mean of one measure."""

    day: date
    value: float


@dataclass(frozen=True)
class Mark:
    """Something that happened on a day, to mark on the charts: a flare, a medication
    started or stopped, or a note (its text)."""

    day: date
    kind: str  # "flare", "medication" or "note"
    text: str


@dataclass(frozen=True)
class ZoneCounts:
    """How often each zone hurt: per hand, the entries about that hand (`of`) and, per
    zone, how many of them marked it."""

    of: dict[Side, int]
    counts: dict[Side, dict[int, int]]


def _bucket(weekly: bool) -> str:
    return "date(local_date, 'weekday 0', '-6 days')" if weekly else "local_date"


def morning_stiffness(
    db: LogDb, start: date, end: date, *, weekly: bool = False
) -> list[DayValue]:
    """Mean morning stiffness (minutes) per day, or per week of daily means, in [start, end]."""
    daily = (
        "SELECT local_date, AVG(morning_stiffness_min) AS m FROM entries "
        "WHERE local_date BETWEEN ? AND ? AND morning_stiffness_min IS NOT NULL "
        "GROUP BY local_date"
    )
    sql = f"SELECT {_bucket(weekly)} AS k, AVG(m) FROM ({daily}) GROUP BY k ORDER BY k"
    rows = db.execute(sql, [start.isoformat(), end.isoformat()])
    return [DayValue(date.fromisoformat(k), v) for k, v in rows]


def hands_tracked_apart(db: LogDb, start: date, end: date) -> bool:
    """Whether any entry in [start, end] was about one hand only."""
    row = db.execute(
        "SELECT 1 FROM entries WHERE local_date BETWEEN ? AND ? AND hand IN ('left', 'right') "
        "LIMIT 1",
        [start.isoformat(), end.isoformat()],
    ).fetchone()
    return row is not None


def pain_by_hand(
    db: LogDb, side: Side, start: date, end: date, *, weekly: bool = False
) -> list[DayValue]:
    """Mean pain of the entries about this hand (that hand alone, or both) per day or week."""
    daily = (
        "SELECT local_date, AVG(pain) AS m FROM entries "
        "WHERE local_date BETWEEN ? AND ? AND pain IS NOT NULL AND hand IN (?, 'both') "
        "GROUP BY local_date"
    )
    sql = f"SELECT {_bucket(weekly)} AS k, AVG(m) FROM ({daily}) GROUP BY k ORDER BY k"
    rows = db.execute(sql, [start.isoformat(), end.isoformat(), Side(side).value])
    return [DayValue(date.fromisoformat(k), v) for k, v in rows]


def zone_counts(db: LogDb, start: date, end: date) -> ZoneCounts:
    """Per hand: entries about it in [start, end], and how many marked each zone."""
    of = {Side.LEFT: 0, Side.RIGHT: 0}
    for hand, n in db.execute(
        "SELECT hand, COUNT(*) FROM entries WHERE local_date BETWEEN ? AND ? "
        "AND hand IS NOT NULL GROUP BY hand",
        [start.isoformat(), end.isoformat()],
    ):
        for side in Side:
            if hand in (side.value, Hand.BOTH.value):
                of[side] += n
    counts: dict[Side, dict[int, int]] = {Side.LEFT: {}, Side.RIGHT: {}}
    first, last = db.execute(  # two one-step index reads, not one scan
        "SELECT (SELECT MIN(local_date) FROM entries), (SELECT MAX(local_date) FROM entries)"
    ).fetchone()
    if first is not None and start.isoformat() <= first and last <= end.isoformat():
        # the range holds every entry (the "all" view): no need to join each zone to its day
        sql, args = "SELECT hand, zone, COUNT(*) FROM entry_zones GROUP BY hand, zone", []
    else:
        sql = (
            "SELECT z.hand, z.zone, COUNT(*) FROM entries AS e "
            "JOIN entry_zones AS z ON z.entry_id = e.id "
            "WHERE e.local_date BETWEEN ? AND ? GROUP BY z.hand, z.zone"
        )
        args = [start.isoformat(), end.isoformat()]
    for side, zone, n in db.execute(sql, args):
        counts[Side(side)][zone] = n
    return ZoneCounts(of, counts)


def marks(db: LogDb, start: date, end: date) -> list[Mark]:
    """Flares and days with notes (one mark a day each), medication starts and stops, in
    [start, end], by day."""
    a, b = start.isoformat(), end.isoformat()
    out = [
        Mark(date.fromisoformat(d), "flare", "flare")
        for (d,) in db.execute(
            "SELECT DISTINCT local_date FROM entries WHERE local_date BETWEEN ? AND ? "
            "AND flare = 1 ORDER BY local_date",
            [a, b],
        )
    ]
    for name, started, stopped in db.execute(
        "SELECT name, started_on, stopped_on FROM medications "
        "WHERE started_on BETWEEN ? AND ? OR stopped_on BETWEEN ? AND ?",
        [a, b, a, b],
    ):
        if a <= started <= b:
            out.append(Mark(date.fromisoformat(started), "medication", f"started {name}"))
        if stopped is not None and a <= stopped <= b:
            out.append(Mark(date.fromisoformat(stopped), "medication", f"stopped {name}"))
    out += [  # one mark a day with notes: the chart needs the day, `latest_notes` the words
        Mark(date.fromisoformat(d), "note", f"{n} note{'s' if n != 1 else ''}")
        for d, n in db.execute(
            "SELECT local_date, COUNT(local_date) FROM entries WHERE local_date BETWEEN ? AND ? "
            "AND note IS NOT NULL GROUP BY local_date",
            [a, b],
        )
    ]
    order = {"flare": 0, "medication": 1, "note": 2}
    return sorted(out, key=lambda m: (m.day, order[m.kind]))


def latest_notes(db: LogDb, start: date, end: date, n: int) -> list[Mark]:
    """The newest `n` notes in [start, end], newest first, with their words."""
    return [
        Mark(date.fromisoformat(d), "note", note)
        for d, note in db.execute(
            # newest first along entries_by_time ("+" keeps the day index out of it)
            "SELECT local_date, note FROM entries WHERE +local_date BETWEEN ? AND ? "
            "AND +note IS NOT NULL ORDER BY taken_utc DESC, id DESC LIMIT ?",
            [start.isoformat(), end.isoformat(), n],
        )
    ]


def note_count(db: LogDb, start: date, end: date) -> int:
    row = db.execute(
        "SELECT COUNT(*) FROM entries WHERE local_date BETWEEN ? AND ? AND note IS NOT NULL",
        [start.isoformat(), end.isoformat()],
    ).fetchone()
    return int(row[0])
