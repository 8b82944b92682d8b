"""Resuming a session runs only what is left of its plan."""

from __future__ import annotations

from massage import Pattern
from therapy import remaining_plan
from therapy.plan import Plan, PlanStep

STEPS = (
    PlanStep(10, Pattern.WAVE, 0, (20,) * 6),
    PlanStep(20, Pattern.HOLD, 0, (30,) * 6),
)


def test_remaining_plan_skips_what_ran() -> None:
    rest = remaining_plan(Plan(5, STEPS), 15)
    assert [s.duration_s for s in rest.steps] == [15]
    assert rest.steps[0].pattern == Pattern.HOLD
    assert rest.plan_id != 5


def test_remaining_plan_after_the_end_keeps_the_last_step() -> None:
    rest = remaining_plan(Plan(0xFFFF, STEPS), 60)
    assert rest.steps == (STEPS[-1],)
    assert rest.plan_id == 0  # the id wraps within 16 bits
