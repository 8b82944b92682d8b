"""Resuming a session: the part of a plan still to run (device-neutral: `therapy.plan`)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from .plan import Plan

if TYPE_CHECKING:
    from .plan import PlanStep


def remaining_plan(plan: Plan, elapsed_s: int) -> Plan:
    """The part of a plan still to run after `elapsed_s` seconds (for a resume).

    Steps already run are dropped and the current one is shortened by what it ran; with
    nothing left the last step stays, so the device gets a valid plan. The id moves on
    so a device that stores programs takes it as a new upload.
    """
    steps: list[PlanStep] = []
    start = 0
    for step in plan.steps:
        end = start + step.duration_s
        if end > elapsed_s:
            skip = max(0, elapsed_s - start)
            steps.append(replace(step, duration_s=step.duration_s - skip))
        start = end
    if not steps:
        steps = [plan.steps[-1]]
    return Plan((plan.plan_id + 1) & 0xFFFF, tuple(steps))
