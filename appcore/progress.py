"""The Progress page without its face: what the log says about pain, stiffness and routine.

`load_progress(db, span, today)` runs on the DB thread (via `ctx.db.run`) and
returns one plain `ProgressData`: chart series, per-program before/after
changes with their 95% ranges, adherence, the streak, and short sentences a
person understands at a glance. Everything here is descriptive: it says what
the person recorded, never what caused it (Thenar is for comfort and
relaxation, not treatment; docs/safety-and-care.md).

Trends use daily check-ins and entries (the `symptom_reports` view; issue 14) and
the ratings given *before* sessions: the
after-session ratings describe the minutes after a massage, so mixing them in
would make the trend depend on how often someone rates after a session. They
are used, paired with the before ratings, in the per-program comparison.

Why this module is long: one page's model: the series, the program comparisons,
adherence and their sentences all come from one `load_progress` call on the DB thread,
and it is only just over the limit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from data.models import RatingKind
from data.queries import (
    adherence_by_week,
    current_streak,
    first_rating_day,
    period_means,
    program_effects,
    sessions_per_day,
    symptoms_by_day,
    symptoms_by_week,
)

if TYPE_CHECKING:
    from data.db import LogDb
    from data.stats import MeanCI

TREND_KINDS = (RatingKind.CHECKIN, RatingKind.BEFORE)
# design: below about 10 paired ratings the 95% range of a mean change on a
# 0-10 scale is usually wider than the change itself, so we say so plainly.
SMALL_N = 10
# The "all" range draws weekly means; their smoothed line spans 13 weeks (a quarter),
# the long-range counterpart of the 7-day mean on the daily charts.
WEEKS_SMOOTHED = 13
# More than two years of weekly adherence bars would be thinner than a line: use months.
MAX_WEEK_BARS = 104
# Changes smaller than this (after rounding to one decimal) read as "the same".
SAME = 0.05

DateFormatter = Callable[[date], str]


class Span(StrEnum):
    """The ranges a person can choose, from weeks to years."""

    WEEKS_4 = "4w"
    MONTHS_3 = "3m"
    YEAR_1 = "1y"
    ALL = "all"

    @property
    def label(self) -> str:
        return _SPAN_LABELS[self]


_SPAN_LABELS = {
    Span.WEEKS_4: "4 weeks",
    Span.MONTHS_3: "3 months",
    Span.YEAR_1: "1 year",
    Span.ALL: "All",
}
# Period lengths in days: whole weeks for 4 weeks and 3 months (13 weeks), so the
# previous period has the same weekdays; 365 days for a year.
_SPAN_DAYS = {Span.WEEKS_4: 28, Span.MONTHS_3: 91, Span.YEAR_1: 365}
_SPAN_PHRASE = {Span.WEEKS_4: "4 weeks", Span.MONTHS_3: "3 months", Span.YEAR_1: "12 months"}


@dataclass(frozen=True)
class Point:
    """One value on a chart: a day (or the Monday of a week) and a 0-10 score."""

    day: date
    value: float


@dataclass(frozen=True)
class Trend:
    """One measure over the chosen range, ready to draw."""

    measure: str  # "Pain" or "Stiffness"
    points: list[Point]  # daily (or weekly) means
    segments: list[list[Point]]  # the smoothed line, broken across long gaps


@dataclass(frozen=True)
class SessionMark:
    """How many sessions happened on a day (or in a week, for the long range)."""

    day: date
    count: int


@dataclass(frozen=True)
class ProgramRow:
    """One program's average before-to-after change, with n and a note on certainty."""

    name: str
    pain: MeanCI
    stiffness: MeanCI
    sentence: str
    note: str


@dataclass(frozen=True)
class AdherenceBar:
    """Scheduled sessions in a week (or month) and how many were done."""

    start: date
    scheduled: int
    done: int


@dataclass(frozen=True)
class ProgressData:
    """Everything the Progress page and the clinician report show, as plain values."""

    span: Span
    start: date
    end: date
    bucket: str  # "day" or "week": what one point on the trend charts stands for
    point_label: str
    line_label: str
    pain: Trend
    stiffness: Trend
    sessions: list[SessionMark]
    session_count: int
    programs: list[ProgramRow]
    programs_note: str
    adherence: list[AdherenceBar]
    adherence_bucket: str  # "week" or "month"
    streak: int
    summary: list[str]
    first_day: date | None  # the first rating ever, None when there is none

    @property
    def empty(self) -> bool:
        return self.first_day is None


def span_start(span: Span, today: date, first_day: date | None) -> date:
    """The first day of the range ending today; "all" starts at the first rating."""
    if span is Span.ALL:
        return first_day if first_day is not None and first_day < today else today
    return today - timedelta(days=_SPAN_DAYS[span] - 1)


def _session_marks(db: LogDb, start: date, end: date, weekly: bool) -> list[SessionMark]:
    """Sessions per day (or per week) in [start, end], whatever their outcome."""
    return [SessionMark(day, n) for day, n in sessions_per_day(db, start, end, weekly=weekly)]


