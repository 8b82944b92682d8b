"""Schedules in plain words: times, dates, the lead time and the repeat pattern.

The one place where a schedule becomes a sentence, so the Schedule page, the tray and
the tests read the same words. Day and month names come from the standard library
(`calendar`, in English like the rest of Thenar's text); the views pass their own
locale formatters for times and dates.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from appcore.schedule_picker import ALL_DAYS, Repeat
from therapy import ROUTINES

if TYPE_CHECKING:
    from appcore.reminders import ScheduleEntry
    from appcore.schedule_picker import PickerChoice

TimeFormat = Callable[[dt.time], str]
DateFormat = Callable[[dt.date], str]

# Monday first, as `date.weekday()` counts. The C locale's names, in English like every
# other word here, whatever locale Qt set for the process (views format dates themselves).
with calendar.different_locale(("C", None)):
    DAY_NAMES = tuple(calendar.day_name)
    _MONTH_NAMES = tuple(calendar.month_name)  # [0] is ""


def plain_time(value: dt.time) -> str:
    """8:00, 17:30: the default when no locale formatter is given."""
    return f"{value.hour}:{value.minute:02d}"


def plain_date(value: dt.date) -> str:
    """Monday 9 March 2026: unambiguous in any country."""
    return f"{DAY_NAMES[value.weekday()]} {value.day} {_MONTH_NAMES[value.month]} {value.year}"


def lead_phrase(minutes: int) -> str:
    """'reminder 10 minutes before', in words a person says."""
    if minutes <= 0:
        return "reminder at the start time"
    hours, mins = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append("1 hour" if hours == 1 else f"{hours} hours")
    if mins:
        parts.append("1 minute" if mins == 1 else f"{mins} minutes")
    return f"reminder {' '.join(parts)} before"


def _join(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def when_text(
    choice: PickerChoice, fmt_time: TimeFormat = plain_time, fmt_date: DateFormat = plain_date
) -> str:
    """'Every weekday at 8:00, until Friday 3 April 2026'."""
    c = choice.normalised()
    if c.repeat is Repeat.DAILY:
        text = "Every day"
    elif c.repeat is Repeat.WEEKDAYS:
        text = "Every weekday"
    elif c.repeat is Repeat.EVERY_N_DAYS:
        text = f"Every {c.every_n} days"
    elif len(c.days) == 6:
        text = f"Every day except {DAY_NAMES[min(ALL_DAYS - c.days)]}"
    else:
        text = "Every " + _join([DAY_NAMES[d] for d in sorted(c.days)] or ["…"])
    text += f" at {fmt_time(c.at)}"
    if c.until is not None:
        text += f", until {fmt_date(c.until)}"
    elif c.count is not None:
        text += ", once" if c.count == 1 else f", {c.count} times"
    return text


def choice_sentence(
    choice: PickerChoice,
    program_name: str | None = None,
    fmt_time: TimeFormat = plain_time,
    fmt_date: DateFormat = plain_date,
) -> str:
    """'Every weekday at 8:00, Morning ease, reminder 10 minutes before'."""
    routine = ROUTINES.get(choice.routine_id)
    name = program_name or (routine.name if routine else choice.routine_id)
    return f"{when_text(choice, fmt_time, fmt_date)}, {name}, {lead_phrase(choice.lead_min)}"


def entry_sentence(
    entry: ScheduleEntry, fmt_time: TimeFormat = plain_time, fmt_date: DateFormat = plain_date
) -> str:
    """A stored schedule in one plain sentence (its rule, if the picker cannot say it)."""
    if entry.choice is not None:
        return choice_sentence(entry.choice, entry.program_name, fmt_time, fmt_date)
    start = entry.schedule.dtstart
    return (
        f"Repeats by the rule {entry.schedule.rrule} from {fmt_date(start.date())} at "
        f"{fmt_time(start.time())}, {entry.program_name}, "
        f"{lead_phrase(entry.schedule.lead_min)}"
    )
