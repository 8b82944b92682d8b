"""Compile a routine or custom program into a device-neutral plan, within a profile's caps.

The order is fixed and each step can only make the program milder: drop techniques the
profile does not allow, clamp pressure, leave heat out where the pressure is not light,
lower or switch off heat, shorten to the session cap, then stop heat once the heat-time cap
is used. Every change is returned with the reason and source of the cap or rule that caused
it, for the app to show.

Heat goes only with light pressure (`techniques.LIGHT_PRESSURE_MAX_MMHG`). A person who
asks for heat on a firm technique in a custom program is told so when the program is
checked, so what they save runs as they built it; a routine is never refused for it, the
heat is left out with a recorded change. Whether a light technique's pressure stays in the
band depends on the intensity chosen at the start, so that case is always a change.

The device's SET_INTENSITY only scales uploaded pressures down (level/10), so a program
compiled here stays within its caps whatever the person does with the slider.

Why this module is long: one fixed pipeline. Each step (drop, clamp, heat, shorten,
heat-time) can only make the program milder, and keeping them in order in one module
lets a reader check that order and each `Change`'s reason.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from massage import (
    ABSOLUTE_AUTO_OFF_S,
    HARD_MAX_HEAT_DC,
    MAX_INTENSITY,
    MAX_PLAN_STEPS,
    MIN_HEAT_DC,
    MIN_INTENSITY,
    ZONE_COUNT,
    Pattern,
    Zone,
    c_to_dc,
)

from .errors import InvalidProgram, SessionNotAllowed
from .plan import Plan, PlanStep, content_id
from .profile import Verdict, Why
from .routines import Routine
from .rules import DESIGN
from .techniques import (
    BREATH_CYCLE_S,
    EXERCISES,
    LIGHT_PRESSURE_MAX_MMHG,
    TECHNIQUES,
    Technique,
    ZoneRule,
    muscles_under,
)

if TYPE_CHECKING:
    from massage import (
        Limits,
    )

    from .profile import SafetyProfile
    from .techniques import (
        BlockSpec,
        Muscle,
    )

MIN_MOVE_S = 3  # design: shortest time to read and do one guided move


@dataclass(frozen=True)
class CustomProgram:
    """A program a person put together from blocks; checked exactly like a routine."""

    name: str
    blocks: tuple[BlockSpec, ...]


ProgramSpec = Routine | CustomProgram


class ChangeKind(enum.StrEnum):
    DROPPED = "dropped"
    PRESSURE_LIMITED = "pressure_limited"
    HEAT_LOWERED = "heat_lowered"
    HEAT_OFF = "heat_off"
    HEAT_LEFT_OUT = "heat_left_out"  # heat never goes with firm pressure (not a profile cap)
    SHORTENED = "shortened"
    HEAT_TIME_LIMITED = "heat_time_limited"


@dataclass(frozen=True)
class Change:
    """One thing compilation changed: what, on which block (None = whole program), and why."""

    kind: ChangeKind
    block_index: int | None
    message: str
    why: Why


HEAT_ONLY_WHEN_LIGHT = Why(
    "design.heat_only_when_light",
    "Warmth only with light pressure",
    "Thenar warms the hand only during light strokes: firm squeezing while heating raises "
    "the risk of burns, because blood flow cannot carry the heat away.",
    f"{DESIGN} (light: up to {LIGHT_PRESSURE_MAX_MMHG} mmHg); "
    "US FDA: pressure during heating raises burn risk",
)


@dataclass(frozen=True)
class StepGuidance:
    """What the screen shows while the device runs the step with the same index."""

    block_index: int
    technique: Technique
    title: str
    instruction: str
    muscles: frozenset[Muscle]


@dataclass(frozen=True)
class CompiledProgram:
    name: str
    intensity: int
    plan: Plan  # device-neutral: the driver translates it (docs/drivers.md)
    guidance: tuple[StepGuidance, ...]
    changes: tuple[Change, ...]
    limits: Limits

    @property
    def duration_s(self) -> int:
        return self.plan.duration_s


@dataclass(frozen=True)
class _Step:
    duration_s: int
    pattern: Pattern
    heat_dc: int
    pressures: tuple[int, ...]
    guidance: StepGuidance


def _light_names() -> str:
    return ", ".join(i.name.lower() for i in TECHNIQUES.values() if i.compresses and not i.firm)


def _block_problems(i: int, block: BlockSpec, *, custom: bool) -> list[str]:
    where = f"block {i + 1}"
    if not isinstance(block.technique, Technique):
        return [f"{where}: unknown technique {block.technique!r}"]
    info = block.info
    problems: list[str] = []
    d = block.duration_s
    if not isinstance(d, int) or isinstance(d, bool) or not 1 <= d <= ABSOLUTE_AUTO_OFF_S:
        problems.append(f"{where}: duration must be 1-{ABSOLUTE_AUTO_OFF_S} seconds, not {d!r}")
    elif block.technique is Technique.BREATH_PACED and d % BREATH_CYCLE_S:
        problems.append(f"{where}: breathing runs in whole {BREATH_CYCLE_S}-second breaths")
    zones = block.effective_zones()
    bad = [z for z in zones if not isinstance(z, Zone) or not 0 <= int(z) < ZONE_COUNT]
    if bad:
        problems.append(f"{where}: unknown zone(s) {bad}")
    if len(set(zones)) != len(zones):
        problems.append(f"{where}: a zone is listed twice")
    count_ok = {
        ZoneRule.ANY: len(zones) >= 1,
        ZoneRule.NEIGHBOURS: len(zones) >= 2,
        ZoneRule.ONE: len(zones) == 1,
        ZoneRule.NONE: len(zones) == 0,
    }[info.zone_rule]
    if not count_ok:
        problems.append(f"{where}: {info.name} works on {info.zone_rule.value}")
    if block.technique is Technique.STRETCHING:
        ex = EXERCISES.get(block.exercise) if block.exercise is not None else None
        if ex is None:
            problems.append(f"{where}: guided movement needs an exercise")
        elif isinstance(d, int) and d < MIN_MOVE_S * len(ex.moves):
            n = len(ex.moves)
            problems.append(f"{where}: {n} moves need at least {MIN_MOVE_S * n} seconds")
        if block.heat_c not in (None, 0):
            problems.append(f"{where}: no heat while the hand moves")
    elif block.exercise is not None:
        problems.append(f"{where}: only guided movement takes an exercise")
    if block.heat_c is not None and block.heat_c != 0:
        finite = isinstance(block.heat_c, int | float) and math.isfinite(block.heat_c)
        dc = c_to_dc(block.heat_c) if finite else -1
        if not MIN_HEAT_DC <= dc <= HARD_MAX_HEAT_DC:
            problems.append(
                f"{where}: heat must be off (0) or {MIN_HEAT_DC / 10:g}-"
                f"{HARD_MAX_HEAT_DC / 10:g} °C, not {block.heat_c!r}"
            )
        elif custom and info.firm:
            problems.append(
                f"{where}: no heat with {info.name.lower()}: warmth goes only with light "
                "strokes, because firm pressure with heat raises the risk of burns. Turn its "
                f"heat off, or put the warmth on a light block instead ({_light_names()})"
            )
    return problems


def _step_count(block: BlockSpec) -> int:
    ex = EXERCISES.get(block.exercise) if block.exercise is not None else None
    return len(ex.moves) if ex is not None and block.technique is Technique.STRETCHING else 1


def validate_program(spec: ProgramSpec) -> None:
    """Raise InvalidProgram listing every problem, or return if the program can be built.

    A custom program that asks for heat on a firm technique is refused here; a routine
    is not (compiling it leaves that heat out and says so).
    """
    problems: list[str] = []
    if not spec.name.strip():
        problems.append("the program needs a name")
    if not spec.blocks:
        problems.append("the program has no blocks")
    custom = isinstance(spec, CustomProgram)
    for i, block in enumerate(spec.blocks):
        problems += _block_problems(i, block, custom=custom)
    if not problems:
        total = sum(b.duration_s for b in spec.blocks)
        if total > ABSOLUTE_AUTO_OFF_S:
            problems.append(
                f"the program lasts {total} s; the device stops every session after "
                f"{ABSOLUTE_AUTO_OFF_S} s"
            )
        steps = sum(_step_count(b) for b in spec.blocks)
        if steps > MAX_PLAN_STEPS:
            problems.append(
                f"the program needs {steps} steps; the device holds {MAX_PLAN_STEPS}"
            )
    if problems:
        raise InvalidProgram(problems)


def _expand(i: int, block: BlockSpec, intensity: int) -> list[_Step]:
    info = block.info
    if block.technique is Technique.STRETCHING:
        assert block.exercise is not None  # checked by validate_program
        ex = EXERCISES[block.exercise]
        each, extra = divmod(block.duration_s, len(ex.moves))
        return [
            _Step(
                each + (extra if k == len(ex.moves) - 1 else 0),
                Pattern.REST,
                0,
                (0,) * ZONE_COUNT,
                StepGuidance(
                    i,
                    block.technique,
                    ex.name,
                    f"{k + 1} of {len(ex.moves)}: {move}",
                    ex.muscles,
                ),
            )
            for k, move in enumerate(ex.moves)
        ]
    zones = block.effective_zones()
    target = round(info.peak_pressure_mmhg * intensity / MAX_INTENSITY)
    pressures = tuple(target if Zone(z) in zones else 0 for z in range(ZONE_COUNT))
    heat = info.default_heat_dc if block.heat_c is None else c_to_dc(block.heat_c)
    guidance = StepGuidance(i, block.technique, info.name, info.guidance, muscles_under(zones))
    return [_Step(block.duration_s, info.pattern, heat, pressures, guidance)]


def _heat_left_out(i: int, block: BlockSpec, s: _Step) -> Change | None:
    """Why this step's heat must go, or None when its pressure is light enough for heat."""
    if not s.heat_dc:
        return None
    info = block.info
    if info.firm:
        msg = (
            f"Heat left out of the {info.name.lower()}: warmth goes only with light strokes, "
            "because firm pressure with heat raises the risk of burns."
        )
    elif max(s.pressures) > LIGHT_PRESSURE_MAX_MMHG:
        msg = (
            f"Heat left out of the {info.name.lower()} at this intensity: warmth goes only "
            f"with light pressure, up to {LIGHT_PRESSURE_MAX_MMHG} mmHg, and this step presses "
            f"at {max(s.pressures)} mmHg; firmer pressure with heat raises the risk of burns."
        )
    else:
        return None
    return Change(ChangeKind.HEAT_LEFT_OUT, i, msg, HEAT_ONLY_WHEN_LIGHT)


