"""The personal comparison trial (n-of-1): its design, its randomised plan, its deviations.

Why a plan at all: a person who uses the routine they like on bad days gets a
biased answer. A planned, randomised alternation gives each routine the same
kind of days. The plan is built in pairs of periods, one period of each arm in
each pair, the order inside every pair drawn from a seeded generator: so both
arms get exactly the same number of days, slow drifts (season, a new job) hit
both arms alike, and the same seed always gives the same plan, which is what
lets the log prove the plan was fixed before any result was seen.

A `TrialPlan` is a frozen value. Locking it (storing it with the lock time) is
the app's job; after that nothing changes the plan, and a day the person did
differently is a `Deviation`, recorded, never dropped.

Pure: no I/O, no clock (days come in as arguments).
"""

from __future__ import annotations

import datetime as dt
import enum
import random
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from .errors import TherapyError
from .routines import ROUTINES

NO_MASSAGE = "no_massage"  # the arm "no massage on these days"
MIN_PERIOD_DAYS = 2
MAX_PERIOD_DAYS = 7
MIN_PAIRS = 2  # two pairs is the least that gives an interval at all
MAX_PAIRS = 12
MIN_WEEKS = 2
MAX_WEEKS = 12


class TrialError(TherapyError, ValueError):
    """A trial design or change that cannot be accepted; `str` says why in plain words."""


class Outcome(enum.StrEnum):
    """What the trial compares. Lower is better for both."""

    MORNING_STIFFNESS = "morning_stiffness"  # minutes, the morning after the day
    EVENING_PAIN = "evening_pain"  # 0-10, the evening of the day

    @property
    def meaningful(self) -> float:
        """The smallest difference worth acting on (design values, docs/safety-and-care.md:
        the usual important change on the pain scale is about 2 points; 1 point and a
        quarter of an hour of stiffness are the smaller amounts a person may still notice)."""
        return 15.0 if self is Outcome.MORNING_STIFFNESS else 1.0

    @property
    def unit(self) -> str:
        return "minutes" if self is Outcome.MORNING_STIFFNESS else "points"

    @property
    def label(self) -> str:
        if self is Outcome.MORNING_STIFFNESS:
            return "morning stiffness the next day (minutes)"
        return "pain in the evening (0-10)"


@dataclass(frozen=True)
class TrialDesign:
    """What the person chose: two arms, the outcome, the shape of the schedule."""

    arm_a: str  # a routine id, or NO_MASSAGE
    arm_b: str
    outcome: Outcome
    start: dt.date
    period_days: int
    pairs: int
    washout: bool = False  # the first day of each period is not counted

    def problems(self, allowed: Collection[str]) -> list[str]:
        """What is wrong with this design, in words ([] when it can be planned).

        `allowed` is the routines the person's safety profile lets run today (the
        safety owner is the only judge of that); NO_MASSAGE is always allowed.
        """
        out: list[str] = []
        if self.arm_a == self.arm_b:
            out.append("Choose two different things to compare.")
        if self.arm_a == NO_MASSAGE and self.arm_b == NO_MASSAGE:
            out.append("At least one side of the comparison must be a routine.")
        for arm in (self.arm_a, self.arm_b):
            if arm != NO_MASSAGE and arm not in allowed:
                out.append(f"The routine {arm!r} is not one your safety limits allow.")
        if not isinstance(self.outcome, Outcome):
            out.append("Choose what to measure: morning stiffness or evening pain.")
        days_ok = isinstance(self.period_days, int) and (
            MIN_PERIOD_DAYS <= self.period_days <= MAX_PERIOD_DAYS
        )
        if not days_ok:
            out.append(f"Each period lasts {MIN_PERIOD_DAYS} to {MAX_PERIOD_DAYS} days.")
        elif self.washout and self.period_days < 3:
            out.append("With a washout day, each period needs at least 3 days.")
        if not (isinstance(self.pairs, int) and MIN_PAIRS <= self.pairs <= MAX_PAIRS):
            out.append(f"A trial has {MIN_PAIRS} to {MAX_PAIRS} pairs of periods.")
        return out

    @property
    def days(self) -> int:
        return 2 * self.pairs * self.period_days