def _segments(points: list[Point], max_gap_days: int) -> list[list[Point]]:
    """Split a line where the data has a gap, so it never bridges weeks without ratings."""
    out: list[list[Point]] = []
    for p in points:
        if out and (p.day - out[-1][-1].day).days <= max_gap_days:
            out[-1].append(p)
        else:
            out.append([p])
    return out


def _smoothed_weeks(points: list[Point]) -> list[Point]:
    """Trailing mean of the weekly means over the last WEEKS_SMOOTHED weeks that have data."""
    out = []
    for i, p in enumerate(points):
        window = [
            q.value
            for q in points[max(0, i - WEEKS_SMOOTHED) : i + 1]
            if (p.day - q.day).days < WEEKS_SMOOTHED * 7
        ]
        out.append(Point(p.day, sum(window) / len(window)))
    return out


def _trends(db: LogDb, start: date, end: date, weekly: bool) -> tuple[Trend, Trend]:
    if weekly:
        weeks = symptoms_by_week(db, start, end, kinds=TREND_KINDS)
        pain = [Point(w.week_start, w.pain) for w in weeks if w.pain is not None]
        stiff = [Point(w.week_start, w.stiffness) for w in weeks if w.stiffness is not None]
        gap = WEEKS_SMOOTHED * 7
        return (
            Trend("Pain", pain, _segments(_smoothed_weeks(pain), gap)),
            Trend("Stiffness", stiff, _segments(_smoothed_weeks(stiff), gap)),
        )
    days = symptoms_by_day(db, start, end, kinds=TREND_KINDS)
    gap = 7  # the rolling mean is over 7 days: past that there is nothing to join
    return (
        Trend(
            "Pain",
            [Point(d.day, d.pain) for d in days if d.pain is not None],
            _segments([Point(d.day, d.pain_7d) for d in days if d.pain_7d is not None], gap),
        ),
        Trend(
            "Stiffness",
            [Point(d.day, d.stiffness) for d in days if d.stiffness is not None],
            _segments(
                [Point(d.day, d.stiffness_7d) for d in days if d.stiffness_7d is not None], gap
            ),
        ),
    )


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def compare_sentence(
    measure: str, now: float | None, before: float | None, now_phrase: str, before_phrase: str
) -> str:
    """ "Your average pain over the last 4 weeks was 3.4, down from 4.6 in the 4 weeks before."."""
    if now is None:
        return f"No {measure} ratings {now_phrase}."
    head = f"Your average {measure} {now_phrase} was {_fmt(now)} out of 10"
    if before is None:
        return f"{head}. There are no ratings {before_phrase} to compare with."
    diff = round(now, 1) - round(before, 1)
    if abs(diff) < SAME:
        return f"{head}, the same as {before_phrase}."
    direction = "down" if diff < 0 else "up"
    return f"{head}, {direction} from {_fmt(before)} {before_phrase}."


def _change_words(ci: MeanCI) -> str:
    """ "1.4 lower" / "0.3 higher" / "no different" for a mean change."""
    assert ci.mean is not None
    if abs(ci.mean) < SAME:
        return "no different"
    return f"{_fmt(abs(ci.mean))} {'lower' if ci.mean < 0 else 'higher'}"


def signed(value: float) -> str:
    """One decimal with an explicit sign and a true minus, easier to read than a hyphen."""
    if round(value, 1) == 0:
        return "0.0"
    return f"{value:+.1f}".replace("-", "\u2212")


def program_row(name: str, pain: MeanCI, stiffness: MeanCI) -> ProgramRow:
    """Describe one program's before/after change honestly, including how sure it is."""
    n = pain.n
    sessions = "session" if n == 1 else "sessions"
    sentence = (
        f"{name}: right after a session, pain was {_change_words(pain)} and stiffness "
        f"{_change_words(stiffness)} than right before, on average ({n} {sessions})."
    )
    if pain.low is None or pain.high is None:
        note = "Rated before and after only once: too few to give a range yet."
    else:
        span = f"95% range for the pain change: {signed(pain.low)} to {signed(pain.high)}"
        if n < SMALL_N:
            note = (
                f"Only {n} sessions rated before and after, so the range is wide "
                f"({span}): treat this as a first impression."
            )
        elif pain.low <= 0 <= pain.high:
            note = f"{span}, which includes no change."
        else:
            note = f"{span}."
    return ProgramRow(name, pain, stiffness, sentence, note)


PROGRAMS_NOTE = (
    "How you rated right after each program compared with right before it "
    "(below zero: lower after). It describes the minutes after a session, "
    "not a lasting change, and not what caused it. "
    "Bars show the 95% range: where the true average probably lies."
)


