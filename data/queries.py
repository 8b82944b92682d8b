"""What the log answers: symptom trends, per-program effect, adherence, recent sessions,
the sessions of a period (the clinician's report).

Definitions (the tests compute these by hand):
- a day's value is the mean of that day's ratings and daily entries (local calendar
  day; the `symptom_reports` view, where entries count as check-ins; a scale an
  entry left unrated is NULL and does not count), read from the per-day sums the
  log keeps by triggers (`symptom_days`, m008; tests/data/test_symptom_days.py);
- the 7-day rolling mean on day D is the mean of the daily values of the days
  D-6..D that have ratings, so a day rated four times counts once;
- a week (Monday to Sunday) is likewise the mean of its daily values;
- a program's effect is the mean of (after - before) over sessions with both
  ratings, with a t-based 95% CI (negative = less pain after the session);
- adherence counts, per week, the occurrences of enabled schedules against
  those whose reminder was marked done;
- the streak is the number of consecutive days, ending today (or yesterday if
  nothing is done yet today), with at least one completed session.

Why this module is long: each query is short, and all of them answer under the
definitions at the top, which the tests compute by hand; one module keeps those
definitions and their SQL side by side.
"""

from __future__ import annotations

import bisect
import functools
import json
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from .models import RatingKind, SessionKind, parse_enum
from .other_massagers import MASSAGER_SQL
from .ratings import row_to_rating
from .schedules import list_schedules, parse_rrule
from .sessions import row_to_session
from .stats import mean_ci_from_sums
from .times import from_iso, utc_ms, week_start

if TYPE_CHECKING:
    from dateutil.rrule import rrule

    from .db import LogDb
    from .models import Rating, SessionRecord
    from .stats import MeanCI

ROLLING_DAYS = 7


@dataclass(frozen=True)
class DaySymptoms:
    """One day's mean ratings and the 7-day rolling means ending that day."""

    day: date
    n: int
    pain: float | None  # None: that day's entries left it unrated
    stiffness: float | None
    morning_stiffness_min: float | None
    pain_7d: float | None
    stiffness_7d: float | None


@dataclass(frozen=True)
class WeekSymptoms:
    """One ISO week's mean of daily means."""

    week_start: date
    days: int
    n: int
    pain: float | None
    stiffness: float | None
    morning_stiffness_min: float | None


def _daily(kinds: Collection[RatingKind] | None, lo: date, hi: date) -> tuple[str, list[str]]:
    """Each day's mean of its ratings and entries (the `symptom_reports` rows), as SQL and
    its arguments, from the per-day sums the log keeps (`symptom_days`, m008): about one
    row a day and kind instead of every rating and entry (benchmarks/bench_entries.py)."""
    if kinds is None:
        wanted = [k.value for k in RatingKind]
    else:
        wanted = [parse_enum(RatingKind, k, "rating kind").value for k in kinds]
    if RatingKind.CHECKIN.value in wanted:
        wanted.append("entry")  # entries count as check-ins
    if not wanted:
        wanted = ["none"]
    marks = ", ".join("?" for _ in wanted)
    sql = f"""
        SELECT local_date AS day, SUM(n) AS n, SUM(ps) * 1.0 / SUM(pn) AS pain,
               SUM(ss) * 1.0 / SUM(sn) AS stiffness, SUM(ms) * 1.0 / SUM(mn) AS ms
        FROM symptom_days WHERE local_date BETWEEN ? AND ? AND kind IN ({marks})
        GROUP BY local_date
    """
    return sql, [lo.isoformat(), hi.isoformat(), *wanted]


def symptoms_by_day(
    db: LogDb, start: date, end: date, *, kinds: Collection[RatingKind] | None = None
) -> list[DaySymptoms]:
    """Daily means with 7-day rolling means for days in [start, end] that have ratings."""
    lead_in = start - timedelta(days=ROLLING_DAYS - 1)  # the first days' windows reach back
    daily, args = _daily(kinds, lead_in, end)
    sql = f"""
        WITH daily AS ({daily}),
        rolled AS (
            SELECT *, AVG(pain) OVER w AS pain_7d, AVG(stiffness) OVER w AS stiffness_7d
            FROM daily
            WINDOW w AS (ORDER BY julianday(day)
                         RANGE BETWEEN {ROLLING_DAYS - 1} PRECEDING AND CURRENT ROW)
        )
        SELECT * FROM rolled WHERE day >= ? ORDER BY day
    """
    rows = db.execute(sql, [*args, start.isoformat()])
    return [
        DaySymptoms(date.fromisoformat(d), n, p, s, ms, p7, s7) for d, n, p, s, ms, p7, s7 in rows
    ]


