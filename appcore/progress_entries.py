"""What the daily entries add to the Progress page and the report (issue 14).

Morning stiffness over time, pain per hand when the person tracks the hands
apart, flares / medication changes / notes as marks, and a hand map of how
often each zone hurt. Loaded on the DB thread beside `load_progress` for the
same range, and, like it, descriptive only: what the person recorded, never
what caused it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from appcore.progress import WEEKS_SMOOTHED, Point, Trend
from data import entries as entry_log
from data.entries import Side
from massage import ZONE_NAMES

if TYPE_CHECKING:
    from appcore.progress import DateFormatter
    from data.db import LogDb
    from data.entries import DayValue, Mark, ZoneCounts

MORNING = "Morning stiffness"
# Notes shown in words under the charts (every day with notes is a mark on the charts);
# the report shows a few more.
NOTES_SHOWN = 5
NOTES_KEPT = 10


@dataclass(frozen=True)
class EntryProgress:
    """The entries' part of one range: series, marks, the hand map and sentences."""

    start: date
    end: date
    morning: Trend  # minutes, not 0-10
    left_pain: Trend | None  # both None unless the hands were tracked apart
    right_pain: Trend | None
    marks: list[Mark]
    zones: ZoneCounts
    sentences: list[str]
    notes: list[Mark]  # the newest notes, newest first, with their words

    @property
    def apart(self) -> bool:
        return self.left_pain is not None


def _trend(measure: str, values: list[DayValue], weekly: bool) -> Trend:
    """Points with a trailing mean over 7 days (or WEEKS_SMOOTHED weeks), broken at gaps."""
    points = [Point(v.day, v.value) for v in values]
    span = WEEKS_SMOOTHED * 7 if weekly else 7
    smooth: list[Point] = []
    for i, p in enumerate(points):
        window = [q.value for q in points[: i + 1] if (p.day - q.day).days < span]
        smooth.append(Point(p.day, sum(window) / len(window)))
    segments: list[list[Point]] = []
    for p in smooth:
        if segments and (p.day - segments[-1][-1].day).days <= span:
            segments[-1].append(p)
        else:
            segments.append([p])
    return Trend(measure, points, segments)


def _minutes(value: float) -> str:
    return f"{round(value)} minute{'s' if round(value) != 1 else ''}"


def _most_often(zones: ZoneCounts, whose: str) -> str | None:
    best: tuple[int, Side, int] | None = None
    for side in Side:
        for zone, n in zones.counts[side].items():
            if best is None or n > best[0]:
                best = (n, side, zone)
    if best is None:
        return None
    n, side, zone = best
    return (
        f"Where it hurt most often: the {ZONE_NAMES[zone].lower()} of {whose} {side.value} hand, "
        f"marked in {n} of {zones.of[side]} entries about that hand."
    )


def _default_date(day: date) -> str:
    return f"{day.day} {day.strftime('%B %Y')}"


def load_entry_progress(
    db: LogDb,
    start: date,
    end: date,
    weekly: bool,
    format_date: DateFormatter = _default_date,
    whose: str = "your",
) -> EntryProgress:
    """Everything the entries add for [start, end] (weekly points for the long range)."""
    morning_values = entry_log.morning_stiffness(db, start, end, weekly=weekly)
    apart = entry_log.hands_tracked_apart(db, start, end)
    left = right = None
    if apart:
        left = _trend(
            "Pain, left hand",
            entry_log.pain_by_hand(db, Side.LEFT, start, end, weekly=weekly),
            weekly,
        )
        right = _trend(
            "Pain, right hand",
            entry_log.pain_by_hand(db, Side.RIGHT, start, end, weekly=weekly),
            weekly,
        )
    marks = entry_log.marks(db, start, end)
    zones = entry_log.zone_counts(db, start, end)

    sentences: list[str] = []
    if morning_values:
        mean = sum(v.value for v in morning_values) / len(morning_values)
        unit = "weeks" if weekly else "days"
        sentences.append(
            f"Morning stiffness: {_minutes(mean)} on average, over {len(morning_values)} "
            f"{unit} with it recorded."
        )
    else:
        sentences.append("No morning stiffness recorded in this range.")
    flares = [m for m in marks if m.kind == "flare"]
    if flares:
        sentences.append(f"Flares on {len(flares)} day{'s' if len(flares) != 1 else ''}.")
    meds = [m for m in marks if m.kind == "medication"]
    if meds:
        sentences.append(
            "Medication changes: "
            + "; ".join(f"{m.text} on {format_date(m.day)}" for m in meds)
            + "."
        )
    notes = entry_log.note_count(db, start, end)
    if notes:
        sentences.append(f"Notes in this range: {notes}.")
    where = _most_often(zones, whose)
    if where:
        sentences.append(where)
    return EntryProgress(
        start=start,
        end=end,
        morning=_trend(MORNING, morning_values, weekly),
        left_pain=left,
        right_pain=right,
        marks=marks,
        zones=zones,
        sentences=sentences,
        notes=entry_log.latest_notes(db, start, end, NOTES_KEPT),
    )


def latest_notes(progress: EntryProgress, n: int = NOTES_SHOWN) -> list[Mark]:
    """The newest notes of the range, newest first."""
    return progress.notes[:n]
