"""Ready-made routines built from technique blocks, for the people Thenar serves.

Descriptions stay within what the cited studies found (docs/safety-and-care.md,
"What the studies the article cites actually found") and make wellness claims only.
Durations are design values; every routine fits the 15-minute default session.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from massage import Zone

from .techniques import BlockSpec, Exercise, Technique

if TYPE_CHECKING:
    from .techniques import Muscle


@dataclass(frozen=True)
class Routine:
    routine_id: str
    name: str
    description: str
    blocks: tuple[BlockSpec, ...]

    @property
    def duration_s(self) -> int:
        return sum(b.duration_s for b in self.blocks)

    def muscles(self) -> frozenset[Muscle]:
        """Every muscle group the routine reaches, for the hand drawing."""
        return frozenset().union(*(b.muscles() for b in self.blocks))


T = Technique
E = Exercise

ARTHRITIS_MORNING = Routine(
    "arthritis_morning",
    "Morning ease",
    "A warm, slow start for hands that feel stiff in the morning: light waves and gentle "
    "warmth, then easy finger and thumb movements. It is meant for comfort and does not "
    "treat arthritis. In a small study of 22 adults with hand or wrist arthritis (Field et "
    "al. 2007), weekly massage plus daily self-massage for four weeks went with less "
    "reported pain and a stronger grip. On a flare day Thenar leaves out the kneading and "
    "the heat.",
    (
        BlockSpec(T.EFFLEURAGE, 120),
        BlockSpec(T.MYOFASCIAL_RELEASE, 180),
        BlockSpec(T.STRETCHING, 72, exercise=E.TENDON_GLIDES),  # 6 moves x 12 s
        BlockSpec(T.STRETCHING, 50, exercise=E.FINGER_SPREADS),  # 5 moves x 10 s
        BlockSpec(T.STRETCHING, 50, exercise=E.THUMB_OPPOSITION),
        BlockSpec(T.PETRISSAGE, 120),
        BlockSpec(T.EFFLEURAGE, 90),
    ),
)

TYPING_RECOVERY = Routine(
    "typing_recovery",
    "After typing",
    "A short break after a long stretch of typing, mouse work or other repetitive tasks: "
    "kneading of the palm and the back of the hand, a steady hold at the base of the "
    "thumb, and finger movements. It is meant to feel relaxing. In a study of 46 adults "
    "with hand pain (Field et al. 2011), regular massage went with less pain and a "
    "stronger grip; no study shows that it prevents or treats strain injuries.",
    (
        BlockSpec(T.EFFLEURAGE, 90),
        BlockSpec(T.PETRISSAGE, 150, zones=(Zone.PALM, Zone.BACK_OF_HAND, Zone.FINGERS)),
        BlockSpec(T.TRIGGER_POINT, 60, zones=(Zone.THUMB_BASE,)),  # thenar, adductor pollicis
        BlockSpec(T.FRICTION, 60, zones=(Zone.PALM,)),
        BlockSpec(T.STRETCHING, 50, exercise=E.FINGER_SPREADS),
        BlockSpec(T.STRETCHING, 72, exercise=E.TENDON_GLIDES),
        BlockSpec(T.EFFLEURAGE, 60),
    ),
)

GRIP_RECOVERY = Routine(
    "grip_recovery",
    "After a hard grip",
    "For after gripping hard, such as climbing, gardening, carrying or using tools: about "
    "five minutes of massage, then gentle movements. In a study of 52 healthy adults "
    "(Brooks et al. 2005), five minutes of hand and forearm massage after a tiring grip "
    "task brought grip strength back better than rest. Massage did not speed up blood "
    "flow or the clearing of lactate (Wiltshire et al. 2010), so think of it as comfort, "
    "not faster healing.",
    (
        BlockSpec(T.EFFLEURAGE, 60),
        BlockSpec(
            T.PETRISSAGE,
            120,
            zones=(Zone.THUMB_BASE, Zone.PALM, Zone.LITTLE_FINGER_BASE, Zone.FINGERS),
        ),
        BlockSpec(T.TRIGGER_POINT, 45, zones=(Zone.THUMB_BASE,)),
        BlockSpec(T.EFFLEURAGE, 60),  # 5 minutes of massage in all, as in Brooks et al.
        BlockSpec(T.STRETCHING, 50, exercise=E.FINGER_SPREADS),
        BlockSpec(T.STRETCHING, 50, exercise=E.THUMB_OPPOSITION),
    ),
)

EVENING_WIND_DOWN = Routine(
    "evening_wind_down",
    "Evening wind-down",
    "A slow, warm end to the day: breathing in time with the glove at about six breaths "
    "a minute, light waves and warm, low holds, then a gentle finger stretch. It is "
    "meant for relaxation.",
    (
        BlockSpec(T.BREATH_PACED, 180),  # 18 breaths of 10 s
        BlockSpec(T.EFFLEURAGE, 120),
        BlockSpec(T.MYOFASCIAL_RELEASE, 180),
        BlockSpec(T.STRETCHING, 50, exercise=E.FINGER_SPREADS),
        BlockSpec(T.BREATH_PACED, 120),
    ),
)

ROUTINES: Mapping[str, Routine] = MappingProxyType(
    {
        r.routine_id: r
        for r in (ARTHRITIS_MORNING, TYPING_RECOVERY, GRIP_RECOVERY, EVENING_WIND_DOWN)
    }
)
