"""The trial owner on a real log and a simulated clock: lock, review, offer, result, stop."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appcore.context import AppContext
from appcore.db_worker import DbWorker
from appcore.programs import ensure_routines
from appcore.settings import Settings
from appcore.trial import TrialChange, TrialChanged, design_json, periods_json, plan_from_record
from data import trials as store
from data.entries import Entry, record_entry
from data.errors import InvalidInputError
from data.models import SessionStart
from data.sessions import start_session
from data.store import open_memory
from tests.appcore.conftest import CLEAR_ANSWERS
from tests.appcore.helpers import DayClock
from therapy import CheckIn
from therapy.trial import (
    MAX_PAIRS,
    MIN_PAIRS,
    NO_MASSAGE,
    DeviationKind,
    Outcome,
    TrialDesign,
    TrialError,
    TrialPlan,
    plan_trial,
)
from therapy.trial_analysis import VerdictKind

TZ = ZoneInfo("Europe/Berlin")
A, B = "arthritis_morning", "evening_wind_down"
START = dt.date(2026, 3, 2)


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[tuple[AppContext, DayClock]]:
    clock = DayClock(dt.datetime(2026, 3, 1, 9, tzinfo=TZ))
    worker = DbWorker(tmp_path / "data")
    await worker.open()
    ctx = AppContext(Settings(), tmp_path / "settings.json", worker, now=clock)
    await ctx.safety.save_screening(CLEAR_ANSWERS)
    await ctx.trial.load()
    yield ctx, clock
    ctx.trial.close()
    await worker.close()


def design(**changes: object) -> TrialDesign:
    base: dict[str, object] = {
        "arm_a": A,
        "arm_b": B,
        "outcome": Outcome.MORNING_STIFFNESS,
        "start": START,
        "period_days": 3,
        "pairs": 2,
        "washout": False,
    }
    base.update(changes)
    return TrialDesign(**base)  # type: ignore[arg-type]


designs = st.builds(
    TrialDesign,
    arm_a=st.sampled_from([A, "typing_recovery"]),
    arm_b=st.sampled_from([B, NO_MASSAGE]),
    outcome=st.sampled_from(list(Outcome)),
    start=st.dates(dt.date(2024, 1, 1), dt.date(2030, 12, 31)),
    period_days=st.integers(3, 7),
    pairs=st.integers(MIN_PAIRS, MAX_PAIRS),
    washout=st.booleans(),
)


@given(designs, st.integers(0, 2**31 - 1))
@settings(max_examples=60, deadline=None)
def test_a_plan_round_trips_through_the_log_unchanged(d: TrialDesign, seed: int) -> None:
    plan = plan_trial(d, seed, {A, B, "typing_recovery"})
    db = open_memory()
    try:
        trial_id = store.lock_trial(
            db,
            locked_at=dt.datetime(2024, 1, 1, tzinfo=TZ),
            seed=plan.seed,
            design=design_json(plan.design),
            periods=periods_json(plan),
            first_day=plan.first_day,
            last_day=plan.last_day,
        )
        assert plan_from_record(store.get_trial(db, trial_id)) == plan
    finally:
        db.close()


async def test_a_locked_plan_cannot_be_changed_through_the_app(app) -> None:
    ctx, _clock = app
    events: list[TrialChanged] = []
    ctx.trial.subscribe(events.append)
    plan = ctx.trial.preview(design(), seed=5)
    state = await ctx.trial.lock(plan)
    assert state.plan == plan
    assert [e.change for e in events] == [TrialChange.LOCKED]
    # no second plan over it, however it is asked for
    with pytest.raises(TrialError, match="already running"):
        await ctx.trial.lock(ctx.trial.preview(design(), seed=6))
    # the plan is a frozen value: the state handed out cannot be reshaped
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.plan.periods = ()  # type: ignore[misc]
    # a schedule that is not what its seed gives is refused (no hand-made reordering)
    swapped = TrialPlan(plan.design, plan.seed, tuple(reversed(plan.periods)))
    await ctx.trial.stop()
    with pytest.raises(TrialError, match="not the one its seed gives"):
        await ctx.trial.lock(swapped)
    # and a restart reads the same plan back
    await ctx.trial.load()
    assert ctx.trial.state is not None
    assert ctx.trial.state.plan == plan


async def test_only_routines_the_safety_owner_allows_and_never_in_the_past(
    tmp_path: Path,
) -> None:
    clock = DayClock(dt.datetime(2026, 3, 1, 9, tzinfo=TZ))
    worker = DbWorker(tmp_path / "data")
    await worker.open()
    ctx = AppContext(Settings(), tmp_path / "settings.json", worker, now=clock)
    try:
        await ctx.safety.load()
        assert ctx.trial.allowed() == frozenset()  # not screened: nothing may run
        with pytest.raises(TrialError, match="not one your safety limits allow"):
            ctx.trial.preview(design())
        await ctx.safety.save_screening(CLEAR_ANSWERS)
        assert {A, B} <= ctx.trial.allowed()
        for start in (dt.date(2026, 2, 27), dt.date(2026, 3, 1)):  # the past, and today
            with pytest.raises(TrialError, match="starts tomorrow or later"):
                await ctx.trial.lock(ctx.trial.preview(design(start=start)))
    finally:
        ctx.trial.close()
        await worker.close()


async def routine_session(ctx: AppContext, routine: str, at: dt.datetime) -> None:
    ids = await ctx.db.run(ensure_routines)
    await ctx.db.run(start_session, SessionStart(ids[routine], {}, {}, 5, None, at))


async def test_finished_days_are_reviewed_into_deviations(app) -> None:
    ctx, clock = app
    plan = await ctx.trial.lock(ctx.trial.preview(design(), seed=5))
    days = list(plan.plan.days())
    # day 1: as planned; day 2: the other routine; day 3: nothing; day 4: a flare check-in
    clock.to(days[0].day)
    await routine_session(ctx, days[0].arm, clock())
    clock.to(days[1].day)
    other = B if days[1].arm == A else A
    await routine_session(ctx, other, clock())
    clock.to(days[3].day)
    await ctx.safety.check_day()
    await ctx.safety.check_in(CheckIn(days[3].day, flare=True))
    offer = ctx.trial.offer()
    assert offer is not None
    assert "lowered your limits" in offer.limits_note
    await routine_session(ctx, days[3].arm, clock())
    clock.to(days[4].day)
    state = await ctx.trial.review()
    assert state is not None
    got = {(d.day, d.kind) for d in state.deviations}
    assert got == {
        (days[1].day, DeviationKind.SWAPPED),
        (days[2].day, DeviationKind.NO_SESSION),
        (days[3].day, DeviationKind.LIMITS_LOWERED),
    }
    assert state.reviewed_through == days[3].day
    # reviewing again records nothing twice
    again = await ctx.trial.review()
    assert again is not None
    assert len(again.deviations) == 3


async def test_the_offer_says_what_today_is_and_why(app) -> None:
    ctx, clock = app
    assert ctx.trial.offer() is None  # no trial: nothing to offer first
    state = await ctx.trial.lock(ctx.trial.preview(design(arm_b=NO_MASSAGE), seed=9))
    clock.to(START - dt.timedelta(days=1))
    assert ctx.trial.offer() is None  # not started yet
    for planned in state.plan.days():
        clock.to(planned.day)
        offer = ctx.trial.offer()
        assert offer is not None
        number = (planned.day - START).days + 1
        assert offer.reason.startswith(f"Day {number} of 12 of your comparison of Morning ease")
        if planned.arm == NO_MASSAGE:
            assert offer.routine is None
            assert "today is a day without massage" in offer.reason
        else:
            assert offer.routine == A
            assert "today's plan is Morning ease" in offer.reason
        assert "fixed before the first day" in offer.reason
    clock.to(state.plan.last_day + dt.timedelta(days=1))
    assert ctx.trial.offer() is None


async def test_result_from_morning_entries_interim_then_final(app) -> None:
    ctx, clock = app
    state = await ctx.trial.lock(ctx.trial.preview(design(pairs=3), seed=3))
    for planned in state.plan.days():
        morning = dt.datetime.combine(planned.day + dt.timedelta(days=1), dt.time(8), tzinfo=TZ)
        minutes = 20 if planned.arm == A else 50 + planned.period.pair * 5
        await ctx.db.run(record_entry, Entry(morning, morning_stiffness_min=minutes))
    clock.to(START + dt.timedelta(days=12))
    interim = await ctx.trial.result()
    assert interim is not None
    assert interim.interim
    assert len(interim.pairs) == 2
    clock.to(state.plan.last_day + dt.timedelta(days=1))
    final = await ctx.trial.result()
    assert final is not None
    assert not final.interim
    assert final.verdict is VerdictKind.A_BETTER
    assert final.difference == pytest.approx(-35.0)
    # every day had a routine day without its session: all recorded, none dropped
    assert len(final.deviations) == final.days_elapsed == 18


async def test_stopping_early_keeps_what_was_collected(app) -> None:
    ctx, clock = app
    state = await ctx.trial.lock(
        ctx.trial.preview(design(pairs=3, outcome=Outcome.EVENING_PAIN), seed=4)
    )
    for planned in state.plan.days():
        evening = dt.datetime.combine(planned.day, dt.time(20), tzinfo=TZ)
        await ctx.db.run(record_entry, Entry(evening, pain=2 if planned.arm == A else 4))
        noon = dt.datetime.combine(planned.day, dt.time(12), tzinfo=TZ)
        await ctx.db.run(record_entry, Entry(noon, pain=9))  # not the evening: not counted
    clock.to(START + dt.timedelta(days=12), hour=10)
    stopped = await ctx.trial.stop()
    assert stopped.stopped_on == clock().date()
    with pytest.raises(TrialError, match="no comparison running"):
        await ctx.trial.stop()
    assert ctx.trial.offer() is None
    clock.to(START + dt.timedelta(days=30))
    result = await ctx.trial.result()
    assert result is not None
    assert result.stopped_early
    assert not result.interim
    assert len(result.pairs) == 2
    assert result.difference == pytest.approx(-2.0)
    # a new trial may be planned after a stop
    again = ctx.trial.preview(design(start=clock().date() + dt.timedelta(days=1)), seed=1)
    assert (await ctx.trial.lock(again)).plan == again


async def test_a_note_is_kept_as_a_deviation(app) -> None:
    ctx, clock = app
    with pytest.raises(TrialError, match="no comparison running"):
        await ctx.trial.note("busy day")
    await ctx.trial.lock(ctx.trial.preview(design(), seed=2))
    clock.to(START)
    with pytest.raises(TrialError, match="Write a few words"):
        await ctx.trial.note("   ")
    state = await ctx.trial.note("did it at lunch instead of the morning")
    assert [(d.kind, d.note) for d in state.deviations] == [
        (DeviationKind.NOTED, "did it at lunch instead of the morning")
    ]


async def test_a_day_the_limits_block_says_so_and_is_recorded(app) -> None:
    ctx, clock = app
    state = await ctx.trial.lock(ctx.trial.preview(design(), seed=8))
    day = state.plan.first_day
    clock.to(day)
    await ctx.safety.check_day()
    await ctx.safety.check_in(CheckIn(day, new_injury=True))  # blocks today's sessions
    offer = ctx.trial.offer()
    assert offer is not None
    assert offer.routine == state.plan.on(day).arm  # type: ignore[union-attr]
    assert offer.limits_note.startswith("Your safety limits come first")
    assert ctx.safety.state.why_not() in offer.limits_note
    clock.to(day + dt.timedelta(days=1))
    after = await ctx.trial.review()
    assert after is not None
    assert {d.kind for d in after.deviations} == {
        DeviationKind.LIMITS_LOWERED,
        DeviationKind.NO_SESSION,
    }


async def test_reminders_follow_the_plan(app) -> None:
    ctx, _clock = app
    assert ctx.trial.reminder_note(START) == ""
    state = await ctx.trial.lock(ctx.trial.preview(design(arm_b=NO_MASSAGE, washout=True), seed=9))
    for planned in state.plan.days():
        note = ctx.trial.reminder_note(planned.day)
        if planned.arm == NO_MASSAGE:
            assert note.startswith("Your comparison plans no massage that day")
        else:
            assert note == "Your comparison plans Morning ease that day."
    assert ctx.trial.reminder_note(state.plan.last_day + dt.timedelta(days=1)) == ""


async def test_a_washout_day_says_it_is_not_counted(app) -> None:
    ctx, clock = app
    state = await ctx.trial.lock(ctx.trial.preview(design(washout=True), seed=9))
    for planned in state.plan.days():
        clock.to(planned.day)
        offer = ctx.trial.offer()
        assert offer is not None
        assert ("This is a washout day" in offer.reason) == planned.washout


async def test_a_damaged_trial_row_does_not_stop_the_app(app) -> None:
    ctx, _clock = app

    def damage(db) -> None:
        db.execute(
            "INSERT INTO trials (locked_at, seed, design, periods, first_day, last_day) "
            "VALUES ('2026-03-01T09:00:00+01:00', 1, '{\"arm_a\": 1}', '[]', "
            "'2026-03-02', '2026-03-20')"
        )

    await ctx.db.run(damage)
    assert await ctx.trial.load() is None  # read as "no trial", with a warning
    with pytest.raises(TrialError, match="not one your safety limits allow"):
        ctx.trial.preview(design(arm_b="made_up"))
    # and the log still refuses a second plan over its days, in words
    with pytest.raises(InvalidInputError, match="already running"):
        await ctx.trial.lock(ctx.trial.preview(design(), seed=1))
