"""The hand's six zones and the patterns pressure moves in over them.

The numbers are codes that Thenar's profile (docs/gatt-profile.md) and the health log
both use, so never renumber a member; add new ones at the end.
"""

from __future__ import annotations

import enum
from typing import Self


class OpenIntEnum(enum.IntEnum):
    """An IntEnum that keeps unknown values as pseudo-members instead of raising.

    Same idea as `bumble.utils.OpenIntEnum`: a code from a newer firmware or a newer
    log still reads, and the unknown code is shown (and refused where it matters), not lost.
    """

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        if not isinstance(value, int):
            return None
        member = int.__new__(cls, value)
        member._name_ = f"{cls.__name__}[{value}]"
        member._value_ = value
        return member


class Zone(OpenIntEnum):
    """The hand's zones (one air bag each on Thenar's glove), named after what lies under them."""

    THUMB_BASE = 0  # thenar muscles, adductor pollicis
    LITTLE_FINGER_BASE = 1  # hypothenar muscles
    PALM = 2  # lumbricals, palmar interossei
    FINGERS = 3  # finger flexor tendons (flexor side)
    BACK_OF_HAND = 4  # dorsal interossei, extensor tendons
    WRIST = 5  # flexor and extensor tendons crossing the wrist


ZONE_COUNT = len(Zone)

ZONE_NAMES: tuple[str, ...] = (
    "thumb base",
    "little-finger base",
    "palm",
    "fingers",
    "back of hand",
    "wrist",
)


class Pattern(OpenIntEnum):
    """How a step's target pressures move over time (a Thenar massager animates them)."""

    HOLD = 0  # steady pressure: trigger-point hold, myofascial release
    WAVE = 1  # zones fill one after another, fingers toward wrist: effleurage-like
    ALTERNATE = 2  # neighbouring zones take turns: petrissage-like kneading
    PULSE = 3  # quick short pulses: friction-like
    BREATH = 4  # slow rise and fall, 10 s a cycle (six breaths a minute)
    REST = 5  # everything vented; for guided stretches with compression off