def _apply_caps(
    i: int, block: BlockSpec, steps: list[_Step], profile: SafetyProfile, changes: list[Change]
) -> list[_Step]:
    cap_p, cap_h = profile.max_pressure, profile.max_heat
    out = []
    for s in steps:
        if max(s.pressures) > cap_p.value:
            changes.append(
                Change(
                    ChangeKind.PRESSURE_LIMITED,
                    i,
                    f"Pressure limited from {max(s.pressures)} to {cap_p.value} mmHg.",
                    cap_p.why,
                )
            )
            s = dataclasses.replace(s, pressures=tuple(min(p, cap_p.value) for p in s.pressures))
        # After the clamp, so it is the pressure the device will apply that decides.
        left_out = _heat_left_out(i, block, s)
        if left_out is not None:
            changes.append(left_out)
            s = dataclasses.replace(s, heat_dc=0)
        if s.heat_dc > cap_h.value:
            if cap_h.value == 0:
                msg, kind = "Heat turned off.", ChangeKind.HEAT_OFF
            else:
                msg = f"Heat lowered from {s.heat_dc / 10:g} to {cap_h.value / 10:g} °C."
                kind = ChangeKind.HEAT_LOWERED
            changes.append(Change(kind, i, msg, cap_h.why))
            s = dataclasses.replace(s, heat_dc=cap_h.value)
        out.append(s)
    return out


