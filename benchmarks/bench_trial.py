"""Simulated people through the real trial planner and analysis: coverage, power, verdicts.

Each synthetic person keeps an evening-pain diary (0-10, whole numbers) for a
planned trial. Their true pain is a baseline plus the arm's effect (routine A
lowers it by the true difference) plus day-to-day noise that is AR(1):
yesterday's deviation carries over with coefficient PHI. PHI = 0.6 and a
day-to-day spread of 1.5 points are assumptions in the range daily pain
diaries tend to show (strong day-to-day carry-over, a point or two of spread);
they are design values for this check, not measured from anyone. One day in ten
has no entry. The plan, the days and the analysis are Thenar's own
(`therapy.trial.plan_trial`, `therapy.trial_analysis.analyse`).

Targets (issue 16): the 95% interval covers the true difference in 93-97% of
trials; at a true difference of 0, "no clear difference" in at least 90%.
Prints `name: value unit` lines. Run: `.venv/bin/python benchmarks/bench_trial.py`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import report
from therapy.trial import Outcome, TrialDesign, plan_trial
from therapy.trial_analysis import VerdictKind, analyse

PHI = 0.6  # day-to-day carry-over of the diary's noise
SD = 1.5  # spread of the day-to-day noise, points
BASELINE = 5.0
MISSING = 0.1  # share of days without an entry
START = dt.date(2026, 1, 5)
ARMS = ("arthritis_morning", "evening_wind_down")


@dataclass(frozen=True)
class Summary:
    trials: int
    covered: int  # the 95% interval held the true difference
    clear: int  # a verdict other than "no clear difference" (interval excluded 0)
    right_side: int  # clear, and on the side of the true difference

    @property
    def coverage(self) -> float:
        return self.covered / self.trials

    @property
    def no_clear_share(self) -> float:
        return 1.0 - self.clear / self.trials

    @property
    def power(self) -> float:
        """Share of trials that found the true (non-zero) difference, on the right side."""
        return self.right_side / self.trials


def diary(rng: random.Random, arms: list[str], true_difference: float) -> list[float | None]:
    """One person's evening pain, day by day; routine A lowers it by `true_difference`."""
    noise = rng.gauss(0.0, SD)  # the stationary start
    out: list[float | None] = []
    innovation_sd = SD * (1 - PHI**2) ** 0.5
    for arm in arms:
        noise = PHI * noise + rng.gauss(0.0, innovation_sd)
        value = BASELINE + noise - (true_difference if arm == ARMS[0] else 0.0)
        if rng.random() < MISSING:
            out.append(None)
        else:
            out.append(float(min(10, max(0, round(value)))))
    return out


def simulate(
    true_difference: float,
    trials: int,
    seed: int,
    *,
    period_days: int = 3,
    pairs: int = 7,
    washout: bool = False,
) -> Summary:
    """`trials` people with a known true difference (A minus B is -true_difference)."""
    rng = random.Random(seed)
    design = TrialDesign(ARMS[0], ARMS[1], Outcome.EVENING_PAIN, START, period_days, pairs, washout)
    covered = clear = right = 0
    for _ in range(trials):
        plan = plan_trial(design, rng.randrange(2**31), ARMS)
        days = list(plan.days())
        values = diary(rng, [d.arm for d in days], true_difference)
        outcomes = {d.day: v for d, v in zip(days, values, strict=True) if v is not None}
        result = analyse(plan, outcomes, (), as_of=plan.last_day + dt.timedelta(days=1))
        truth = -true_difference
        if result.low is not None and result.high is not None:
            covered += result.low <= truth <= result.high
        if result.verdict in (VerdictKind.A_BETTER, VerdictKind.B_BETTER):
            clear += 1
            right += (result.verdict is VerdictKind.A_BETTER) == (true_difference > 0)
    return Summary(trials, covered, clear, right if true_difference else 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000)
    args = parser.parse_args()
    designs = {
        "6wk_3day": {"period_days": 3, "pairs": 7, "washout": False},
        "8wk_4day_washout": {"period_days": 4, "pairs": 7, "washout": True},
    }
    for label, shape in designs.items():
        for diff in (0.0, 1.0, 2.0):
            s = simulate(diff, args.trials, seed=1600 + int(diff), **shape)  # type: ignore[arg-type]
            name = f"trial_{label}_diff{diff:.0f}"
            report(f"{name}_coverage95", s.coverage, "share")
            if diff == 0:
                report(f"{name}_no_clear_difference", s.no_clear_share, "share")
            else:
                report(f"{name}_power", s.power, "share")


if __name__ == "__main__":
    main()
