"""Reading a personal comparison trial: the difference, its uncertainty, a verdict in words.

The method: a paired t on period means. Each pair of periods gives one number,
the mean outcome over the counted days of its A period minus that of its B
period. Why this and not a t test on days:

- Pain and stiffness diaries are autocorrelated (a bad day tends to follow a bad
  day). A test that treats days as independent gives intervals that are too
  narrow. Averaging within a period soaks most of that correlation up, and the
  difference inside a pair cancels slow drifts (weather, a busy month), so the
  pair differences are close to independent: a one-sample t on them with
  n - 1 degrees of freedom has close to its promised 95% coverage
  (benchmarks/bench_trial.py measures it on simulated diaries).
- The order inside each pair was drawn at random, so every pair difference is an
  unbiased estimate of the difference between the routines for this person.
- It needs no model of the diary beyond that, and it is easy to explain.

Days are counted under the arm the plan gave them (intention to treat): dropping
the days done differently would let the person's choices on bad days back into
the comparison, which is the bias the plan exists to avoid. Deviations are
counted and shown beside the result instead.

"How likely is a meaningful difference": under the reference prior
p(mean, sd) ∝ 1/sd, the mean difference given the pair differences follows the
same scaled t distribution as the interval, so the probabilities below and the
95% interval agree with each other; they describe uncertainty about this
person's average difference over days like the trial's, nothing more.

Pure: plain values in, a frozen `TrialResult` out.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import statistics
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from student_t import t_cdf, t_quantile

from .trial import Outcome, arm_name

if TYPE_CHECKING:
    from .trial import Deviation, TrialPlan

LEVEL = 0.95
LIKELY = 0.8  # a probability of at least this is "likely" in the words below


class VerdictKind(enum.StrEnum):
    NOT_ENOUGH = "not_enough"  # fewer than two complete pairs: no interval yet
    NO_CLEAR_DIFFERENCE = "no_clear_difference"  # the 95% interval includes 0
    A_BETTER = "a_better"  # the interval lies wholly on A's side (lower outcome)
    B_BETTER = "b_better"


@dataclass(frozen=True)
class PairDifference:
    pair: int
    mean_a: float
    mean_b: float

    @property
    def difference(self) -> float:
        return self.mean_a - self.mean_b


@dataclass(frozen=True)
class TrialResult:
    """Everything the Trial page and the report show, computed from the plan and the log."""

    plan: TrialPlan
    as_of: dt.date  # days before this one are finished
    interim: bool  # the trial is still running: a look on the way, not the answer
    stopped_early: bool
    pairs: tuple[PairDifference, ...]  # complete pairs (both periods have outcomes)
    difference: float | None  # mean of A minus B (negative: A lower, i.e. better)
    low: float | None  # the 95% interval (None below two pairs)
    high: float | None
    prob_a_better: float | None  # P(A lower than B by at least the meaningful amount)
    prob_b_better: float | None
    days_elapsed: int
    days_followed: int  # elapsed days without a deviation
    days_measured: int  # counted (non-washout) elapsed days with an outcome
    days_countable: int  # counted (non-washout) elapsed days
    deviations: tuple[Deviation, ...]
    verdict: VerdictKind

    @property
    def adherence(self) -> float | None:
        """Share of the days so far that went as planned."""
        return None if self.days_elapsed == 0 else self.days_followed / self.days_elapsed

    @property
    def measured_share(self) -> float | None:
        return None if self.days_countable == 0 else self.days_measured / self.days_countable

    @property
    def outcome(self) -> Outcome:
        return self.plan.design.outcome


def analyse(
    plan: TrialPlan,
    outcomes: Mapping[dt.date, float],
    deviations: Collection[Deviation],
    *,
    as_of: dt.date,
    stopped_on: dt.date | None = None,
) -> TrialResult:
    """The result on `as_of` (days before it are finished).

    `outcomes` maps each trial day to its outcome (for morning stiffness, the minutes
    recorded the morning after that day). A trial stopped on `stopped_on` keeps what
    was collected before that day and is final, marked as stopped early.
    """
    end = plan.last_day + dt.timedelta(days=1)
    cutoff = min(as_of, end) if stopped_on is None else min(as_of, end, stopped_on)
    # next-morning stiffness for the last day arrives the morning after it: until then the
    # result waits for it (and stays interim) on that morning
    waiting = (
        plan.design.outcome is Outcome.MORNING_STIFFNESS
        and as_of == end
        and plan.last_day not in outcomes
    )
    interim = stopped_on is None and (as_of < end or waiting)
    design = plan.design
    days_elapsed = days_countable = days_measured = 0
    deviating = {d.day for d in deviations if d.day < cutoff}
    by_period: dict[tuple[int, str], list[float]] = {}
    for planned in plan.days():
        if planned.day >= cutoff:
            break
        days_elapsed += 1
        if planned.washout:
            continue
        days_countable += 1
        value = outcomes.get(planned.day)
        if value is None or not math.isfinite(value):
            continue
        days_measured += 1
        by_period.setdefault((planned.period.pair, planned.arm), []).append(float(value))
    pairs = tuple(
        PairDifference(
            pair,
            statistics.fmean(by_period[(pair, design.arm_a)]),
            statistics.fmean(by_period[(pair, design.arm_b)]),
        )
        for pair in range(design.pairs)
        if (pair, design.arm_a) in by_period and (pair, design.arm_b) in by_period
    )
    difference = low = high = prob_a = prob_b = None
    verdict = VerdictKind.NOT_ENOUGH
    if pairs:
        difference = statistics.fmean(p.difference for p in pairs)
    if len(pairs) >= 2:
        assert difference is not None
        n = len(pairs)
        sd = statistics.stdev(p.difference for p in pairs)
        se = sd / math.sqrt(n)
        df = n - 1
        if se > 0:
            half = t_quantile(0.5 + LEVEL / 2.0, df) * se
            low, high = difference - half, difference + half
            delta = design.outcome.meaningful
            prob_a = t_cdf((-delta - difference) / se, df)
            prob_b = 1.0 - t_cdf((delta - difference) / se, df)
        else:  # every pair gave exactly the same difference: no spread to judge by
            low = high = difference
            delta = design.outcome.meaningful
            prob_a = 1.0 if difference <= -delta else 0.0
            prob_b = 1.0 if difference >= delta else 0.0
        if high < 0:
            verdict = VerdictKind.A_BETTER
        elif low > 0:
            verdict = VerdictKind.B_BETTER
        else:
            verdict = VerdictKind.NO_CLEAR_DIFFERENCE
    return TrialResult(
        plan=plan,
        as_of=as_of,
        interim=interim,
        stopped_early=stopped_on is not None and stopped_on < end,
        pairs=pairs,
        difference=difference,
        low=low,
        high=high,
        prob_a_better=prob_a,
        prob_b_better=prob_b,
        days_elapsed=days_elapsed,
        days_followed=days_elapsed - len(deviating),
        days_measured=days_measured,
        days_countable=days_countable,
        deviations=tuple(sorted((d for d in deviations if d.day < cutoff), key=_dev_key)),
        verdict=verdict,
    )


def _dev_key(d: Deviation) -> tuple[dt.date, str]:
    return (d.day, d.kind.value)


def _amount(value: float, outcome: Outcome) -> str:
    if outcome is Outcome.MORNING_STIFFNESS:
        return f"{abs(value):.0f} minutes"
    return f"{abs(value):.1f} points"


def _percent(p: float) -> str:
    if p < 0.01:
        return "less than 1%"
    if p > 0.99:
        return "more than 99%"
    return f"about {round(p * 100)}%"


def verdict_text(result: TrialResult) -> list[str]:
    """The result in plain sentences, most important first. Every claim is one the
    numbers in `result` support; uncertainty is said, never hidden."""
    design = result.plan.design
    a, b = arm_name(design.arm_a), arm_name(design.arm_b)
    outcome = design.outcome
    what = "morning stiffness" if outcome is Outcome.MORNING_STIFFNESS else "evening pain"
    delta = _amount(outcome.meaningful, outcome)
    out: list[str] = []
    if result.interim:
        out.append(
            "Interim look: the trial is not finished, so this can still change. "
            "Keep following the plan; the answer comes at the end."
        )
    elif result.stopped_early:
        out.append("The trial was stopped early: this uses only the days before it stopped.")
    n = len(result.pairs)
    if result.verdict is VerdictKind.NOT_ENOUGH:
        out.append(
            f"Not enough yet to compare: {n} of {design.pairs} pairs of periods have "
            f"{what} recorded for both sides, and a comparison needs at least 2."
        )
        return out
    assert result.difference is not None
    assert result.low is not None
    assert result.high is not None
    assert result.prob_a_better is not None
    assert result.prob_b_better is not None
    interval = (
        f"(95% interval: {_signed(result.low, outcome)} to {_signed(result.high, outcome)}, "
        f"from {n} pairs of periods; below zero means {a} had less)"
    )
    if result.verdict is VerdictKind.NO_CLEAR_DIFFERENCE:
        out.append(
            f"No clear difference: over these days, {what} with {a} and with {b} could not "
            f"be told apart. On average {a} minus {b} was "
            f"{_signed(result.difference, outcome)} {interval}."
        )
        if -outcome.meaningful < result.low and result.high < outcome.meaningful:
            out.append(
                f"Any difference is likely smaller than {delta}, so either choice looks "
                "about the same for you."
            )
        else:
            out.append(
                f"The interval still allows a difference of {delta} or more either way: "
                "a longer trial could tell more."
            )
    else:
        better, worse = (a, b) if result.verdict is VerdictKind.A_BETTER else (b, a)
        prob = (
            result.prob_a_better if result.verdict is VerdictKind.A_BETTER else result.prob_b_better
        )
        out.append(
            f"{better} went with less {what} than {worse}: on average by "
            f"{_amount(result.difference, outcome)} {interval}."
        )
        if prob >= LIKELY:
            out.append(f"The chance that the difference is at least {delta}: {_percent(prob)}.")
        else:
            out.append(
                f"The chance that the difference is at least {delta} is only "
                f"{_percent(prob)}: it may be smaller than that."
            )
    if result.verdict is VerdictKind.NO_CLEAR_DIFFERENCE:
        out.append(
            f"Chance {a} is better by at least {delta}: {_percent(result.prob_a_better)}; "
            f"chance {b} is: {_percent(result.prob_b_better)}."
        )
    dev = len(result.deviations)
    if dev:
        out.append(
            f"{dev} planned {'day went' if dev == 1 else 'days went'} differently; they "
            "still count under the plan's routine, which keeps the comparison fair but can "
            "make a real difference look smaller."
        )
    out.append(
        "This describes your own records over these weeks. It is about comfort, not a "
        "diagnosis or a treatment decision."
    )
    return out


def _signed(value: float, outcome: Outcome) -> str:
    sign = "−" if value < 0 else "+" if value > 0 else ""
    return sign + _amount(value, outcome)


def _day(d: dt.date) -> str:
    return f"{d.day} {d:%b %Y}"


def plan_lines(plan: TrialPlan) -> list[str]:
    """What was compared and how, in words: the first lines of the page and the report."""
    d = plan.design
    a, b = arm_name(d.arm_a), arm_name(d.arm_b)
    washout = " The first day of each period was a washout day, not counted." if d.washout else ""
    return [
        f"Compared: {a} and {b}, by {d.outcome.label}.",
        f"From {_day(plan.first_day)} to {_day(plan.last_day)}: {d.pairs} pairs of "
        f"{d.period_days}-day periods, one of each in every pair, the order drawn at random "
        f"(seed {plan.seed}) and fixed before the first day.{washout}",
    ]


def figure_lines(result: TrialResult) -> list[str]:
    """Adherence, entries and deviations: what the verdict rests on."""
    out: list[str] = []
    if result.days_elapsed:
        out.append(
            f"Days so far: {result.days_elapsed} of {result.plan.design.days}; "
            f"{result.days_followed} went as planned."
        )
    if result.days_countable:
        out.append(
            f"Days with {result.outcome.label} recorded: {result.days_measured} of "
            f"{result.days_countable} counted days."
        )
    for p in result.pairs:
        out.append(
            f"Pair {p.pair + 1}: {arm_name(result.plan.design.arm_a)} "
            f"{p.mean_a:.1f}, {arm_name(result.plan.design.arm_b)} {p.mean_b:.1f} "
            f"({result.outcome.unit}, average per day)."
        )
    for dev in result.deviations:
        actual = ", ".join(arm_name(x) for x in dev.actual.split(", ") if x)
        extra = f": {actual}" if actual else ""
        note = f" ({dev.note})" if dev.note else ""
        out.append(f"{_day(dev.day)}: {dev.kind.words}{extra}{note}.")
    return out
