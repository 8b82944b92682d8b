"""Resuming a session runs only what is left of its program."""

from __future__ import annotations

from ble import protocol as p
from therapy import remaining_program

STEPS = (
    p.ProgramStep(10, p.Pattern.WAVE, 0, (20,) * 6),
    p.ProgramStep(20, p.Pattern.HOLD, 0, (30,) * 6),
)


def test_remaining_program_skips_what_ran() -> None:
    rest = remaining_program(p.Program(5, STEPS), 15)
    assert [s.duration_s for s in rest.steps] == [15]
    assert rest.steps[0].pattern == p.Pattern.HOLD
    assert rest.program_id != 5


def test_remaining_program_after_the_end_keeps_the_last_step() -> None:
    rest = remaining_program(p.Program(0xFFFF, STEPS), 60)
    assert rest.steps == (STEPS[-1],)
    assert rest.program_id == 0  # the id wraps within 16 bits
