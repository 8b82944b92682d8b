"""What every layer says about a massage: the hand's zones, the patterns pressure moves
in, the caps a massager keeps, and the ceilings and defaults those caps start from.

It sits below everything (ARCHITECTURE.md): `therapy` plans with these words, Thenar's
wire format (`ble.protocol`) encodes them, the simulated firmware (`device_sim`)
enforces them and the hand drawing (`desktop`) draws them, so each is defined once.
Pure values, standard library only (an import-linter contract keeps it so). Import
from `massage` itself, never from its modules.
"""

from .hand import ZONE_COUNT, ZONE_NAMES, OpenIntEnum, Pattern, Zone
from .limits import (
    ABSOLUTE_AUTO_OFF_S,
    DEFAULT_LIMITS,
    DEFAULT_MAX_HEAT_DC,
    DEFAULT_MAX_HEAT_TIME_S,
    DEFAULT_MAX_PRESSURE_MMHG,
    DEFAULT_MAX_SESSION_S,
    HARD_MAX_HEAT_DC,
    HARD_MAX_PRESSURE_MMHG,
    MAX_INTENSITY,
    MAX_PLAN_STEPS,
    MIN_HEAT_DC,
    MIN_INTENSITY,
    MINUTE,
    Limits,
    c_to_dc,
)

__all__ = [
    "ABSOLUTE_AUTO_OFF_S",
    "DEFAULT_LIMITS",
    "DEFAULT_MAX_HEAT_DC",
    "DEFAULT_MAX_HEAT_TIME_S",
    "DEFAULT_MAX_PRESSURE_MMHG",
    "DEFAULT_MAX_SESSION_S",
    "HARD_MAX_HEAT_DC",
    "HARD_MAX_PRESSURE_MMHG",
    "MAX_INTENSITY",
    "MAX_PLAN_STEPS",
    "MINUTE",
    "MIN_HEAT_DC",
    "MIN_INTENSITY",
    "ZONE_COUNT",
    "ZONE_NAMES",
    "Limits",
    "OpenIntEnum",
    "Pattern",
    "Zone",
    "c_to_dc",
]
