"""Resuming a session: the part of a device program still to run."""

from __future__ import annotations

from dataclasses import replace

from ble import protocol as p


def remaining_program(program: p.Program, elapsed_s: int) -> p.Program:
    """The part of a program still to run after `elapsed_s` seconds (for a resume).

    Steps already run are dropped and the current one is shortened by what it ran; with
    nothing left the last step stays, so the device has a valid program. The id moves on
    so the device takes it as a new upload.
    """
    steps: list[p.ProgramStep] = []
    start = 0
    for step in program.steps:
        end = start + step.duration_s
        if end > elapsed_s:
            skip = max(0, elapsed_s - start)
            steps.append(replace(step, duration_s=step.duration_s - skip))
        start = end
    if not steps:
        steps = [program.steps[-1]]
    return p.Program((program.program_id + 1) & 0xFFFF, tuple(steps))
