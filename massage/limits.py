"""The caps a massager keeps on every setpoint, the ceilings no cap may pass, and the
default caps every safety profile starts from.

Units are the ones used everywhere: pressure in whole mmHg, temperature in tenths of a
degree Celsius ("dc"), durations in whole seconds. The numbers are **design** values
(docs/safety-and-care.md): no source gives one for a hand-sized air-bag massager, so
they are product decisions, and every reason shown to the person says so. Thenar's
firmware holds the ceilings whatever it is told, and holds the defaults until the app
writes the person's caps (docs/gatt-profile.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

MINUTE: Final = 60

# design: 80 mmHg is the top of the lymphedema-pump range.
HARD_MAX_PRESSURE_MMHG: Final = 80
# design: 45 °C is where a burn starts.
HARD_MAX_HEAT_DC: Final = 450
# design: the device switches itself off after 30 minutes, whatever the caps say.
ABSOLUTE_AUTO_OFF_S: Final = 30 * MINUTE

# design: default pressure cap; the device can do 80, limb devices for the public use 60.
DEFAULT_MAX_PRESSURE_MMHG: Final = 50
# design: default heat cap 42 °C, below where skin pain starts (just above 43 °C, Martin &
# Falder 2017) and under the 45 °C skin-contact limit the TFDA and an NHS trust give.
DEFAULT_MAX_HEAT_DC: Final = 420
# design: maker guidance is "each use at most 15 minutes".
DEFAULT_MAX_SESSION_S: Final = 15 * MINUTE
# design: US FDA says heat for no longer than 15-20 minutes; we take the upper end. Thenar's
# firmware also stops heating after this long in one session.
DEFAULT_MAX_HEAT_TIME_S: Final = 20 * MINUTE

# design: the lowest heat setpoint; below skin temperature (about 33 °C) a setpoint would
# not warm anything, and below 30 °C "warmth" is not felt (0 still means heat off). A Thenar
# massager refuses a lower one; a custom program may not ask for one.
MIN_HEAT_DC: Final = 300

# Intensity scales a plan's pressures to level/10 (10: as planned, never above it): the
# compiler takes one at the start, and a Thenar massager's SET_INTENSITY takes one during
# a session (docs/gatt-profile.md).
MIN_INTENSITY: Final = 1
MAX_INTENSITY: Final = 10

# The most steps a plan may have: what a Thenar massager can store (docs/gatt-profile.md).
MAX_PLAN_STEPS: Final = 64


def c_to_dc(celsius: float) -> int:
    """Degrees Celsius to tenths of a degree."""
    return round(celsius * 10)


@dataclass(frozen=True)
class Limits:
    """The caps a massager enforces on every setpoint. `max_heat_dc == 0` means heat off."""

    max_pressure_mmhg: int
    max_heat_dc: int
    max_session_s: int

    def __post_init__(self) -> None:
        for name in ("max_pressure_mmhg", "max_heat_dc", "max_session_s"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name}={value!r} is not a whole number of at least 0")

    def stricter(self, other: Limits) -> Limits:
        """The tighter of the two, item by item."""
        return Limits(
            min(self.max_pressure_mmhg, other.max_pressure_mmhg),
            min(self.max_heat_dc, other.max_heat_dc),
            min(self.max_session_s, other.max_session_s),
        )

    def at_most(self, other: Limits) -> bool:
        """True if every cap here is at or below the same cap in `other`."""
        return self.stricter(other) == self


# The caps every profile starts from before any rule applies; a Thenar massager holds
# them from the factory until an app writes the person's.
DEFAULT_LIMITS: Final = Limits(
    DEFAULT_MAX_PRESSURE_MMHG, DEFAULT_MAX_HEAT_DC, DEFAULT_MAX_SESSION_S
)

assert DEFAULT_LIMITS.at_most(Limits(HARD_MAX_PRESSURE_MMHG, HARD_MAX_HEAT_DC, ABSOLUTE_AUTO_OFF_S))
