"""Compiling routines and custom programs: what the caps change, validation, guidance."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from types import MappingProxyType

import pytest

import massage
from ble.protocol import Program
from drivers.thenar_program import thenar_program
from massage import MAX_PLAN_STEPS, Pattern, Zone
from therapy import techniques
from therapy.compiler import (
    HEAT_ONLY_WHEN_LIGHT,
    ChangeKind,
    CompiledProgram,
    CustomProgram,
    compile_program,
    validate_program,
)
from therapy.errors import InvalidProgram, SessionNotAllowed
from therapy.profile import Cap, SafetyProfile, Why
from therapy.routines import ROUTINES, Routine
from therapy.techniques import (
    EXERCISES,
    LIGHT_PRESSURE_MAX_MMHG,
    TECHNIQUES,
    BlockSpec,
    Exercise,
    Muscle,
    Technique,
)

DEFAULT = SafetyProfile(rules_version="test", screened_on=dt.date(2025, 1, 1))
WHY = Why("test.cap", "Test cap", "Because the test says so.", "test")


def capped(
    pressure: int | None = None,
    heat: int | None = None,
    session: int | None = None,
    heat_time: int | None = None,
    effect_banned: frozenset[Technique] = frozenset(),
) -> SafetyProfile:
    from therapy.rules import Effect

    return DEFAULT.with_effect(
        WHY,
        Effect(
            max_pressure_mmhg=pressure,
            max_heat_dc=heat,
            max_session_s=session,
            max_heat_time_s=heat_time,
            banned=effect_banned,
        ),
    )


def kinds(c: CompiledProgram) -> set[ChangeKind]:
    return {x.kind for x in c.changes}


@pytest.mark.parametrize("routine", ROUTINES.values(), ids=list(ROUTINES))
def test_routines_fit_the_default_profile_unchanged(routine: Routine) -> None:
    c = compile_program(routine, 10, DEFAULT)
    assert c.changes == ()
    assert c.duration_s == routine.duration_s <= massage.DEFAULT_MAX_SESSION_S
    assert len(c.guidance) == len(c.plan.steps)
    program = thenar_program(c.plan)  # the plan fits Thenar's wire format, and round-trips
    assert Program.from_bytes(bytes(program)) == program
    assert c.limits == DEFAULT.device_limits()


@pytest.mark.parametrize("routine", ROUTINES.values(), ids=list(ROUTINES))
def test_routines_are_described_as_wellness_not_treatment(routine: Routine) -> None:
    text = routine.description.lower()
    # No cure or healing claims; "treat" only ever appears negated.
    assert not re.search(r"\b(cures?|cured|heals?|remed(y|ies)|reverses?)\b", text)
    for m in re.finditer(r"\btreats?\b", text):
        assert re.search(r"(does not|no study shows that it prevents or)\s*$", text[: m.start()])
    assert "comfort" in text or "relax" in text
    assert routine.muscles()  # something to show on the hand


def test_each_block_names_the_muscles_it_reaches() -> None:
    for t, info in TECHNIQUES.items():
        if info.compresses:
            assert BlockSpec(t, 60).muscles(), t
    for ex in Exercise:
        assert BlockSpec(Technique.STRETCHING, 60, exercise=ex).muscles() == EXERCISES[ex].muscles
    thumb = BlockSpec(Technique.TRIGGER_POINT, 30, zones=(Zone.THUMB_BASE,))
    assert thumb.muscles() == {Muscle.THENAR, Muscle.ADDUCTOR_POLLICIS}


def test_intensity_scales_pressure_monotonically() -> None:
    routine = ROUTINES["grip_recovery"]
    peaks = [
        max(max(s.pressures_mmhg) for s in compile_program(routine, i, DEFAULT).plan.steps)
        for i in range(1, 11)
    ]
    assert peaks == sorted(peaks)
    assert peaks[0] < peaks[-1]


def test_pressure_is_clamped_and_reported() -> None:
    c = compile_program(ROUTINES["grip_recovery"], 10, capped(pressure=20))
    assert max(max(s.pressures_mmhg) for s in c.plan.steps) == 20
    limited = [x for x in c.changes if x.kind is ChangeKind.PRESSURE_LIMITED]
    assert limited
    assert all(x.why == WHY for x in limited)
    # zones that were not pressed stay at zero (the clamp does not raise anything)
    for step, g in zip(c.plan.steps, c.guidance, strict=True):
        if g.technique is Technique.TRIGGER_POINT:
            assert step.pressures_mmhg.count(0) == len(step.pressures_mmhg) - 1


@pytest.mark.parametrize(
    ("heat", "kind"), [(0, ChangeKind.HEAT_OFF), (350, ChangeKind.HEAT_LOWERED)]
)
def test_heat_is_lowered_or_switched_off(heat: int, kind: ChangeKind) -> None:
    c = compile_program(ROUTINES["evening_wind_down"], 5, capped(heat=heat))
    assert max(s.heat_dc for s in c.plan.steps) == heat
    assert kind in kinds(c)


def test_session_cap_shortens_to_exactly_the_cap_and_keeps_whole_breaths() -> None:
    routine = ROUTINES["evening_wind_down"]
    c = compile_program(routine, 5, capped(session=300))
    assert c.duration_s <= 300
    assert c.duration_s > 300 - 10  # rounding does not throw time away
    assert ChangeKind.SHORTENED in kinds(c)
    for step in c.plan.steps:
        if step.pattern is Pattern.BREATH:
            assert step.duration_s % 10 == 0


def test_heat_time_cap_turns_heat_off_once_used() -> None:
    c = compile_program(ROUTINES["evening_wind_down"], 5, capped(heat_time=200))
    heated = sum(s.duration_s for s in c.plan.steps if s.heat_dc)
    assert 0 < heated <= 200
    assert ChangeKind.HEAT_TIME_LIMITED in kinds(c)


def test_banned_techniques_are_dropped_with_the_ban_reason() -> None:
    banned = frozenset({Technique.PETRISSAGE, Technique.FRICTION})
    c = compile_program(ROUTINES["typing_recovery"], 5, capped(effect_banned=banned))
    assert not {g.technique for g in c.guidance} & banned
    dropped = [x for x in c.changes if x.kind is ChangeKind.DROPPED]
    assert len(dropped) == sum(b.technique in banned for b in ROUTINES["typing_recovery"].blocks)
    assert all(x.why == WHY for x in dropped)


def test_no_compression_leaves_only_guided_movement() -> None:
    c = compile_program(ROUTINES["arthritis_morning"], 5, capped(pressure=0))
    assert {s.pattern for s in c.plan.steps} == {Pattern.REST}
    assert {g.technique for g in c.guidance} == {Technique.STRETCHING}


def test_nothing_left_is_refused_with_reasons() -> None:
    only_kneading = CustomProgram("Kneading", (BlockSpec(Technique.PETRISSAGE, 60),))
    with pytest.raises(SessionNotAllowed) as err:
        compile_program(only_kneading, 5, capped(effect_banned=frozenset({Technique.PETRISSAGE})))
    assert WHY.reason in err.value.reasons


def test_blocked_profile_is_refused_with_every_reason() -> None:
    from therapy.rules import Effect

    blocked = DEFAULT.with_effect(WHY, Effect(block=True)).with_effect(
        dataclasses.replace(WHY, rule_id="other", reason="Another reason."), Effect(block=True)
    )
    with pytest.raises(SessionNotAllowed) as err:
        compile_program(ROUTINES["evening_wind_down"], 5, blocked)
    assert len(err.value.reasons) == 2


def test_stretch_steps_carry_step_by_step_instructions() -> None:
    spec = CustomProgram(
        "Glides", (BlockSpec(Technique.STRETCHING, 61, exercise=Exercise.TENDON_GLIDES),)
    )
    c = compile_program(spec, 5, DEFAULT)
    moves = EXERCISES[Exercise.TENDON_GLIDES].moves
    assert len(c.plan.steps) == len(moves)
    assert c.duration_s == 61
    for k, (step, g) in enumerate(zip(c.plan.steps, c.guidance, strict=True)):
        assert step.pattern is Pattern.REST
        assert step.heat_dc == 0
        assert set(step.pressures_mmhg) == {0}
        assert moves[k] in g.instruction


def test_custom_program_heat_request_is_honoured_within_caps() -> None:
    spec = CustomProgram("Warm", (BlockSpec(Technique.MYOFASCIAL_RELEASE, 60, heat_c=41.5),))
    assert compile_program(spec, 5, DEFAULT).plan.steps[0].heat_dc == 415
    off = CustomProgram("Cool", (BlockSpec(Technique.EFFLEURAGE, 60, heat_c=0),))
    assert compile_program(off, 5, DEFAULT).plan.steps[0].heat_dc == 0
    hot = CustomProgram("Hot", (BlockSpec(Technique.EFFLEURAGE, 60, heat_c=45),))
    c = compile_program(hot, 5, DEFAULT)
    assert c.plan.steps[0].heat_dc == massage.DEFAULT_MAX_HEAT_DC
    assert kinds(c) == {ChangeKind.HEAT_LOWERED}


FIRM = [t for t, info in TECHNIQUES.items() if info.firm]


def test_firm_techniques_are_the_kneading_pulses_and_point_hold() -> None:
    assert set(FIRM) == {Technique.PETRISSAGE, Technique.FRICTION, Technique.TRIGGER_POINT}


def test_light_techniques_stay_in_the_light_band_at_every_intensity() -> None:
    # Intensity and caps only scale pressure down, so a light technique's peak bounds it.
    for info in TECHNIQUES.values():
        if info.compresses and not info.firm:
            assert info.peak_pressure_mmhg <= LIGHT_PRESSURE_MAX_MMHG, info.technique
        if info.firm:
            assert info.peak_pressure_mmhg > LIGHT_PRESSURE_MAX_MMHG, info.technique


def test_custom_trigger_point_with_heat_is_refused() -> None:
    """Issue 10: this used to compile to a steady 50 mmHg hold at 42 °C with no change."""
    spec = CustomProgram("mine", (BlockSpec(Technique.TRIGGER_POINT, 600, heat_c=42),))
    with pytest.raises(InvalidProgram) as err:
        compile_program(spec, 10, DEFAULT)
    (problem,) = err.value.problems
    assert problem.startswith("block 1: no heat with point hold")
    assert "burns" in problem
    assert "gliding wave" in problem  # says where warmth can go instead


@pytest.mark.parametrize("technique", FIRM)
def test_custom_firm_technique_with_heat_is_refused(technique: Technique) -> None:
    spec = CustomProgram("mine", (BlockSpec(Technique.EFFLEURAGE, 60, heat_c=41),))
    validate_program(spec)  # warmth on a light stroke is fine
    firm = CustomProgram("mine", (*spec.blocks, BlockSpec(technique, 60, heat_c=41)))
    with pytest.raises(InvalidProgram, match=r"^block 2: no heat with .*burns"):
        validate_program(firm)


@pytest.mark.parametrize("technique", FIRM)
def test_firm_technique_with_heat_off_or_default_is_fine(technique: Technique) -> None:
    for heat in (None, 0):
        spec = CustomProgram("mine", (BlockSpec(technique, 60, heat_c=heat),))
        c = compile_program(spec, 10, DEFAULT)
        assert c.changes == ()
        assert c.plan.steps[0].heat_dc == 0


def test_routine_trigger_point_with_heat_runs_without_the_heat() -> None:
    """Issue 10: the same block in a routine compiles, with the heat left out and said so."""
    routine = Routine(
        "warm_point",
        "Warm point",
        "For comfort.",
        (BlockSpec(Technique.TRIGGER_POINT, 600, heat_c=42),),
    )
    c = compile_program(routine, 10, DEFAULT)
    (step,) = c.plan.steps
    assert step.heat_dc == 0
    assert max(step.pressures_mmhg) == 50
    (change,) = c.changes
    assert change.kind is ChangeKind.HEAT_LEFT_OUT
    assert change.block_index == 0
    assert change.message == (
        "Heat left out of the point hold: warmth goes only with light strokes, "
        "because firm pressure with heat raises the risk of burns."
    )
    assert change.why == HEAT_ONLY_WHEN_LIGHT
    assert f"{LIGHT_PRESSURE_MAX_MMHG} mmHg" in change.why.source
    assert "design" in change.why.source


def test_heat_is_left_out_before_the_heat_cap_so_one_reason_is_shown() -> None:
    routine = Routine(
        "warm_knead",
        "Warm knead",
        "For comfort.",
        (BlockSpec(Technique.PETRISSAGE, 60, heat_c=45),),
    )
    c = compile_program(routine, 5, DEFAULT)
    assert [x.kind for x in c.changes] == [ChangeKind.HEAT_LEFT_OUT]


@pytest.fixture
def firm_gliding_wave(monkeypatch: pytest.MonkeyPatch) -> None:
    """A gliding wave whose full-intensity pressure is above the light band."""
    info = dataclasses.replace(TECHNIQUES[Technique.EFFLEURAGE], peak_pressure_mmhg=45)
    table = MappingProxyType({**TECHNIQUES, Technique.EFFLEURAGE: info})
    monkeypatch.setattr(techniques, "TECHNIQUES", table)


@pytest.mark.usefixtures("firm_gliding_wave")
@pytest.mark.parametrize(
    "spec",
    [
        CustomProgram("mine", (BlockSpec(Technique.EFFLEURAGE, 60, heat_c=41),)),
        Routine("warm", "Warm", "For comfort.", (BlockSpec(Technique.EFFLEURAGE, 60),)),
    ],
    ids=["custom", "routine"],
)
def test_light_technique_pressed_above_the_band_loses_its_heat(
    spec: CustomProgram | Routine,
) -> None:
    # Intensity 10: 45 mmHg, above the band, so no heat, and the change says why.
    c = compile_program(spec, 10, DEFAULT)
    assert c.plan.steps[0].heat_dc == 0
    (change,) = c.changes
    assert change.kind is ChangeKind.HEAT_LEFT_OUT
    assert "at this intensity" in change.message
    assert "45 mmHg" in change.message
    # Intensity 7: round(31.5) = 32 mmHg, in the band, so the heat stays.
    c = compile_program(spec, 7, DEFAULT)
    assert c.plan.steps[0].heat_dc > 0
    assert c.changes == ()
    # A profile cap that brings the pressure into the band keeps the heat too: what the
    # device will actually press is what counts.
    c = compile_program(spec, 10, capped(pressure=LIGHT_PRESSURE_MAX_MMHG))
    assert c.plan.steps[0].heat_dc > 0
    assert kinds(c) == {ChangeKind.PRESSURE_LIMITED}


def test_program_id_is_content_derived_unless_given() -> None:
    a = compile_program(ROUTINES["grip_recovery"], 5, DEFAULT)
    b = compile_program(ROUTINES["grip_recovery"], 6, DEFAULT)
    assert (
        a.plan.plan_id
        == compile_program(ROUTINES["grip_recovery"], 5, DEFAULT).plan.plan_id
    )
    assert a.plan.plan_id != b.plan.plan_id
    assert (
        compile_program(ROUTINES["grip_recovery"], 5, DEFAULT, program_id=7).plan.plan_id == 7
    )


T = Technique
BAD_BLOCKS = [
    (BlockSpec(T.EFFLEURAGE, 0), "duration"),
    (BlockSpec(T.EFFLEURAGE, 60.5), "duration"),  # type: ignore[arg-type]
    (BlockSpec(T.EFFLEURAGE, 4000), "duration"),
    (BlockSpec(T.BREATH_PACED, 65), "whole 10-second breaths"),
    (BlockSpec(T.FRICTION, 60, zones=(Zone.PALM, Zone.WRIST)), "exactly one zone"),
    (BlockSpec(T.TRIGGER_POINT, 60, zones=()), "exactly one zone"),
    (BlockSpec(T.PETRISSAGE, 60, zones=(Zone.PALM,)), "two or more zones"),
    (BlockSpec(T.EFFLEURAGE, 60, zones=(Zone.PALM, Zone.PALM)), "twice"),
    (BlockSpec(T.EFFLEURAGE, 60, zones=(Zone(9),)), "unknown zone"),
    (BlockSpec(T.STRETCHING, 60), "needs an exercise"),
    (BlockSpec(T.STRETCHING, 60, zones=(Zone.PALM,), exercise=Exercise.FINGER_SPREADS), "no zones"),
    (BlockSpec(T.STRETCHING, 5, exercise=Exercise.TENDON_GLIDES), "moves need at least"),
    (BlockSpec(T.STRETCHING, 60, exercise=Exercise.FINGER_SPREADS, heat_c=40), "no heat while"),
    (BlockSpec(T.EFFLEURAGE, 60, exercise=Exercise.FINGER_SPREADS), "only guided movement"),
    (BlockSpec(T.EFFLEURAGE, 60, heat_c=50), "heat must be"),
    (BlockSpec(T.EFFLEURAGE, 60, heat_c=20), "heat must be"),
    (BlockSpec(T.EFFLEURAGE, 60, heat_c=float("nan")), "heat must be"),
    (BlockSpec("massage", 60), "unknown technique"),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(("block", "message"), BAD_BLOCKS, ids=[m for _, m in BAD_BLOCKS])
def test_nonsense_blocks_are_rejected_with_a_clear_error(block: BlockSpec, message: str) -> None:
    with pytest.raises(InvalidProgram, match=message) as err:
        validate_program(CustomProgram("Mine", (block,)))
    assert err.value.problems[0].startswith("block 1:")


def test_every_problem_is_reported_at_once() -> None:
    spec = CustomProgram("", (BlockSpec(T.EFFLEURAGE, 0), BlockSpec(T.FRICTION, 60, zones=())))
    with pytest.raises(InvalidProgram) as err:
        validate_program(spec)
    assert len(err.value.problems) == 3


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (CustomProgram("Empty", ()), "no blocks"),
        (
            CustomProgram("Long", (BlockSpec(T.EFFLEURAGE, 1000), BlockSpec(T.EFFLEURAGE, 1000))),
            "device stops",
        ),
        (
            CustomProgram(
                "Many",
                tuple(
                    BlockSpec(T.STRETCHING, 30, exercise=Exercise.TENDON_GLIDES) for _ in range(11)
                ),
            ),
            f"holds {MAX_PLAN_STEPS}",
        ),
    ],
)
def test_whole_program_limits(spec: CustomProgram, message: str) -> None:
    with pytest.raises(InvalidProgram, match=message):
        compile_program(spec, 5, DEFAULT)


@pytest.mark.parametrize("intensity", [0, 11, -3, True, 5.0])
def test_intensity_outside_1_to_10_is_rejected(intensity: object) -> None:
    with pytest.raises(InvalidProgram, match="intensity"):
        compile_program(ROUTINES["grip_recovery"], intensity, DEFAULT)  # type: ignore[arg-type]


def test_profile_cap_fields_are_the_defaults_named() -> None:
    assert DEFAULT.max_pressure == Cap(massage.DEFAULT_MAX_PRESSURE_MMHG, DEFAULT.max_pressure.why)
