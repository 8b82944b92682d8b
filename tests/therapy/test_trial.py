"""The trial planner: balance, randomness of the order, determinism, refusals, day judging."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from therapy.trial import (
    MAX_PAIRS,
    MAX_PERIOD_DAYS,
    MIN_PAIRS,
    MIN_PERIOD_DAYS,
    NO_MASSAGE,
    DeviationKind,
    Outcome,
    TrialDesign,
    TrialError,
    judge_day,
    pairs_for_weeks,
    plan_trial,
)

A, B = "arthritis_morning", "evening_wind_down"
ALLOWED = frozenset({A, B, "typing_recovery"})
START = dt.date(2026, 1, 5)


def design(**changes: object) -> TrialDesign:
    base: dict[str, object] = {
        "arm_a": A,
        "arm_b": B,
        "outcome": Outcome.EVENING_PAIN,
        "start": START,
        "period_days": 3,
        "pairs": 4,
        "washout": False,
    }
    base.update(changes)
    return TrialDesign(**base)  # type: ignore[arg-type]


designs = st.builds(
    TrialDesign,
    arm_a=st.just(A),
    arm_b=st.sampled_from([B, NO_MASSAGE]),
    outcome=st.sampled_from(list(Outcome)),
    start=st.dates(dt.date(2024, 1, 1), dt.date(2030, 12, 31)),
    period_days=st.integers(MIN_PERIOD_DAYS, MAX_PERIOD_DAYS),
    pairs=st.integers(MIN_PAIRS, MAX_PAIRS),
    washout=st.booleans(),
).filter(lambda d: not (d.washout and d.period_days < 3))


@given(designs, st.integers(0, 2**31 - 1))
@settings(max_examples=200, deadline=None)
def test_every_pair_has_one_period_of_each_arm(d: TrialDesign, seed: int) -> None:
    plan = plan_trial(d, seed, ALLOWED)
    assert len(plan.periods) == 2 * d.pairs
    days = list(plan.days())
    assert len(days) == d.days
    counts = Counter(day.arm for day in days)
    assert counts[d.arm_a] == counts[d.arm_b] == d.pairs * d.period_days
    for pair in range(d.pairs):
        assert {p.arm for p in plan.periods if p.pair == pair} == {d.arm_a, d.arm_b}
    # the periods follow each other day by day from the start, with no gap or overlap
    assert [x.day for x in days] == [d.start + dt.timedelta(days=i) for i in range(d.days)]
    assert plan.on(plan.first_day - dt.timedelta(days=1)) is None
    assert plan.on(plan.last_day + dt.timedelta(days=1)) is None
    # a washout day is the first day of a period, and only when asked for
    assert all(x.washout == (d.washout and x.day == x.period.first) for x in days)
    # the same seed gives the same plan
    assert plan_trial(d, seed, ALLOWED) == plan


def test_the_order_inside_pairs_is_a_fair_coin_over_seeds() -> None:
    """Over 2,000 seeds (8,000 pairs), A comes first about half the time, in every
    position, and the first two pairs are independent. Bands: 4 binomial standard
    deviations (a fair coin leaves them with probability < 1e-4; the seeds are fixed)."""
    d = design(pairs=4)
    firsts = [[p.arm for p in plan_trial(d, seed, ALLOWED).periods[::2]] for seed in range(2000)]
    for position in range(4):
        share = sum(row[position] == A for row in firsts) / 2000
        assert abs(share - 0.5) < 4 * (0.25 / 2000) ** 0.5, position
    patterns = Counter((row[0], row[1]) for row in firsts)
    assert len(patterns) == 4
    for count in patterns.values():  # each of the 4 orders of two pairs: 1/4
        assert abs(count / 2000 - 0.25) < 4 * (0.1875 / 2000) ** 0.5
    # and different seeds really give different plans
    assert len({tuple(r) for r in firsts}) == 16


def test_designs_that_cannot_be_planned_say_why() -> None:
    with pytest.raises(TrialError, match="two different things"):
        plan_trial(design(arm_b=A), 1, ALLOWED)
    with pytest.raises(TrialError, match="not one your safety limits allow"):
        plan_trial(design(arm_b="grip_recovery"), 1, ALLOWED)
    with pytest.raises(TrialError, match="2 to 7 days"):
        plan_trial(design(period_days=1), 1, ALLOWED)
    with pytest.raises(TrialError, match="pairs of periods"):
        plan_trial(design(pairs=1), 1, ALLOWED)
    with pytest.raises(TrialError, match="washout day"):
        plan_trial(design(period_days=2, washout=True), 1, ALLOWED)
    # no massage is always allowed: it needs no limit to permit it
    assert plan_trial(design(arm_b=NO_MASSAGE), 1, frozenset({A})).arms() == (A, NO_MASSAGE)


def test_weeks_become_whole_pairs() -> None:
    assert pairs_for_weeks(6, 3) == 7
    assert pairs_for_weeks(4, 7) == 2
    assert pairs_for_weeks(8, 4) == 7
    with pytest.raises(TrialError, match="2 to 12 weeks"):
        pairs_for_weeks(1, 3)


def test_a_day_done_differently_is_a_deviation() -> None:
    plan = plan_trial(design(), 7, ALLOWED)
    day = plan.first_day
    arm = plan.on(day).arm  # type: ignore[union-attr]
    other = B if arm == A else A
    assert judge_day(plan, day, [arm]) == ()
    assert judge_day(plan, day, [arm, arm]) == ()
    (dev,) = judge_day(plan, day, [])
    assert (dev.kind, dev.planned) == (DeviationKind.NO_SESSION, arm)
    (dev,) = judge_day(plan, day, [other])
    assert (dev.kind, dev.actual) == (DeviationKind.SWAPPED, other)
    (dev,) = judge_day(plan, day, ["typing_recovery"])
    assert dev.kind is DeviationKind.OTHER_ROUTINE
    (dev,) = judge_day(plan, day, [arm, "typing_recovery"])
    assert dev.kind is DeviationKind.OTHER_ROUTINE
    kinds = {x.kind for x in judge_day(plan, day, [], limits_lowered=True)}
    assert kinds == {DeviationKind.LIMITS_LOWERED, DeviationKind.NO_SESSION}
    # outside the trial there is nothing to deviate from
    assert judge_day(plan, plan.last_day + dt.timedelta(days=1), []) == ()


def test_a_massage_on_a_no_massage_day_is_a_deviation() -> None:
    plan = plan_trial(design(arm_b=NO_MASSAGE), 3, ALLOWED)
    rest = next(x for x in plan.days() if x.arm == NO_MASSAGE)
    assert judge_day(plan, rest.day, []) == ()
    (dev,) = judge_day(plan, rest.day, [A])
    assert dev.kind is DeviationKind.SWAPPED
    (dev,) = judge_day(plan, rest.day, ["typing_recovery"])
    assert dev.kind is DeviationKind.MASSAGE_ON_REST_DAY


def test_a_routine_by_hand_or_another_massager_is_not_the_planned_one() -> None:
    from therapy.trial import arm_name

    plan = plan_trial(design(), 7, ALLOWED)
    day = plan.first_day
    arm = plan.on(day).arm  # type: ignore[union-attr]
    (dev,) = judge_day(plan, day, [f"by_hand:{arm}"])
    assert dev.kind is DeviationKind.OTHER_ROUTINE
    assert arm_name(dev.actual) == f"{arm_name(arm)}, by hand"
    (dev,) = judge_day(plan, day, ["other_massager"])
    assert arm_name(dev.actual) == "another massager"
