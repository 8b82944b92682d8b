"""Massage technique building blocks: what each does with the glove, which muscles it reaches.

The massager animates patterns itself (`massage.Pattern`); a block only chooses the
pattern, the zones, a pressure at full intensity and whether it is warm. Muscle names and
what each muscle does come from the hand-massage article (docs/safety-and-care.md).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from massage import ZONE_COUNT, Pattern, Zone

from .defaults import WARM_DC


class Muscle(enum.StrEnum):
    """Muscle groups the app can highlight on a drawing of the hand."""

    THENAR = "thenar"  # base of the thumb; moves the thumb across to touch the fingertips
    HYPOTHENAR = "hypothenar"  # base of the little finger; moves the little finger outward
    ADDUCTOR_POLLICIS = "adductor pollicis"  # pulls the thumb toward the palm; gripping
    LUMBRICALS = "lumbricals"  # bend the big knuckles while straightening the fingers
    PALMAR_INTEROSSEI = "palmar interossei"  # bring the fingers together
    DORSAL_INTEROSSEI = "dorsal interossei"  # spread the fingers apart
    FLEXORS = "finger flexors"  # palm side; bend the fingers
    EXTENSORS = "finger extensors"  # back of the hand; straighten the fingers


# Each muscle group in plain words (where it is, what it does), for the session screen.
MUSCLE_WORDS: Mapping[Muscle, str] = MappingProxyType(
    {
        Muscle.THENAR: "the base of the thumb, which moves the thumb across to the fingertips",
        Muscle.HYPOTHENAR: "the base of the little finger, which moves it outward",
        Muscle.ADDUCTOR_POLLICIS: "pulls the thumb toward the palm when you grip",
        Muscle.LUMBRICALS: "bend the big knuckles while the fingers straighten",
        Muscle.PALMAR_INTEROSSEI: "between the hand bones, bring the fingers together",
        Muscle.DORSAL_INTEROSSEI: "between the hand bones, spread the fingers apart",
        Muscle.FLEXORS: "on the palm side, bend the fingers",
        Muscle.EXTENSORS: "on the back of the hand, straighten the fingers",
    }
)

# What lies under each zone (the zone comments in massage/hand.py).
ZONE_MUSCLES: Mapping[Zone, frozenset[Muscle]] = MappingProxyType(
    {
        Zone.THUMB_BASE: frozenset({Muscle.THENAR, Muscle.ADDUCTOR_POLLICIS}),
        Zone.LITTLE_FINGER_BASE: frozenset({Muscle.HYPOTHENAR}),
        Zone.PALM: frozenset({Muscle.LUMBRICALS, Muscle.PALMAR_INTEROSSEI}),
        Zone.FINGERS: frozenset({Muscle.FLEXORS}),
        Zone.BACK_OF_HAND: frozenset({Muscle.DORSAL_INTEROSSEI, Muscle.EXTENSORS}),
        Zone.WRIST: frozenset({Muscle.FLEXORS, Muscle.EXTENSORS}),
    }
)

ALL_ZONES: tuple[Zone, ...] = tuple(Zone(i) for i in range(ZONE_COUNT))


def muscles_under(zones: tuple[Zone, ...] | frozenset[Zone]) -> frozenset[Muscle]:
    """Every muscle group under the given zones."""
    return frozenset().union(*(ZONE_MUSCLES[z] for z in zones))


class Technique(enum.StrEnum):
    EFFLEURAGE = "effleurage"
    PETRISSAGE = "petrissage"
    FRICTION = "friction"
    TRIGGER_POINT = "trigger_point"
    MYOFASCIAL_RELEASE = "myofascial_release"
    STRETCHING = "stretching"
    BREATH_PACED = "breath_paced"


class ZoneRule(enum.Enum):
    """How many zones a technique works on."""

    ANY = "one or more zones"
    NEIGHBOURS = "two or more zones"
    ONE = "exactly one zone"
    NONE = "no zones (compression off)"


@dataclass(frozen=True)
class TechniqueInfo:
    """How a technique drives the glove; pressures are at intensity 10, before any cap."""

    technique: Technique
    name: str
    pattern: Pattern
    zone_rule: ZoneRule
    default_zones: tuple[Zone, ...]
    peak_pressure_mmhg: int
    default_heat_dc: int
    gentle: bool  # allowed on an arthritis-flare day
    guidance: str

    @property
    def compresses(self) -> bool:
        return self.pattern is not Pattern.REST

    @property
    def firm(self) -> bool:
        """Kneading, pulses and point holds: the compressing techniques too firm for a flare
        day. Heat never goes with them, whatever the intensity."""
        return self.compresses and not self.gentle


# Heat goes only with light pressure (design): pressure during heating raises burn risk
# because blood flow cannot carry the heat away (US FDA, docs/safety-and-care.md).
# No source gives a number for a hand air bag, so the top of the light band is the peak of
# the light strokes below (gliding wave and breathing, 35 mmHg; the slow warm hold is 25):
# a warm light technique stays in the band at every intensity, while the firm techniques
# (45-50 mmHg) sit above it. The compiler leaves heat off any step pressing harder than
# this, and off every firm technique at any pressure.
LIGHT_PRESSURE_MAX_MMHG: Final = 35

# Peak pressures are design values chosen at or under the 50 mmHg default cap, so the
# default profile never has to clamp; "light" and "low" techniques sit well below it.
TECHNIQUES: Mapping[Technique, TechniqueInfo] = MappingProxyType(
    {
        Technique.EFFLEURAGE: TechniqueInfo(
            Technique.EFFLEURAGE,
            "Gliding wave",
            Pattern.WAVE,
            ZoneRule.ANY,
            ALL_ZONES,
            peak_pressure_mmhg=35,  # design: "light" stroke
            default_heat_dc=WARM_DC,
            gentle=True,
            guidance="A light wave travels from your fingers toward your wrist. Let the hand rest.",
        ),
        Technique.PETRISSAGE: TechniqueInfo(
            Technique.PETRISSAGE,
            "Kneading",
            Pattern.ALTERNATE,
            ZoneRule.NEIGHBOURS,
            (Zone.THUMB_BASE, Zone.PALM, Zone.LITTLE_FINGER_BASE, Zone.BACK_OF_HAND),
            peak_pressure_mmhg=50,  # design: the firmest technique, at the default cap
            default_heat_dc=0,
            gentle=False,
            guidance="Neighbouring areas squeeze and let go in turn, like kneading.",
        ),
        Technique.FRICTION: TechniqueInfo(
            Technique.FRICTION,
            "Quick pulses",
            Pattern.PULSE,
            ZoneRule.ONE,
            (Zone.PALM,),
            peak_pressure_mmhg=45,  # design
            default_heat_dc=0,
            gentle=False,
            guidance="Short quick pulses work one small area.",
        ),
        Technique.TRIGGER_POINT: TechniqueInfo(
            Technique.TRIGGER_POINT,
            "Point hold",
            Pattern.HOLD,
            ZoneRule.ONE,
            (Zone.THUMB_BASE,),
            peak_pressure_mmhg=50,  # design
            default_heat_dc=0,
            gentle=False,
            guidance="Steady pressure on one spot. It should feel firm, never sharp.",
        ),
        Technique.MYOFASCIAL_RELEASE: TechniqueInfo(
            Technique.MYOFASCIAL_RELEASE,
            "Slow warm hold",
            Pattern.HOLD,
            ZoneRule.ANY,
            ALL_ZONES,
            peak_pressure_mmhg=25,  # design: "slow, low, sustained"
            default_heat_dc=WARM_DC,
            gentle=True,
            guidance="Low, steady, warm pressure. Breathe slowly and let the hand soften.",
        ),
        Technique.STRETCHING: TechniqueInfo(
            Technique.STRETCHING,
            "Guided movement",
            Pattern.REST,
            ZoneRule.NONE,
            (),
            peak_pressure_mmhg=0,  # compression off while the hand moves
            default_heat_dc=0,
            gentle=True,
            guidance="The glove is vented. Move slowly and only as far as is comfortable.",
        ),
        Technique.BREATH_PACED: TechniqueInfo(
            Technique.BREATH_PACED,
            "Breathing with the glove",
            Pattern.BREATH,
            ZoneRule.ANY,
            ALL_ZONES,
            peak_pressure_mmhg=35,  # design: light, like effleurage
            default_heat_dc=WARM_DC,
            gentle=True,
            guidance="Breathe in as the glove fills and out as it lets go, "
            "about six breaths a minute.",
        ),
    }
)

# A technique that is warm by default must be light at full intensity, or every routine
# using it would lose its warmth.
assert all(
    not info.firm and info.peak_pressure_mmhg <= LIGHT_PRESSURE_MAX_MMHG
    for info in TECHNIQUES.values()
    if info.default_heat_dc
)

# The BREATH pattern is a 10 s rise and fall (massage/hand.py): six breaths a minute.
BREATH_CYCLE_S = 10


class Exercise(enum.StrEnum):
    TENDON_GLIDES = "tendon_glides"
    FINGER_SPREADS = "finger_spreads"
    THUMB_OPPOSITION = "thumb_opposition"


@dataclass(frozen=True)
class ExerciseInfo:
    """A guided movement shown on screen, one device step (compression off) per move."""

    exercise: Exercise
    name: str
    moves: tuple[str, ...]
    muscles: frozenset[Muscle]


EXERCISES: Mapping[Exercise, ExerciseInfo] = MappingProxyType(
    {
        Exercise.TENDON_GLIDES: ExerciseInfo(
            Exercise.TENDON_GLIDES,
            "Tendon glides",
            (
                "Hold your fingers straight up together, wrist relaxed.",
                "Bend only the top two joints of your fingers into a hook; knuckles stay straight.",
                "Curl into a loose fist, thumb resting over the fingers.",
                "Open again, then bend only at the big knuckles into a flat tabletop.",
                "Curl the fingers into the palm while keeping the fingertips' joints straight.",
                "Open the hand and let it rest.",
            ),
            # The fist positions work the finger flexors; the tabletop uses the lumbricals.
            frozenset({Muscle.FLEXORS, Muscle.LUMBRICALS, Muscle.EXTENSORS}),
        ),
        Exercise.FINGER_SPREADS: ExerciseInfo(
            Exercise.FINGER_SPREADS,
            "Finger spreads",
            (
                "Rest your hand flat, palm down.",
                "Spread your fingers as wide as is comfortable and hold.",
                "Slowly bring the fingers back together.",
                "Spread them again, a little slower this time, and hold.",
                "Bring them together and let the hand rest.",
            ),
            # Spreading uses the dorsal interossei (and hypothenar for the little finger);
            # closing uses the palmar interossei.
            frozenset({Muscle.DORSAL_INTEROSSEI, Muscle.PALMAR_INTEROSSEI, Muscle.HYPOTHENAR}),
        ),
        Exercise.THUMB_OPPOSITION: ExerciseInfo(
            Exercise.THUMB_OPPOSITION,
            "Thumb to fingertips",
            (
                "Touch the tip of your thumb to the tip of your index finger, making an O.",
                "Now touch the thumb to your middle fingertip.",
                "Now to your ring fingertip.",
                "Now to your little fingertip; do not force it.",
                "Open the hand wide, then let it rest.",
            ),
            # Opposition is the thenar muscles' job; bringing the thumb back in is the
            # adductor pollicis'.
            frozenset({Muscle.THENAR, Muscle.ADDUCTOR_POLLICIS, Muscle.HYPOTHENAR}),
        ),
    }
)


@dataclass(frozen=True)
class BlockSpec:
    """One block of a routine or custom program, as a person or routine asks for it.

    `zones=None` and `heat_c=None` take the technique's defaults; `heat_c=0` turns heat off.
    Nothing is checked here: `compiler.validate_program` reports every problem at once.
    """

    technique: Technique
    duration_s: int
    zones: tuple[Zone, ...] | None = None
    exercise: Exercise | None = None
    heat_c: float | None = None

    @property
    def info(self) -> TechniqueInfo:
        return TECHNIQUES[self.technique]

    def effective_zones(self) -> tuple[Zone, ...]:
        return self.info.default_zones if self.zones is None else self.zones

    def muscles(self) -> frozenset[Muscle]:
        """The muscle groups this block reaches."""
        if self.exercise is not None:
            return EXERCISES[self.exercise].muscles
        return muscles_under(self.effective_zones())
