"""The device-neutral plan a program compiles to: what to do, step by step, in physical units.

The compiler (`therapy.compiler`) makes one within the person's caps; a device driver
(`drivers`) translates it into whatever its massager understands: an uploaded
program for Thenar's profile, levels and modes on a timer for a consumer device
(docs/drivers.md). Nothing here is a wire format: no bytes, no ids a device assigns.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from massage import Pattern


@dataclass(frozen=True)
class PlanStep:
    """For `duration_s`, drive each zone toward its pressure with `pattern`, warm to `heat_dc`."""

    duration_s: int
    pattern: Pattern
    heat_dc: int  # tenths of °C; 0 = heat off
    pressures_mmhg: tuple[int, ...]  # one per zone

    @property
    def peak_mmhg(self) -> int:
        return max(self.pressures_mmhg, default=0)


@dataclass(frozen=True)
class Plan:
    """A whole session's steps, with an id derived from its content (16 bits)."""

    plan_id: int
    steps: tuple[PlanStep, ...]

    @property
    def duration_s(self) -> int:
        return sum(step.duration_s for step in self.steps)

    @property
    def peak_mmhg(self) -> int:
        return max((step.peak_mmhg for step in self.steps), default=0)

    @property
    def peak_heat_dc(self) -> int:
        return max((step.heat_dc for step in self.steps), default=0)


def content_id(steps: tuple[PlanStep, ...]) -> int:
    """A content-derived id, so a stale upload of a different plan cannot be started."""
    text = ";".join(
        f"{s.duration_s},{int(s.pattern)},{s.heat_dc},{s.pressures_mmhg}" for s in steps
    )
    return zlib.crc32(text.encode()) & 0xFFFF