def _shorten(steps: list[_Step], profile: SafetyProfile, changes: list[Change]) -> list[_Step]:
    cap = profile.max_session
    total = sum(s.duration_s for s in steps)
    if total <= cap.value:
        return steps
    out = []
    for s in steps:
        d = s.duration_s * cap.value // total
        if s.pattern is Pattern.BREATH:
            d = max(BREATH_CYCLE_S, d - d % BREATH_CYCLE_S)
        out.append(dataclasses.replace(s, duration_s=max(1, d)))
    while out and sum(s.duration_s for s in out) > cap.value:
        out.pop()  # only when many tiny steps cannot all keep one second
    spare = cap.value - sum(s.duration_s for s in out)
    longest = max(
        (k for k, s in enumerate(out) if s.pattern is not Pattern.BREATH),
        key=lambda k: out[k].duration_s,
        default=None,
    )
    if longest is not None and spare > 0:  # give back what rounding down took
        out[longest] = dataclasses.replace(out[longest], duration_s=out[longest].duration_s + spare)
    new_total = sum(s.duration_s for s in out)
    changes.append(
        Change(
            ChangeKind.SHORTENED,
            None,
            f"Shortened from {total // 60} min {total % 60} s to "
            f"{new_total // 60} min {new_total % 60} s.",
            cap.why,
        )
    )
    return out