def symptoms_by_week(
    db: LogDb, start: date, end: date, *, kinds: Collection[RatingKind] | None = None
) -> list[WeekSymptoms]:
    """Weekly (Monday-Sunday) means of daily means, for weeks overlapping [start, end]."""
    first, last = week_start(start), week_start(end) + timedelta(days=6)
    daily, args = _daily(kinds, first, last)
    sql = f"""
        WITH daily AS ({daily})
        SELECT date(day, 'weekday 0', '-6 days') AS week, COUNT(*), SUM(n),
               AVG(pain), AVG(stiffness), AVG(ms)
        FROM daily GROUP BY week ORDER BY week
    """
    rows = db.execute(sql, args)
    return [WeekSymptoms(date.fromisoformat(w), d, n, p, s, ms) for w, d, n, p, s, ms in rows]


@dataclass(frozen=True)
class ProgramEffect:
    """Mean change (after - before) in pain and stiffness for one program."""

    program_id: int
    program_name: str
    pain: MeanCI
    stiffness: MeanCI


def program_effects(db: LogDb, *, since: date | None = None) -> list[ProgramEffect]:
    """Per program, the mean before-to-after change with n and a 95% CI.

    CROSS JOIN keeps the ratings before as the outer loop, read along the day index from
    `since`; SQLite otherwise walked every rating after, ten years of them, for 4 weeks.
    Programs are joined to the few sums, not to each of ten years of sessions."""
    where, args = ("AND b.local_date >= ?", [since.isoformat()]) if since else ("", [])
    sql = f"""
        SELECT g.program_id, p.name, g.n, g.dp, g.dp2, g.ds, g.ds2
        FROM (
            SELECT s.program_id AS program_id, COUNT(*) AS n,
                   SUM(a.pain - b.pain) AS dp, SUM((a.pain - b.pain) * (a.pain - b.pain)) AS dp2,
                   SUM(a.stiffness - b.stiffness) AS ds,
                   SUM((a.stiffness - b.stiffness) * (a.stiffness - b.stiffness)) AS ds2
            FROM ratings AS b
            CROSS JOIN ratings AS a ON a.session_id = b.session_id AND a.kind = 'after'
            JOIN sessions AS s ON s.id = b.session_id
            WHERE b.kind = 'before' AND b.session_id IS NOT NULL {where}
            GROUP BY s.program_id
        ) AS g
        JOIN programs AS p ON p.id = g.program_id
        ORDER BY p.name, g.program_id
    """
    return [
        ProgramEffect(pid, name, mean_ci_from_sums(n, dp, dp2), mean_ci_from_sums(n, ds, ds2))
        for pid, name, n, dp, dp2, ds, ds2 in db.execute(sql, args)
    ]


@dataclass(frozen=True)
class WeekAdherence:
    """Scheduled occurrences in a week and how many were done."""

    week_start: date
    scheduled: int
    done: int


class _Expansion:
    """A schedule's occurrences as far as asked so far, kept: each one's wall-clock time
    in the schedule's zone (the order and the ranges `rrule.between` uses) and local day,
    and its instant, to find a reminder's occurrence by the UTC milliseconds it stored.

    A rule expands from its start, so without this a range ten years on walked ten years
    of occurrences on every Progress load; kept, only new days are expanded."""

    def __init__(self, rule: rrule, dtstart: datetime) -> None:
        self.rule = rule
        self.walls: list[datetime] = []  # naive, ascending
        self.weeks: list[int] = []  # each one's week: its Monday's day ordinal
        self.week_of: dict[int, int] = {}  # UTC ms -> its week
        self.until = dtstart  # every occurrence before it is here

    def upto(self, hi: datetime) -> None:
        if hi <= self.until:
            return
        found: list[datetime] = self.rule.between(self.until, hi, inc=True)
        for o in found:
            if self.until <= o < hi:  # those before `until` are kept already
                self.walls.append(o.replace(tzinfo=None))
                week = _monday(o.toordinal())
                self.weeks.append(week)
                self.week_of[utc_ms(o)] = week
        self.until = hi

    def weeks_between(self, lo: datetime, hi: datetime) -> list[int]:
        """The weeks of the occurrences in [lo, hi) (wall clock, as `between`)."""
        self.upto(hi)
        a = bisect.bisect_left(self.walls, lo.replace(tzinfo=None))
        b = bisect.bisect_left(self.walls, hi.replace(tzinfo=None))
        return self.weeks[a:b]


