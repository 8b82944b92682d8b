"""The one owner of the personal comparison trial: its locked plan, deviations and result.

Views read `state` and subscribe for typed `TrialChanged` events; nothing else
writes the trial tables. The plan is built by `therapy.trial` only from the
routines the safety owner's profile allows now, and is stored locked: this
class offers no way to change a stored plan (the schema's triggers refuse it
too). Every finished day is reviewed once: how it differed from the plan (a
different routine, no session, a massage on a no-massage day, a check-in that
lowered the limits) is recorded as a deviation, never dropped. The caps in force
always win: the plan only ever suggests.

Outcomes are read by `read_outcomes`, the one adapter over the daily entries
(`data.entries.daily_outcomes`).

Why this module is long: the one owner of the trial: its record conversions, the daily
review of deviations, the offers, notes and stop all use the same locked plan and
tables, and keeping them in one module keeps "nothing else writes the trial tables"
checkable in one file.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from appcore.events import Observers
from appcore.safety import SafetyChange
from data import entries
from data import trials as store
from data.tx import writing
from therapy import ROUTINES, SessionNotAllowed, Verdict, compile_program
from therapy.trial import (
    NO_MASSAGE,
    Deviation,
    DeviationKind,
    Outcome,
    Period,
    TrialDesign,
    TrialError,
    TrialPlan,
    arm_name,
    judge_day,
    new_seed,
    plan_trial,
)

if TYPE_CHECKING:
    from appcore.db_worker import DbWorker
    from appcore.events import Subscription
    from appcore.safety import SafetyChanged, SafetyOwner
    from data.db import LogDb
    from therapy import SafetyProfile
    from therapy.trial import (
        PlannedDay,
    )
    from therapy.trial_analysis import TrialResult

log = logging.getLogger(__name__)

PREVIEW_INTENSITY = 5  # a routine is allowed if it compiles at the middle intensity


# --- the plan as the log keeps it ---------------------------------------------------


def design_json(design: TrialDesign) -> dict[str, Any]:
    return {
        "arm_a": design.arm_a,
        "arm_b": design.arm_b,
        "outcome": design.outcome.value,
        "start": design.start.isoformat(),
        "period_days": design.period_days,
        "pairs": design.pairs,
        "washout": design.washout,
    }


def design_from_json(raw: dict[str, Any]) -> TrialDesign:
    return TrialDesign(
        arm_a=str(raw["arm_a"]),
        arm_b=str(raw["arm_b"]),
        outcome=Outcome(raw["outcome"]),
        start=dt.date.fromisoformat(raw["start"]),
        period_days=int(raw["period_days"]),
        pairs=int(raw["pairs"]),
        washout=bool(raw["washout"]),
    )


def periods_json(plan: TrialPlan) -> list[dict[str, Any]]:
    return [
        {"pair": p.pair, "arm": p.arm, "first": p.first.isoformat(), "days": p.days}
        for p in plan.periods
    ]


def plan_from_record(record: store.TrialRecord) -> TrialPlan:
    """The plan exactly as locked: the stored schedule, not a new draw from the seed."""
    periods = tuple(
        Period(int(p["pair"]), str(p["arm"]), dt.date.fromisoformat(p["first"]), int(p["days"]))
        for p in record.periods
    )
    return TrialPlan(design_from_json(record.design), record.seed, periods)


def deviation_from_record(r: store.DeviationRecord) -> Deviation:
    return Deviation(r.day, DeviationKind(r.kind), r.planned, r.actual, r.note)


# --- outcomes: the one adapter over the daily log -----------------------------------


def read_outcomes(db: LogDb, plan: TrialPlan) -> dict[dt.date, float]:
    """Each trial day's outcome from the daily entries (the tracking feature's log).

    Morning stiffness for day d is the minutes recorded the morning after (d + 1):
    the stiffness that follows a day on one routine. Evening pain for day d is the
    mean pain of that evening's entries (`data.entries.DayOutcome`). The one place
    the trial reads outcomes from the log.
    """
    days = entries.daily_outcomes(db, plan.first_day, plan.last_day + dt.timedelta(days=1))
    by_day = {d.day: d for d in days}
    out: dict[dt.date, float] = {}
    for planned in plan.days():
        value: float | None
        if plan.design.outcome is Outcome.MORNING_STIFFNESS:
            after = by_day.get(planned.day + dt.timedelta(days=1))
            value = None if after is None else after.morning_stiffness_min
        else:
            today = by_day.get(planned.day)
            value = None if today is None else today.evening_pain
        if value is not None:
            out[planned.day] = float(value)
    return out


# --- the owner's state and events ---------------------------------------------------


@dataclass(frozen=True)
class TrialState:
    """The current (latest) trial as locked, with what has happened to it."""

    trial_id: int
    plan: TrialPlan
    locked_at: dt.datetime
    stopped_on: dt.date | None
    stop_reason: str | None
    reviewed_through: dt.date | None
    deviations: tuple[Deviation, ...]

    def running_on(self, day: dt.date) -> bool:
        """The plan applies to `day` (inside the trial, not stopped before it)."""
        if self.stopped_on is not None and day >= self.stopped_on:
            return False
        return self.plan.on(day) is not None

    def finished_by(self, day: dt.date) -> bool:
        return self.stopped_on is not None or day > self.plan.last_day


class TrialChange(enum.Enum):
    LOADED = "loaded"
    LOCKED = "locked"
    REVIEWED = "reviewed"  # finished days were checked; deviations may have been added
    NOTED = "noted"
    STOPPED = "stopped"


@dataclass(frozen=True)
class TrialChanged:
    change: TrialChange
    before: TrialState | None
    after: TrialState | None


@dataclass(frozen=True)
class TodayOffer:
    """What the Massage page offers first today, and why, in words."""

    day: dt.date
    planned: PlannedDay
    reason: str
    limits_note: str  # "" unless today's limits change or block the planned routine

    @property
    def routine(self) -> str | None:
        """The routine to offer first, or None on a no-massage day."""
        return None if self.planned.arm == NO_MASSAGE else self.planned.arm


def _load(db: LogDb) -> TrialState | None:
    """The latest trial; None (and a warning in the diagnostic log) if it cannot be read,
    e.g. a damaged row from a hand-edited backup: the app must still start."""
    record = store.latest_trial(db)
    if record is None:
        return None
    try:
        return _state(db, record)
    except (KeyError, ValueError, TypeError):
        log.warning("trial %d cannot be read by this version; it is left as it is", record.id)
        return None


def _state(db: LogDb, record: store.TrialRecord) -> TrialState:
    return TrialState(
        trial_id=record.id,
        plan=plan_from_record(record),
        locked_at=record.locked_at,
        stopped_on=record.stopped_on,
        stop_reason=record.stop_reason,
        reviewed_through=record.reviewed_through,
        deviations=tuple(deviation_from_record(r) for r in store.deviations(db, record.id)),
    )


def _review(db: LogDb, trial_id: int, today: dt.date, now: dt.datetime) -> TrialState | None:
    """Record the deviations of every finished day not reviewed yet (one transaction)."""
    state = _load(db)
    if state is None or state.trial_id != trial_id:
        return state
    plan = state.plan
    first = plan.first_day
    if state.reviewed_through is not None:
        first = max(first, state.reviewed_through + dt.timedelta(days=1))
    last = min(today - dt.timedelta(days=1), plan.last_day)
    if state.stopped_on is not None:
        last = min(last, state.stopped_on - dt.timedelta(days=1))
    if last < first:
        return state
    run = store.routines_run(db, first, last)
    lowered = store.limits_lowered_days(db, first, last)
    with writing(db):  # the days' deviations and "reviewed through" commit together
        day = first
        while day <= last:
            for dev in judge_day(plan, day, run.get(day, []), limits_lowered=day in lowered):
                store.add_deviation(
                    db,
                    trial_id,
                    day=dev.day,
                    kind=dev.kind.value,
                    planned=dev.planned,
                    actual=dev.actual,
                    note=dev.note,
                    recorded_at=now,
                )
            day += dt.timedelta(days=1)
        store.mark_reviewed(db, trial_id, last)
    return _load(db)


def allowed_routines(profile: SafetyProfile | None) -> frozenset[str]:
    """The built-in routines this profile lets run (each compiles under its caps)."""
    if profile is None or profile.verdict is not Verdict.ALLOWED:
        return frozenset()
    out = set()
    for key, routine in ROUTINES.items():
        try:
            compile_program(routine, PREVIEW_INTENSITY, profile)
        except SessionNotAllowed:
            continue
        out.add(key)
    return frozenset(out)


class TrialOwner:
    """Owns the trial; change it only through these methods."""

    def __init__(self, db: DbWorker, safety: SafetyOwner, now: Callable[[], dt.datetime]) -> None:
        self._db = db
        self._safety = safety
        self._now = now
        self._state: TrialState | None = None
        self._changes: Observers[TrialChanged] = Observers()
        self._lock = asyncio.Lock()
        self._safety_sub = safety.subscribe(self._on_safety)
        self._pending: set[asyncio.Task[None]] = set()

    # --- reading ------------------------------------------------------------------

    @property
    def state(self) -> TrialState | None:
        return self._state

    def subscribe(self, callback: Callable[[TrialChanged], None]) -> Subscription:
        return self._changes.subscribe(callback)

    def today(self) -> dt.date:
        return self._now().date()

    def allowed(self) -> frozenset[str]:
        """Routines a new plan may use: those the safety owner's screening profile allows.

        The screening's profile, not today's: a flare today must not shape weeks of plan.
        """
        return allowed_routines(self._safety.state.base)

    def preview(self, design: TrialDesign, seed: int | None = None) -> TrialPlan:
        """A plan to show before locking (not stored). Raises TrialError with words."""
        return plan_trial(design, new_seed() if seed is None else seed, self.allowed())

    def offer(self, day: dt.date | None = None) -> TodayOffer | None:
        """Today's planned arm with the reason, or None when no trial runs today."""
        state = self._state
        day = day or self.today()
        if state is None or not state.running_on(day):
            return None
        planned = state.plan.on(day)
        assert planned is not None
        plan = state.plan
        number = (day - plan.first_day).days + 1
        a, b = arm_name(plan.design.arm_a), arm_name(plan.design.arm_b)
        what = (
            f"today's plan is {arm_name(planned.arm)}"
            if planned.arm != NO_MASSAGE
            else "today is a day without massage"
        )
        reason = (
            f"Day {number} of {plan.design.days} of your comparison of {a} and {b}: {what}. "
            "The order was drawn at random and fixed before the first day, so both get the "
            "same kind of days."
        )
        if planned.washout:
            reason += " This is a washout day: it follows the plan but is not counted."
        return TodayOffer(day, planned, reason, self._limits_note(planned))

    def reminder_note(self, day: dt.date) -> str:
        """What a session reminder on `day` adds so it follows the plan ("" outside one)."""
        state = self._state
        if state is None or not state.running_on(day):
            return ""
        planned = state.plan.on(day)
        assert planned is not None
        if planned.arm == NO_MASSAGE:
            return (
                "Your comparison plans no massage that day: skipping this reminder keeps "
                "to the plan."
            )
        return f"Your comparison plans {arm_name(planned.arm)} that day."

    def _limits_note(self, planned: PlannedDay) -> str:
        if planned.arm == NO_MASSAGE:
            return ""
        safety = self._safety.state
        profile = safety.profile
        if planned.arm not in allowed_routines(profile):
            why = safety.why_not() or "your limits today do not allow it."
            return (
                "Your safety limits come first: the planned routine cannot run now. "
                f"{why} A day like this is recorded as going differently, which is fine."
            )
        base = safety.base
        if (
            profile is not None
            and base is not None
            and (
                profile.device_limits() != base.device_limits()
                or profile.banned_techniques != base.banned_techniques
            )
        ):
            return (
                "Today's check-in lowered your limits, so the routine runs in its gentler "
                "form. The day is recorded as going differently, which is fine."
            )
        return ""

    async def result(self, as_of: dt.date | None = None) -> TrialResult | None:
        """The result as of today (interim while the trial runs), read from the log."""
        await self.review()
        state = self._state
        if state is None:
            return None
        outcomes = await self._db.run(read_outcomes, state.plan)
        from therapy.trial_analysis import analyse  # the statistics load with a result

        return analyse(
            state.plan,
            outcomes,
            state.deviations,
            as_of=as_of or self.today(),
            stopped_on=state.stopped_on,
        )

    # --- changing -------------------------------------------------------------------

    async def _apply(self, change: TrialChange, state: TrialState | None) -> TrialState | None:
        before = self._state
        self._state = state
        self._changes.publish(TrialChanged(change, before, state))
        return state

    async def load(self) -> TrialState | None:
        async with self._lock:
            await self._apply(TrialChange.LOADED, await self._db.run(_load))
        return await self.review()

    async def lock(self, plan: TrialPlan) -> TrialState:
        """Store `plan`, locked. Refused (TrialError) unless it starts after today, uses only
        routines the profile allows, is what its seed gives, and no other trial runs."""
        now = self._now()
        if plan.first_day <= now.date():
            raise TrialError(
                "A plan starts tomorrow or later: it is fixed before its first day, so no "
                "result can shape it."
            )
        problems = plan.design.problems(self.allowed())
        if problems:
            raise TrialError(" ".join(problems))
        if plan != plan_trial(plan.design, plan.seed, self.allowed()):
            raise TrialError("This schedule is not the one its seed gives; plan it again.")
        state = self._state
        if state is not None and not state.finished_by(plan.first_day):
            raise TrialError("A comparison is already running: stop it before planning another.")

        def save(db: LogDb) -> TrialState | None:
            store.lock_trial(
                db,
                locked_at=now,
                seed=plan.seed,
                design=design_json(plan.design),
                periods=periods_json(plan),
                first_day=plan.first_day,
                last_day=plan.last_day,
            )
            return _load(db)

        async with self._lock:
            saved = await self._apply(TrialChange.LOCKED, await self._db.run(save))
        assert saved is not None
        return saved

    async def review(self) -> TrialState | None:
        """Record the deviations of finished days not reviewed yet."""
        state = self._state
        if state is None:
            return None
        now = self._now()
        async with self._lock:
            after = await self._db.run(_review, state.trial_id, now.date(), now)
            if after != self._state:
                await self._apply(TrialChange.REVIEWED, after)
        return self._state

    async def note(self, text: str, day: dt.date | None = None) -> TrialState:
        """The person's own note that a day went differently (kept as a deviation)."""
        state = self._state
        day = day or self.today()
        if state is None or not state.running_on(day):
            raise TrialError("There is no comparison running on that day.")
        text = text.strip()
        if not text:
            raise TrialError("Write a few words about what was different.")
        planned = state.plan.on(day)
        assert planned is not None
        now = self._now()

        def save(db: LogDb) -> TrialState | None:
            store.add_deviation(
                db,
                state.trial_id,
                day=day,
                kind=DeviationKind.NOTED.value,
                planned=planned.arm,
                note=text,
                recorded_at=now,
            )
            return _load(db)

        async with self._lock:
            saved = await self._apply(TrialChange.NOTED, await self._db.run(save))
        assert saved is not None
        return saved

    async def stop(self, reason: str = "stopped by you") -> TrialState:
        """Stop from today; what was collected on earlier days is kept and analysed."""
        state = self._state
        today = self.today()
        if state is None or state.finished_by(today):
            raise TrialError("There is no comparison running to stop.")
        on = max(today, state.plan.first_day)

        def save(db: LogDb) -> TrialState | None:
            store.stop_trial(db, state.trial_id, on, reason)
            return _load(db)

        async with self._lock:
            saved = await self._apply(TrialChange.STOPPED, await self._db.run(save))
        await self.review()
        assert saved is not None
        return self._state or saved

    def close(self) -> None:
        self._safety_sub.close()

    def _on_safety(self, event: SafetyChanged) -> None:
        """A new day: review yesterday (its deviations are known now)."""
        if event.change is not SafetyChange.NEW_DAY or self._state is None:
            return
        task = asyncio.ensure_future(self._review_quietly())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _review_quietly(self) -> None:
        try:
            await self.review()
        except Exception:
            log.exception("reviewing the trial's finished days failed")
