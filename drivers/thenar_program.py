"""A device-neutral plan (`therapy.plan`) as Thenar's wire program (`ble.protocol`).

The one place the domain's steps become the frames a Thenar massager stores, so
`therapy` knows no wire format and the wire format knows no plan. Zones and patterns
are `massage`'s on both sides, so a step carries over as it is; what the wire adds is
the program id (the plan's content id) and its size limits, checked by the codec.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ble import protocol as p

if TYPE_CHECKING:
    from therapy.plan import Plan


def thenar_program(plan: Plan) -> p.Program:
    """The plan as Thenar's wire format: the same steps, as the device stores them.

    Raises `ble.protocol.ProtocolError` for a plan the device cannot hold (too many
    steps, a pressure or a duration out of the wire's range).
    """
    steps = tuple(
        p.ProgramStep(s.duration_s, s.pattern, s.heat_dc, s.pressures_mmhg) for s in plan.steps
    )
    return p.Program(plan.plan_id, steps)
