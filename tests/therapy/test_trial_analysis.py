"""The trial's analysis: hand-computed results, interim and early stop, the words, simulation."""

from __future__ import annotations

import datetime as dt

import pytest

from benchmarks.bench_trial import simulate
from therapy.trial import Deviation, DeviationKind, Outcome, TrialDesign, TrialPlan, plan_trial
from therapy.trial_analysis import VerdictKind, analyse, verdict_text

A, B = "arthritis_morning", "evening_wind_down"
START = dt.date(2026, 1, 5)
T_975_DF2 = 4.302653  # t table, two-sided 95%, 2 degrees of freedom


def make_plan(
    pairs: int = 3,
    period_days: int = 2,
    washout: bool = False,
    outcome: Outcome = Outcome.EVENING_PAIN,
) -> TrialPlan:
    d = TrialDesign(A, B, outcome, START, period_days, pairs, washout)
    return plan_trial(d, 11, {A, B})


def values(plan: TrialPlan, by_pair: dict[int, tuple[float, float]]) -> dict[dt.date, float]:
    """Every day of pair i gets by_pair[i][0] under A and [1] under B."""
    return {
        x.day: by_pair[x.period.pair][0 if x.arm == A else 1]
        for x in plan.days()
        if x.period.pair in by_pair
    }


def after(plan: TrialPlan) -> dt.date:
    return plan.last_day + dt.timedelta(days=1)


def test_paired_t_on_period_means_by_hand() -> None:
    plan = make_plan()
    outcomes = values(plan, {0: (3, 5), 1: (2.5, 5), 2: (2, 5)})  # differences -2, -2.5, -3
    r = analyse(plan, outcomes, (), as_of=after(plan))
    assert [p.difference for p in r.pairs] == [-2, -2.5, -3]
    assert r.difference == pytest.approx(-2.5)
    se = 0.5 / 3**0.5  # sd of (-2, -2.5, -3) is 0.5
    half = T_975_DF2 * se
    assert (r.low, r.high) == (pytest.approx(-2.5 - half), pytest.approx(-2.5 + half))
    assert r.verdict is VerdictKind.A_BETTER
    assert not r.interim
    assert not r.stopped_early
    assert r.adherence == 1.0
    assert r.measured_share == 1.0
    # P(A lower by at least 1 point) = P(T_2 < (-1 + 2.5) / se) = 0.9825 (t table: t=5.196)
    assert r.prob_a_better == pytest.approx(0.98245, abs=1e-4)
    assert r.prob_b_better == pytest.approx(0.003367, abs=1e-5)  # t=12.12
    text = verdict_text(r)
    assert text[0].startswith("Morning ease went with less evening pain than Evening wind-down")
    assert "more than 99%" not in text[1]
    assert "about 98%" in text[1]


def test_an_interval_that_includes_zero_is_no_clear_difference() -> None:
    plan = make_plan()
    r = analyse(plan, values(plan, {0: (3, 5), 1: (6, 5), 2: (4, 5)}), (), as_of=after(plan))
    assert r.low < 0 < r.high  # type: ignore[operator]
    assert r.verdict is VerdictKind.NO_CLEAR_DIFFERENCE
    text = " ".join(verdict_text(r))
    assert text.startswith("No clear difference")
    assert "Interim" not in text


def test_one_pair_is_not_enough() -> None:
    plan = make_plan()
    r = analyse(plan, values(plan, {0: (3, 5), 1: (4, None)}), (), as_of=after(plan))  # type: ignore[dict-item]
    assert len(r.pairs) == 1
    assert r.low is None
    assert r.verdict is VerdictKind.NOT_ENOUGH
    assert "Not enough yet" in verdict_text(r)[0]


def test_interim_uses_only_finished_days_and_says_so() -> None:
    plan = make_plan()
    outcomes = values(plan, {0: (3, 5), 1: (4, 5), 2: (0, 9)})
    third_pair = next(p.first for p in plan.periods if p.pair == 2)
    r = analyse(plan, outcomes, (), as_of=third_pair)
    assert r.interim
    assert len(r.pairs) == 2
    assert r.days_elapsed == 8
    assert verdict_text(r)[0].startswith("Interim look")


def test_stopping_early_keeps_what_was_collected_and_is_final() -> None:
    plan = make_plan()
    outcomes = values(plan, {0: (3, 5), 1: (4, 5), 2: (0, 9)})
    third_pair = next(p.first for p in plan.periods if p.pair == 2)
    r = analyse(plan, outcomes, (), as_of=after(plan), stopped_on=third_pair)
    assert not r.interim
    assert r.stopped_early
    assert len(r.pairs) == 2
    assert "stopped early" in verdict_text(r)[0]


def test_washout_days_are_left_out() -> None:
    plan = make_plan(period_days=3, washout=True)
    outcomes = values(plan, {0: (3, 5), 1: (4, 5), 2: (2, 5)})
    for x in plan.days():
        if x.washout:
            outcomes[x.day] = 10.0  # would swamp the means if counted
    r = analyse(plan, outcomes, (), as_of=after(plan))
    assert [p.difference for p in r.pairs] == [-2, -1, -3]
    assert r.days_countable == 12
    assert r.days_elapsed == 18


