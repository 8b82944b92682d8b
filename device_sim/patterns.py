"""How each step pattern turns a step's per-zone pressures into targets over time.

Pure functions of the time into the step, so the executor stays simple and the
shapes can be checked on their own. Periods are design values chosen to feel
like the hand technique they imitate, not taken from a source.
"""

from __future__ import annotations

from massage import Pattern, Zone

# Effleurage-like wave, fingers toward the wrist: each group fills in turn.
WAVE_GROUPS: tuple[tuple[Zone, ...], ...] = (
    (Zone.FINGERS,),
    (Zone.PALM, Zone.BACK_OF_HAND),
    (Zone.THUMB_BASE, Zone.LITTLE_FINGER_BASE),
    (Zone.WRIST,),
)
WAVE_PERIOD_S = 8.0
WAVE_GROUP_ON_S = 3.0
# Petrissage-like kneading: two interleaved sets of neighbouring zones take turns.
ALTERNATE_SETS: tuple[frozenset[Zone], frozenset[Zone]] = (
    frozenset({Zone.THUMB_BASE, Zone.LITTLE_FINGER_BASE, Zone.FINGERS}),
    frozenset({Zone.PALM, Zone.BACK_OF_HAND, Zone.WRIST}),
)
ALTERNATE_HALF_PERIOD_S = 2.0
# Friction-like pulses: short and quick.
PULSE_ON_S = 0.5
PULSE_PERIOD_S = 1.0
# Breath pacing: about six breaths a minute, in-breath shorter than out-breath.
BREATH_PERIOD_S = 10.0
BREATH_IN_S = 4.0


def targets(pattern: Pattern, pressures: tuple[int, ...], t: float) -> tuple[float, ...]:
    """Target pressure per zone `t` seconds into a step with this pattern."""
    if pattern == Pattern.HOLD:
        return tuple(float(p) for p in pressures)
    if pattern == Pattern.WAVE:
        phase = t % WAVE_PERIOD_S
        step = (WAVE_PERIOD_S - WAVE_GROUP_ON_S) / (len(WAVE_GROUPS) - 1)
        on: set[Zone] = set()
        for i, group in enumerate(WAVE_GROUPS):
            if i * step <= phase < i * step + WAVE_GROUP_ON_S:
                on.update(group)
        return tuple(float(p) if Zone(z) in on else 0.0 for z, p in enumerate(pressures))
    if pattern == Pattern.ALTERNATE:
        active = ALTERNATE_SETS[int(t // ALTERNATE_HALF_PERIOD_S) % 2]
        return tuple(float(p) if Zone(z) in active else 0.0 for z, p in enumerate(pressures))
    if pattern == Pattern.PULSE:
        on_now = (t % PULSE_PERIOD_S) < PULSE_ON_S
        return tuple(float(p) if on_now else 0.0 for p in pressures)
    if pattern == Pattern.BREATH:
        in_breath = (t % BREATH_PERIOD_S) < BREATH_IN_S
        return tuple(float(p) if in_breath else 0.0 for p in pressures)
    # REST, and any pattern this firmware does not know: vent (the safe choice).
    return tuple(0.0 for _ in pressures)