def pairs_for_weeks(weeks: int, period_days: int) -> int:
    """How many whole pairs of periods fit in `weeks` weeks (at least MIN_PAIRS)."""
    if not MIN_WEEKS <= weeks <= MAX_WEEKS:
        raise TrialError(f"A trial lasts {MIN_WEEKS} to {MAX_WEEKS} weeks.")
    return max(MIN_PAIRS, min(MAX_PAIRS, (weeks * 7) // (2 * period_days)))


@dataclass(frozen=True)
class Period:
    """Some consecutive days on one arm: `pair` counts from 0, `first` is its first day."""

    pair: int
    arm: str
    first: dt.date
    days: int

    @property
    def last(self) -> dt.date:
        return self.first + dt.timedelta(days=self.days - 1)

    def covers(self, day: dt.date) -> bool:
        return self.first <= day <= self.last


@dataclass(frozen=True)
class PlannedDay:
    """What the plan says for one day."""

    day: dt.date
    period: Period
    washout: bool  # the period's first day, left out of the comparison

    @property
    def arm(self) -> str:
        return self.period.arm


@dataclass(frozen=True)
class TrialPlan:
    """The design, the seed and the schedule it gives: a value, equal only to itself."""

    design: TrialDesign
    seed: int
    periods: tuple[Period, ...]

    @property
    def first_day(self) -> dt.date:
        return self.periods[0].first

    @property
    def last_day(self) -> dt.date:
        return self.periods[-1].last

    def on(self, day: dt.date) -> PlannedDay | None:
        """The plan for `day`, or None outside the trial."""
        if not self.first_day <= day <= self.last_day:
            return None
        index = (day - self.first_day).days // self.design.period_days
        period = self.periods[index]
        return PlannedDay(day, period, self.design.washout and day == period.first)

    def days(self) -> Iterable[PlannedDay]:
        for period in self.periods:
            for i in range(period.days):
                planned = self.on(period.first + dt.timedelta(days=i))
                assert planned is not None
                yield planned

    def arms(self) -> tuple[str, str]:
        return (self.design.arm_a, self.design.arm_b)


def plan_trial(design: TrialDesign, seed: int, allowed: Collection[str]) -> TrialPlan:
    """The balanced randomised schedule for `design`; the same seed gives the same plan.

    Raises TrialError listing every problem with the design.
    """
    problems = design.problems(allowed)
    if problems:
        raise TrialError(" ".join(problems))
    rng = random.Random(seed)
    periods: list[Period] = []
    day = design.start
    for pair in range(design.pairs):
        order = (design.arm_a, design.arm_b)
        if rng.random() < 0.5:
            order = (design.arm_b, design.arm_a)
        for arm in order:
            periods.append(Period(pair, arm, day, design.period_days))
            day += dt.timedelta(days=design.period_days)
    return TrialPlan(design, seed, tuple(periods))


def new_seed() -> int:
    """A fresh seed for a new plan (drawn once, then stored with the plan)."""
    return random.SystemRandom().randrange(1, 2**31)


# --- deviations -------------------------------------------------------------------


class DeviationKind(enum.StrEnum):
    """How a day went differently from the plan."""

    OTHER_ROUTINE = "other_routine"  # a different routine than planned (and not the plan's)
    SWAPPED = "swapped"  # the other arm of the trial instead of this day's
    NO_SESSION = "no_session"  # a routine day without that routine
    MASSAGE_ON_REST_DAY = "massage_on_rest_day"  # a massage on a "no massage" day
    LIMITS_LOWERED = "limits_lowered"  # the day's safety limits (a flare) changed the plan
    NOTED = "noted"  # the person's own note about the day

    @property
    def words(self) -> str:
        return {
            DeviationKind.OTHER_ROUTINE: "a different routine than planned",
            DeviationKind.SWAPPED: "the other routine of the comparison",
            DeviationKind.NO_SESSION: "no session of the planned routine",
            DeviationKind.MASSAGE_ON_REST_DAY: "a massage on a day planned without one",
            DeviationKind.LIMITS_LOWERED: "the day's safety limits came first",
            DeviationKind.NOTED: "your own note",
        }[self]


@dataclass(frozen=True)
class Deviation:
    """One day that did not go as planned; `planned` and `actual` are arms or routine ids."""

    day: dt.date
    kind: DeviationKind
    planned: str
    actual: str = ""
    note: str = ""


def judge_day(
    plan: TrialPlan,
    day: dt.date,
    routines_done: Collection[str],
    *,
    limits_lowered: bool = False,
) -> tuple[Deviation, ...]:
    """The deviations of one finished day, from the routines run that day.

    `routines_done` holds the routine ids of the sessions logged that day;
    `limits_lowered` is True when the day's check-in made the limits stricter (a
    flare): the limits in force always win over the plan, and such a day is a
    deviation, not a failure. A day outside the trial has none.
    """
    planned = plan.on(day)
    if planned is None:
        return ()
    out: list[Deviation] = []
    arm = planned.arm
    other = plan.design.arm_b if arm == plan.design.arm_a else plan.design.arm_a
    if limits_lowered:
        out.append(Deviation(day, DeviationKind.LIMITS_LOWERED, arm))
    done = set(routines_done)
    if arm == NO_MASSAGE:
        if done:
            kind = DeviationKind.SWAPPED if other in done else DeviationKind.MASSAGE_ON_REST_DAY
            out.append(Deviation(day, kind, arm, ", ".join(sorted(done))))
        return tuple(out)
    if arm not in done:
        if other in done:
            out.append(Deviation(day, DeviationKind.SWAPPED, arm, other))
        elif done:
            out.append(Deviation(day, DeviationKind.OTHER_ROUTINE, arm, ", ".join(sorted(done))))
        else:
            out.append(Deviation(day, DeviationKind.NO_SESSION, arm))
    elif done - {arm}:
        extra = done - {arm}
        kind = DeviationKind.SWAPPED if other in extra else DeviationKind.OTHER_ROUTINE
        out.append(Deviation(day, kind, arm, ", ".join(sorted(extra))))
    return tuple(out)


def deviations_by_day(deviations: Iterable[Deviation]) -> Mapping[dt.date, tuple[Deviation, ...]]:
    grouped: dict[dt.date, list[Deviation]] = {}
    for d in deviations:
        grouped.setdefault(d.day, []).append(d)
    return {day: tuple(items) for day, items in grouped.items()}


def arm_name(arm: str) -> str:
    """The name people see for an arm."""
    if arm == NO_MASSAGE:
        return "No massage"
    if arm == "other_massager":  # a session on another device (the log's session kinds)
        return "another massager"
    if arm.startswith("by_hand:"):
        return f"{arm_name(arm.removeprefix('by_hand:'))}, by hand"
    routine = ROUTINES.get(arm)
    return routine.name if routine is not None else arm