def _monday(day: int) -> int:
    """The Monday of a day's week, as day ordinals (ordinal 1, 1 January of year 1, is a
    Monday)."""
    return day - (day - 1) % 7


@functools.lru_cache(maxsize=64)
def _expansion(text: str, wall: datetime, zone: ZoneInfo) -> _Expansion:
    """One kept expansion per rule, start and zone (a changed schedule is another key).
    The key holds the start's wall time and its zone apart: two aware starts at the same
    instant in different zones are equal datetimes, yet expand differently."""
    dtstart = wall.replace(tzinfo=zone)
    return _Expansion(parse_rrule(text, dtstart).replace(cache=True), dtstart)


def adherence_by_week(db: LogDb, start: date, end: date) -> list[WeekAdherence]:
    """Per week overlapping [start, end]: occurrences of enabled schedules, and done ones.

    Counted by week ordinal (Counter over ints, in C): ten years are about 7,000
    occurrences and as many done reminders, too many for a Python step each to spare."""
    first, stop = week_start(start), week_start(end) + timedelta(days=7)
    scheduled: Counter[int] = Counter()
    done: Counter[int] = Counter()
    schedules = list_schedules(db, enabled_only=True)
    for sched in schedules:
        lo = datetime.combine(first, time(), sched.tz)
        hi = datetime.combine(stop, time(), sched.tz)
        expansion = _expansion(sched.rrule, sched.dtstart.replace(tzinfo=None), sched.tz)
        scheduled.update(expansion.weeks_between(lo, hi))
        rows = db.execute(
            "SELECT DISTINCT occurrence, occurrence_utc FROM reminders WHERE occurrence_utc >= ? "
            "AND occurrence_utc < ? AND status = 'done' AND schedule_id = ?",
            [utc_ms(lo), utc_ms(hi), sched.id],
        ).fetchall()
        week_of = expansion.week_of
        # a planned occurrence's week; one no longer planned: the week of its own local day
        done.update(
            [
                week_of[instant]
                if instant in week_of
                else _monday(from_iso(occurrence).astimezone(sched.tz).toordinal())
                for occurrence, instant in rows
            ]
        )
    return [
        WeekAdherence(date.fromordinal(monday), scheduled[monday], done[monday])
        for monday in range(first.toordinal(), stop.toordinal(), 7)
    ]


def current_streak(db: LogDb, today: date) -> int:
    """Consecutive days with a completed session, ending today or yesterday."""
    cursor = db.execute(
        "SELECT DISTINCT local_date FROM sessions WHERE outcome = 'completed' "
        "AND local_date <= ? ORDER BY local_date DESC",
        [today.isoformat()],
    )
    expected: date | None = None
    streak = 0
    for (text,) in cursor:
        day = date.fromisoformat(text)
        if expected is None:
            if day < today - timedelta(days=1):
                return 0
            expected = day
        if day != expected:
            break
        streak += 1
        expected = day - timedelta(days=1)
    return streak


@dataclass(frozen=True)
class SessionSummary:
    """A session with its before and after ratings, if given."""

    session: SessionRecord
    before: Rating | None
    after: Rating | None


def recent_sessions(
    db: LogDb, limit: int = 10, *, rated_only: bool = False
) -> list[SessionSummary]:
    """The last `limit` sessions, newest first, with their ratings (`rated_only`: only
    sessions rated before or after, for the list of entries and ratings)."""
    rated = (
        "WHERE EXISTS (SELECT 1 FROM ratings AS r WHERE r.session_id = sessions.id) "
        if rated_only
        else ""
    )
    cols = "id, kind, session_id, rated_at, pain, stiffness, morning_stiffness_min, grip_kg, note"
    b_cols = ", ".join(f"b.{c} AS b_{c}" for c in cols.split(", "))
    a_cols = ", ".join(f"a.{c} AS a_{c}" for c in cols.split(", "))
    sql = f"""
        SELECT s.*, p.name AS program_name, {b_cols}, {a_cols}
        FROM (SELECT * FROM sessions {rated}ORDER BY started_utc DESC, id DESC LIMIT ?) AS s
        JOIN programs AS p ON p.id = s.program_id
        LEFT JOIN ratings AS b ON b.session_id = s.id AND b.kind = 'before'
        LEFT JOIN ratings AS a ON a.session_id = s.id AND a.kind = 'after'
        ORDER BY s.started_utc DESC, s.id DESC
    """
    out = []
    for r in db.query(sql, [int(limit)]):
        before = row_to_rating(r, "b_").rating if r["b_id"] is not None else None
        after = row_to_rating(r, "a_").rating if r["a_id"] is not None else None
        out.append(SessionSummary(row_to_session(r), before, after))
    return out