def _limit_heat_time(
    steps: list[_Step], profile: SafetyProfile, changes: list[Change]
) -> list[_Step]:
    cap = profile.max_heat_time
    used, exhausted, out = 0, False, []
    for s in steps:
        if s.heat_dc and (exhausted or used + s.duration_s > cap.value):
            if not exhausted:
                changes.append(
                    Change(
                        ChangeKind.HEAT_TIME_LIMITED,
                        s.guidance.block_index,
                        f"Heat off from here: {cap.value // 60} minutes of heat is the limit.",
                        cap.why,
                    )
                )
            exhausted = True
            s = dataclasses.replace(s, heat_dc=0)
        used += s.duration_s if s.heat_dc else 0
        out.append(s)
    return out


def compile_program(
    spec: ProgramSpec,
    intensity: int,
    profile: SafetyProfile,
    *,
    program_id: int | None = None,
) -> CompiledProgram:
    """Build the device program for this intensity within the profile's caps.

    Raises InvalidProgram for a malformed spec or intensity and SessionNotAllowed when the
    profile allows no session or nothing in the program is left to run.
    """
    validate_program(spec)
    if (
        not isinstance(intensity, int)
        or isinstance(intensity, bool)
        or not MIN_INTENSITY <= intensity <= MAX_INTENSITY
    ):
        raise InvalidProgram(
            [f"intensity must be {MIN_INTENSITY}-{MAX_INTENSITY}, not {intensity!r}"]
        )
    if profile.verdict is not Verdict.ALLOWED:
        raise SessionNotAllowed(profile.reasons_not_allowed())

    changes: list[Change] = []
    steps: list[_Step] = []
    for i, block in enumerate(spec.blocks):
        ban = profile.ban_for(block.technique)
        if ban is not None:
            changes.append(Change(ChangeKind.DROPPED, i, f"{block.info.name} left out.", ban.why))
            continue
        if block.info.compresses and profile.max_pressure.value == 0:
            changes.append(
                Change(
                    ChangeKind.DROPPED,
                    i,
                    f"{block.info.name} left out: no compression.",
                    profile.max_pressure.why,
                )
            )
            continue
        steps += _apply_caps(i, block, _expand(i, block, intensity), profile, changes)
    if not steps:
        raise SessionNotAllowed(
            ["Nothing in this program is allowed today."] + [c.why.reason for c in changes]
        )
    steps = _shorten(steps, profile, changes)
    if not steps:
        raise SessionNotAllowed(
            ["This program cannot be shortened enough.", profile.max_session.why.reason]
        )
    steps = _limit_heat_time(steps, profile, changes)

    plan_steps = tuple(PlanStep(s.duration_s, s.pattern, s.heat_dc, s.pressures) for s in steps)
    return CompiledProgram(
        name=spec.name,
        intensity=intensity,
        plan=Plan(content_id(plan_steps) if program_id is None else program_id, plan_steps),
        guidance=tuple(s.guidance for s in steps),
        changes=tuple(changes),
        limits=profile.device_limits(),
    )