def test_days_done_differently_still_count_under_the_plan() -> None:
    plan = make_plan()
    outcomes = values(plan, {0: (3, 5), 1: (4, 5), 2: (2, 5)})
    day = plan.first_day
    dev = Deviation(day, DeviationKind.NO_SESSION, plan.on(day).arm)  # type: ignore[union-attr]
    r = analyse(plan, outcomes, [dev], as_of=after(plan))
    assert r.difference == pytest.approx(-2.0)  # intention to treat
    assert r.deviations == (dev,)
    assert r.days_followed == r.days_elapsed - 1
    assert any("1 planned day went differently" in s for s in verdict_text(r))


def test_missing_entries_lower_the_measured_share() -> None:
    plan = make_plan()
    outcomes = values(plan, {0: (3, 5), 1: (4, 5), 2: (2, 5)})
    del outcomes[plan.first_day]
    r = analyse(plan, outcomes, (), as_of=after(plan))
    assert r.days_measured == r.days_countable - 1
    assert len(r.pairs) == 3  # the period still has its other day


def test_stiffness_minutes_use_a_quarter_hour_as_meaningful() -> None:
    plan = make_plan(outcome=Outcome.MORNING_STIFFNESS)
    r = analyse(plan, values(plan, {0: (20, 60), 1: (25, 60), 2: (30, 55)}), (), as_of=after(plan))
    assert r.verdict is VerdictKind.A_BETTER
    assert r.prob_a_better > 0.9  # type: ignore[operator]  # ~33 minutes less, tight
    assert "minutes" in verdict_text(r)[0]


# --- the simulation (benchmarks/bench_trial.py runs 1,000 per difference) ---------------
# 400 simulated people per case, fixed seeds. If the interval truly covers 95%, the share
# covered in 400 trials has standard deviation sqrt(0.95 * 0.05 / 400) ≈ 0.011; the bands
# below are ±3.3 of those (a correct method falls outside with probability < 0.001).
N = 400
BAND = 3.3 * (0.95 * 0.05 / N) ** 0.5


@pytest.mark.parametrize("difference", [0.0, 1.0, 2.0])
def test_simulated_coverage_is_95_percent(difference: float) -> None:
    s = simulate(difference, N, seed=160 + int(difference))
    assert abs(s.coverage - 0.95) < BAND


def test_simulated_zero_difference_is_mostly_no_clear_difference() -> None:
    s = simulate(0.0, N, seed=170)
    assert s.no_clear_share >= 0.95 - BAND  # the issue asks for at least 0.90


def test_simulated_power_grows_with_the_difference() -> None:
    """At 2 points (1,000-trial benchmark: ~0.85) the trial finds it most of the time,
    on the right side; at 1 point (~0.35) much less often. Binomial bands as above."""
    two = simulate(2.0, N, seed=180)
    one = simulate(1.0, N, seed=181)
    assert two.power > 0.75
    assert 0.2 < one.power < two.power


def test_no_clear_difference_says_whether_a_meaningful_one_is_ruled_out() -> None:
    plan = make_plan(pairs=4)
    # tiny, consistent differences: the interval lies within ±1 point
    narrow = analyse(
        plan,
        values(plan, {0: (5, 5.2), 1: (5, 4.9), 2: (5, 5.1), 3: (5, 4.95)}),
        (),
        as_of=after(plan),
    )
    assert narrow.verdict is VerdictKind.NO_CLEAR_DIFFERENCE
    assert -1 < narrow.low < narrow.high < 1  # type: ignore[operator]
    assert any(
        s.startswith("Any difference is likely smaller than 1.0 points")
        for s in verdict_text(narrow)
    )
    # scattered differences: the interval still allows a point or more either way
    wide = analyse(
        plan, values(plan, {0: (3, 5), 1: (7, 5), 2: (4, 5), 3: (6, 5.5)}), (), as_of=after(plan)
    )
    assert wide.verdict is VerdictKind.NO_CLEAR_DIFFERENCE
    assert wide.low < -1 or wide.high > 1  # type: ignore[operator]
    assert any(s.startswith("The interval still allows a difference") for s in verdict_text(wide))


def test_a_clear_but_perhaps_small_difference_says_so() -> None:
    plan = make_plan(pairs=4)
    r = analyse(
        plan,
        values(plan, {0: (4.4, 5), 1: (4.5, 5), 2: (4.3, 5), 3: (4.6, 5)}),
        (),
        as_of=after(plan),
    )
    assert r.verdict is VerdictKind.A_BETTER  # about half a point, consistently
    assert r.prob_a_better < 0.8  # type: ignore[operator]
    assert any("it may be smaller than that" in s for s in verdict_text(r))


def test_the_last_mornings_stiffness_is_waited_for() -> None:
    plan = make_plan(outcome=Outcome.MORNING_STIFFNESS)
    outcomes = values(plan, {0: (20, 60), 1: (25, 60), 2: (30, 55)})
    last = outcomes.pop(plan.last_day)
    morning_after = after(plan)
    assert analyse(plan, outcomes, (), as_of=morning_after).interim  # not entered yet
    outcomes[plan.last_day] = last
    assert not analyse(plan, outcomes, (), as_of=morning_after).interim  # now it is
    del outcomes[plan.last_day]
    later = morning_after + dt.timedelta(days=1)
    assert not analyse(plan, outcomes, (), as_of=later).interim  # not waited for forever