def first_rating_day(db: LogDb) -> date | None:
    """The local day of the first rating or daily entry (None: neither yet)."""
    row = db.execute(  # each MIN reads one index entry; MIN over the view would scan it
        "SELECT MIN(d) FROM (SELECT MIN(local_date) AS d FROM ratings "
        "UNION ALL SELECT MIN(local_date) FROM entries)"
    ).fetchone()
    return date.fromisoformat(row[0]) if row and row[0] else None


def period_means(
    db: LogDb, start: date, end: date, *, kinds: Collection[RatingKind] | None = None
) -> tuple[int, float | None, float | None]:
    """(days with reports, mean pain, mean stiffness) in [start, end] over ratings and
    daily entries (`symptom_reports`), as means of daily means (a day with five ratings
    counts as much as a day with one)."""
    daily, args = _daily(kinds, start, end)
    row = db.execute(f"SELECT COUNT(*), AVG(pain), AVG(stiffness) FROM ({daily})", args).fetchone()
    return int(row[0]), row[1], row[2]


def sessions_per_day(
    db: LogDb, start: date, end: date, *, weekly: bool = False
) -> list[tuple[date, int]]:
    """(day, sessions) for each day in [start, end] with sessions, whatever their outcome;
    `weekly`: per week instead, keyed by its Monday."""
    key = "date(local_date, 'weekday 0', '-6 days')" if weekly else "local_date"
    rows = db.execute(
        f"SELECT {key} AS k, COUNT(*) FROM sessions WHERE local_date BETWEEN ? AND ? "
        "GROUP BY k ORDER BY k",
        [start.isoformat(), end.isoformat()],
    )
    return [(date.fromisoformat(k), int(n)) for k, n in rows]


def sessions_by_kind(db: LogDb, day: date) -> dict[SessionKind, int]:
    """How many sessions of each kind started on this local day (every outcome counts)."""
    return sessions_by_kind_between(db, day, day)


def sessions_by_kind_between(db: LogDb, start: date, end: date) -> dict[SessionKind, int]:
    """How many sessions of each kind started on the local days [start, end]."""
    rows = db.execute(
        "SELECT kind, COUNT(*) FROM sessions WHERE local_date BETWEEN ? AND ? GROUP BY kind",
        [start.isoformat(), end.isoformat()],
    )
    return {SessionKind(kind): int(n) for kind, n in rows}


@dataclass(frozen=True)
class PeriodSession:
    """A session as the clinician's report lists it: `name` is the routine, or the other
    massager's model name when the person gave one; `caps` as stored (JSON)."""

    session_id: int
    started_at: datetime
    ended_at: datetime | None
    kind: SessionKind
    name: str
    outcome: str
    caps: Any
    pain_before: int | None
    pain_after: int | None


def newest_sessions_in(db: LogDb, start: date, end: date, limit: int) -> list[PeriodSession]:
    """The newest `limit` sessions of the local days [start, end], oldest first."""
    rows = db.execute(
        f"""
        SELECT s.id, s.started_at, s.ended_at, s.kind, COALESCE({MASSAGER_SQL}, p.name), s.outcome,
               s.caps, b.pain, a.pain
        FROM (SELECT * FROM sessions WHERE local_date BETWEEN ? AND ?
              ORDER BY started_utc DESC, id DESC LIMIT ?) AS s
        JOIN programs AS p ON p.id = s.program_id
        LEFT JOIN ratings AS b ON b.session_id = s.id AND b.kind = 'before'
        LEFT JOIN ratings AS a ON a.session_id = s.id AND a.kind = 'after'
        ORDER BY s.started_utc, s.id
        """,
        [start.isoformat(), end.isoformat(), int(limit)],
    )
    return [
        PeriodSession(
            sid,
            from_iso(started),
            None if ended is None else from_iso(ended),
            SessionKind(kind),
            name,
            outcome,
            json.loads(caps),
            before,
            after,
        )
        for sid, started, ended, kind, name, outcome, caps, before, after in rows
    ]
