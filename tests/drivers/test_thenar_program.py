"""A device-neutral plan as Thenar's wire program: the same steps, or a clear refusal."""

from __future__ import annotations

import pytest

from ble import protocol as p
from drivers.thenar_program import thenar_program
from massage import MAX_PLAN_STEPS, ZONE_COUNT, Pattern
from therapy.plan import Plan, PlanStep, content_id


def steps(count: int) -> tuple[PlanStep, ...]:
    return tuple(
        PlanStep(10 + i, Pattern(i % len(Pattern)), 400 if i % 2 else 0, (i % 60,) * ZONE_COUNT)
        for i in range(count)
    )


def test_every_step_carries_over_and_the_id_is_the_plans() -> None:
    plan_steps = steps(MAX_PLAN_STEPS)
    plan = Plan(content_id(plan_steps), plan_steps)
    program = thenar_program(plan)
    assert program.program_id == plan.plan_id
    assert program.duration_s == plan.duration_s
    assert [(s.duration_s, s.pattern, s.heat_dc, s.pressures_mmhg) for s in program.steps] == [
        (s.duration_s, s.pattern, s.heat_dc, s.pressures_mmhg) for s in plan.steps
    ]
    assert p.Program.from_bytes(bytes(program)) == program  # what the device reassembles


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        (Plan(1, steps(MAX_PLAN_STEPS + 1)), "steps"),
        (Plan(1, (PlanStep(10, Pattern.HOLD, 0, (300,) * ZONE_COUNT),)), "pressure"),
        (Plan(1, (PlanStep(10, Pattern.HOLD, 0, (10,) * (ZONE_COUNT - 1)),)), "zone pressures"),
        (Plan(1, ()), "steps"),
    ],
)
def test_a_plan_the_device_cannot_hold_is_refused(plan: Plan, message: str) -> None:
    with pytest.raises(p.ProtocolError, match=message):
        thenar_program(plan)