def _adherence(db: LogDb, start: date, end: date) -> tuple[list[AdherenceBar], str]:
    weeks = adherence_by_week(db, start, end)
    bars = [AdherenceBar(w.week_start, w.scheduled, w.done) for w in weeks]
    if len(bars) <= MAX_WEEK_BARS:
        return bars, "week"
    months: dict[date, list[int]] = {}
    for b in bars:
        slot = months.setdefault(b.start.replace(day=1), [0, 0])
        slot[0] += b.scheduled
        slot[1] += b.done
    return [AdherenceBar(m, s, d) for m, (s, d) in months.items()], "month"


def _bucket_end(start: date, bucket: str) -> date:
    """The day after a week or month bucket ends."""
    if bucket == "week":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def adherence_sentence(bars: list[AdherenceBar], bucket: str, today: date) -> str:
    """Kept against scheduled, over the full weeks (or months) of the range."""
    full = [b for b in bars if _bucket_end(b.start, bucket) <= today]
    scheduled = sum(b.scheduled for b in full)
    if not any(b.scheduled for b in bars):
        return (
            "No sessions are scheduled. Add one on the Schedule page "
            "to see how often you kept to it."
        )
    if scheduled == 0:
        return "Your schedule starts this week: how often you kept to it shows here from next week."
    done = sum(b.done for b in full)
    return (
        f"You kept {done} of {scheduled} scheduled sessions ({round(100 * done / scheduled)}%) "
        f"in the full {bucket}s of this range."
    )


def streak_sentence(streak: int) -> str:
    if streak == 0:
        return "No current streak: your next completed session starts one."
    if streak == 1:
        return "Streak: 1 day with a completed session."
    return f"Streak: {streak} days in a row with a completed session."


def _default_date(day: date) -> str:
    return f"{day.day} {day.strftime('%B %Y')}"


def load_progress(
    db: LogDb, span: Span, today: date, format_date: DateFormatter = _default_date
) -> ProgressData:
    """Everything the page shows for `span`, in one pass on the DB thread."""
    span = Span(span)
    first = first_rating_day(db)
    start = span_start(span, today, first)
    weekly = span is Span.ALL and (today - start).days > MAX_WEEK_BARS * 7 // 2
    pain, stiffness = _trends(db, start, today, weekly)
    marks = _session_marks(db, start, today, weekly)
    effects = program_effects(db, since=None if span is Span.ALL else start)
    programs = [program_row(e.program_name, e.pain, e.stiffness) for e in effects]
    bars, bar_bucket = _adherence(db, start, today)
    streak = current_streak(db, today)

    summary: list[str] = []
    if first is None:
        summary.append(
            "No ratings yet. After your first daily check-in or session, your progress shows here."
        )
    elif span is Span.ALL:
        days, p_all, s_all = period_means(db, start, today, kinds=TREND_KINDS)
        first_end = start + timedelta(days=27)
        _, p_first, s_first = period_means(db, start, first_end, kinds=TREND_KINDS)
        _, p_last, s_last = period_means(db, today - timedelta(days=27), today, kinds=TREND_KINDS)
        since = format_date(start)
        summary.append(
            f"Since your first rating on {since}: average pain {_fmt(p_all or 0)} "
            f"and stiffness {_fmt(s_all or 0)} out of 10, over {days} days with ratings."
        )
        if first_end < today - timedelta(days=27):
            summary.append(
                compare_sentence(
                    "pain", p_last, p_first, "over the last 4 weeks", "in your first 4 weeks"
                )
            )
            summary.append(
                compare_sentence(
                    "stiffness", s_last, s_first, "over the last 4 weeks", "in your first 4 weeks"
                )
            )
    else:
        length = _SPAN_DAYS[span]
        phrase = _SPAN_PHRASE[span]
        _, p_now, s_now = period_means(db, start, today, kinds=TREND_KINDS)
        prev_end = start - timedelta(days=1)
        before = prev_end - timedelta(days=length - 1)
        _, p_prev, s_prev = period_means(db, before, prev_end, kinds=TREND_KINDS)
        now_phrase, before_phrase = f"over the last {phrase}", f"in the {phrase} before"
        summary.append(compare_sentence("pain", p_now, p_prev, now_phrase, before_phrase))
        summary.append(compare_sentence("stiffness", s_now, s_prev, now_phrase, before_phrase))
    count = sum(m.count for m in marks)
    if first is not None:
        summary.append(f"Sessions in this range: {count}.")
    summary.append(adherence_sentence(bars, bar_bucket, today))
    summary.append(streak_sentence(streak))

    return ProgressData(
        span=span,
        start=start,
        end=today,
        bucket="week" if weekly else "day",
        point_label="weekly average" if weekly else "daily value",
        line_label="3-month average" if weekly else "7-day average",
        pain=pain,
        stiffness=stiffness,
        sessions=marks,
        session_count=count,
        programs=programs,
        programs_note=PROGRAMS_NOTE,
        adherence=bars,
        adherence_bucket=bar_bucket,
        streak=streak,
        summary=summary,
        first_day=first,
    )
