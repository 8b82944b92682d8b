"""The routines as guided steps for massaging your own hands, without a massager.

Each technique of the glove has a counterpart a person can do with the other hand
(the hand-massage article's techniques, docs/safety-and-care.md, in our own words);
the guided movements (exercises) are the same as with the glove. A routine becomes a
list of timed steps; techniques the day's profile does not allow (firm ones on a
flare day, friction and point holds with some conditions) are left out, and the
steps say so. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from .techniques import EXERCISES, TECHNIQUES, Technique

if TYPE_CHECKING:
    from massage import Zone

    from .profile import SafetyProfile
    from .routines import Routine
    from .techniques import BlockSpec

# What the other hand does, one short sentence per movement.
BY_HAND_MOVES: Mapping[Technique, tuple[str, ...]] = MappingProxyType(
    {
        Technique.EFFLEURAGE: (
            "Rest the hand you are massaging palm up on your lap or a table.",
            "With the flat of your other hand, stroke lightly from the fingertips to the wrist.",
            "Turn the hand over and stroke the back of it the same way.",
            "Keep the strokes slow, light and even.",
        ),
        Technique.PETRISSAGE: (
            "Hold the hand with your other hand, thumb in its palm.",
            "Squeeze a little of the muscle between your thumb and fingers, then let go.",
            "Move along: the base of the thumb, the palm, the base of the little finger.",
            "Firm but comfortable: ease off at once if anything hurts.",
        ),
        Technique.FRICTION: (
            "Put the pad of your other thumb in the middle of the palm.",
            "Make small, quick circles on one spot, moving the skin rather than sliding over it.",
            "Move to a spot next to it after a few circles.",
        ),
        Technique.TRIGGER_POINT: (
            "Find a tender spot at the base of the thumb with your other thumb.",
            "Press steadily and hold; it should feel firm, never sharp.",
            "Let go slowly, then rest the hand.",
        ),
        Technique.MYOFASCIAL_RELEASE: (
            "Lay your other palm over the hand, warm and relaxed.",
            "Press very lightly and let the skin move slowly with your palm.",
            "Hold each position for a few slow breaths before moving on.",
        ),
        Technique.STRETCHING: ("Move slowly, and only as far as is comfortable.",),
        Technique.BREATH_PACED: (
            "Wrap your other hand gently around the hand.",
            "Squeeze softly as you breathe in, let go as you breathe out.",
            "About six slow breaths a minute.",
        ),
    }
)


@dataclass(frozen=True)
class GuidedStep:
    """One step on screen: a title, the movements in words, how long, where on the hand."""

    title: str
    moves: tuple[str, ...]
    seconds: int
    zones: tuple[Zone, ...]


@dataclass(frozen=True)
class GuidedPlan:
    """A routine as steps for the hands, and what was left out today and why."""

    name: str
    steps: tuple[GuidedStep, ...]
    left_out: tuple[str, ...]

    @property
    def seconds(self) -> int:
        return sum(s.seconds for s in self.steps)


def _steps(block: BlockSpec) -> list[GuidedStep]:
    info = TECHNIQUES[block.technique]
    if block.exercise is not None:
        exercise = EXERCISES[block.exercise]
        each = max(1, block.duration_s // len(exercise.moves))
        return [
            GuidedStep(f"{exercise.name} ({i + 1} of {len(exercise.moves)})", (move,), each, ())
            for i, move in enumerate(exercise.moves)
        ]
    return [
        GuidedStep(
            info.name,
            BY_HAND_MOVES[block.technique],
            block.duration_s,
            block.effective_zones(),
        )
    ]


def guided_plan(routine: Routine, profile: SafetyProfile | None = None) -> GuidedPlan:
    """The routine as steps; blocks whose technique `profile` does not allow are left out."""
    steps: list[GuidedStep] = []
    left_out: list[str] = []
    for block in routine.blocks:
        if profile is not None and not profile.allows(block.technique):
            ban = profile.ban_for(block.technique)
            name = TECHNIQUES[block.technique].name
            why = f": {ban.why.reason}" if ban is not None else ""
            text = f"{name} is left out today{why}"
            if text not in left_out:
                left_out.append(text)
            continue
        steps.extend(_steps(block))
    return GuidedPlan(routine.name, tuple(steps), tuple(left_out))
