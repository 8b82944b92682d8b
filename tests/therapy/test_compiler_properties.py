"""Property tests: no compiled program exceeds its profile's caps, for any profile,
program and intensity; heat never goes with firm pressure; every routine compiles for
every profile that allows a session."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ble.protocol import Program
from drivers.thenar_program import thenar_program
from massage import (
    ABSOLUTE_AUTO_OFF_S,
    HARD_MAX_HEAT_DC,
    HARD_MAX_PRESSURE_MMHG,
    MAX_PLAN_STEPS,
    Pattern,
    Zone,
    c_to_dc,
)
from therapy.checkin import CheckIn, apply_checkin
from therapy.compiler import ChangeKind, CompiledProgram, CustomProgram, compile_program
from therapy.errors import InvalidProgram, SessionNotAllowed
from therapy.profile import Clearance, SafetyProfile, Screening, Verdict, Why, evaluate_screening
from therapy.questionnaire import SCREENING_QUESTIONS
from therapy.routines import ROUTINES, Routine
from therapy.rules import SCREENING_RULES, Effect
from therapy.techniques import (
    BREATH_CYCLE_S,
    LIGHT_PRESSURE_MAX_MMHG,
    TECHNIQUES,
    BlockSpec,
    Exercise,
    Technique,
    ZoneRule,
)

DAY = dt.date(2025, 6, 2)
intensities = st.integers(1, 10)


def _answer(question_index: int) -> st.SearchStrategy[str | frozenset[str]]:
    q = SCREENING_QUESTIONS[question_index]
    safe = "yes" if q.question_id == "report_discomfort" else q.options[0].option_id
    if q.multiple:
        others = sorted(q.option_ids - q.exclusive)
        return st.one_of(
            st.just(frozenset({safe})), st.frozensets(st.sampled_from(others), min_size=1)
        )
    # Lean toward the answer that triggers nothing, so many profiles allow a session.
    options = [o.option_id for o in q.options]
    return st.sampled_from([safe] * 4 + options)


screened_profiles = st.builds(
    lambda answers, cleared: evaluate_screening(
        Screening(answers, DAY),
        [Clearance(item, DAY, "Dr Nkemelu") for item in cleared],
        today=DAY,
    ),
    st.fixed_dictionaries({q.question_id: _answer(i) for i, q in enumerate(SCREENING_QUESTIONS)}),
    st.frozensets(st.sampled_from(sorted(SCREENING_RULES.clearable))),
)

checkins = st.builds(
    CheckIn,
    day=st.just(DAY),
    flare=st.booleans(),
    new_injury=st.sampled_from([False, False, False, True]),
    broken_skin=st.sampled_from([False, False, False, True]),
    tingling=st.booleans(),
    discomfort=st.integers(0, 10),
    helper_present=st.booleans(),
)

real_profiles = st.one_of(
    screened_profiles,
    st.builds(apply_checkin, screened_profiles, checkins),
)


def _not_hard_blocking(question_index: int) -> st.SearchStrategy[str | frozenset[str]]:
    """Any answer whose rules can all be cleared by a clinician or lifted by a helper."""
    q = SCREENING_QUESTIONS[question_index]
    ok = sorted(
        o
        for o in q.option_ids
        if all(
            r.clearance or r.lifted_by_helper or not r.effect.block
            for r in SCREENING_RULES.rules_for(q.question_id)
            if o in r.when
        )
    )
    if q.multiple:
        return st.frozensets(st.sampled_from(sorted(set(ok) - q.exclusive)), min_size=1)
    return st.sampled_from(ok)


# Profiles that allow a session, reached through real answers: everything clearable is
# cleared, a helper is present, and the check-in reports no new injury or broken skin.
allowed_profiles = st.builds(
    lambda answers, checkin: apply_checkin(
        evaluate_screening(
            Screening(answers, DAY),
            [Clearance(item, DAY, "Dr Nkemelu") for item in SCREENING_RULES.clearable],
            today=DAY,
        ),
        checkin,
    ),
    st.fixed_dictionaries(
        {q.question_id: _not_hard_blocking(i) for i, q in enumerate(SCREENING_QUESTIONS)}
    ),
    st.builds(
        CheckIn,
        day=st.just(DAY),
        flare=st.booleans(),
        tingling=st.booleans(),
        discomfort=st.integers(0, 10),
        helper_present=st.just(True),
    ),
)

WHY = Why("prop", "Property cap", "Arbitrary cap for a property test.", "test")

# Profiles nobody's answers produce: any caps at all, to test the compiler, not the rules.
arbitrary_profiles = st.builds(
    lambda p, h, s, ht, banned: SafetyProfile("prop", DAY).with_effect(
        WHY,
        Effect(
            max_pressure_mmhg=p,
            max_heat_dc=h,
            max_session_s=s,
            max_heat_time_s=ht,
            banned=banned,
        ),
    ),
    st.integers(0, HARD_MAX_PRESSURE_MMHG),
    st.integers(0, HARD_MAX_HEAT_DC),
    st.integers(1, ABSOLUTE_AUTO_OFF_S),
    st.integers(0, ABSOLUTE_AUTO_OFF_S),
    st.frozensets(st.sampled_from(list(Technique))),
)

profiles = st.one_of(real_profiles, allowed_profiles, arbitrary_profiles)


@st.composite
def blocks(draw: st.DrawFn) -> BlockSpec:
    technique = draw(st.sampled_from(list(Technique)))
    info = TECHNIQUES[technique]
    zones = [Zone(i) for i in range(6)]
    if info.zone_rule is ZoneRule.ONE:
        chosen: tuple[Zone, ...] | None = (draw(st.sampled_from(zones)),)
    elif info.zone_rule is ZoneRule.NONE:
        chosen = None
    else:
        low = 2 if info.zone_rule is ZoneRule.NEIGHBOURS else 1
        chosen = tuple(
            draw(st.lists(st.sampled_from(zones), min_size=low, max_size=6, unique=True))
        )
    if technique is Technique.STRETCHING:
        return BlockSpec(
            technique, draw(st.integers(30, 180)), exercise=draw(st.sampled_from(list(Exercise)))
        )
    if technique is Technique.BREATH_PACED:
        duration = draw(st.integers(1, 30)) * BREATH_CYCLE_S
    else:
        duration = draw(st.integers(1, 400))
    heat = draw(
        st.one_of(st.none(), st.just(0.0), st.floats(30.0, 45.0).map(lambda c: round(c, 1)))
    )
    return BlockSpec(technique, duration, zones=chosen, heat_c=heat)


custom_programs = st.builds(
    lambda bs: CustomProgram("Mine", tuple(bs)), st.lists(blocks(), min_size=1, max_size=8)
)
# Routines made of any blocks: unlike a custom program, a routine asking for heat on a firm
# technique is not refused; it compiles with the heat left out.
block_routines = st.builds(
    lambda bs: Routine("prop", "Prop", "Property test routine.", tuple(bs)),
    st.lists(blocks(), min_size=1, max_size=8),
)
programs: st.SearchStrategy[Routine | CustomProgram] = st.one_of(
    st.sampled_from(list(ROUTINES.values())), custom_programs, block_routines
)


def assert_within_caps(c: CompiledProgram, profile: SafetyProfile) -> None:
    steps = c.plan.steps
    assert 1 <= len(steps) <= MAX_PLAN_STEPS
    assert len(c.guidance) == len(steps)
    program = thenar_program(c.plan)  # the plan fits Thenar's wire format, and round-trips
    assert Program.from_bytes(bytes(program)) == program
    assert c.limits == profile.device_limits()
    for step, g in zip(steps, c.guidance, strict=True):
        assert max(step.pressures_mmhg) <= min(profile.max_pressure.value, HARD_MAX_PRESSURE_MMHG)
        assert step.heat_dc <= min(profile.max_heat.value, HARD_MAX_HEAT_DC)
        assert profile.allows(g.technique)
        if step.pattern is Pattern.REST:
            assert set(step.pressures_mmhg) == {0}
            assert step.heat_dc == 0
        if step.pattern is Pattern.BREATH:
            assert step.duration_s % BREATH_CYCLE_S == 0
        if step.heat_dc:  # heat only with light pressure
            assert not TECHNIQUES[g.technique].firm
            assert max(step.pressures_mmhg) <= LIGHT_PRESSURE_MAX_MMHG
    assert c.duration_s <= min(profile.max_session.value, ABSOLUTE_AUTO_OFF_S)
    heated = sum(s.duration_s for s in steps if s.heat_dc)
    assert heated <= profile.max_heat_time.value
    if profile.max_pressure.value == 0:
        assert all(s.pattern is Pattern.REST for s in steps)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs, intensities, profiles)
def test_no_compiled_program_exceeds_its_caps(
    spec: Routine | CustomProgram, intensity: int, profile: SafetyProfile
) -> None:
    refusal: SessionNotAllowed | InvalidProgram | None = None
    try:
        c = compile_program(spec, intensity, profile)
    except (SessionNotAllowed, InvalidProgram) as exc:
        refusal = exc
    if isinstance(refusal, SessionNotAllowed):
        assert refusal.reasons
        return
    if isinstance(refusal, InvalidProgram):
        assert spec not in ROUTINES.values()  # the built-in routines are always valid
        assert refusal.problems
        return
    assert profile.verdict is Verdict.ALLOWED
    assert_within_caps(c, profile)
    # Anything changed from the request is explained with a reason and a source.
    for change in c.changes:
        assert change.message
        assert change.why.reason
        assert change.why.source


def _requested_heat_dc(block: BlockSpec) -> int:
    return block.info.default_heat_dc if block.heat_c is None else c_to_dc(block.heat_c)


def _asks_heat_on_firm(block: BlockSpec) -> bool:
    return block.info.firm and _requested_heat_dc(block) > 0


HEAT_REMOVED = {ChangeKind.HEAT_OFF, ChangeKind.HEAT_LEFT_OUT}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(blocks(), min_size=1, max_size=8), intensities, profiles, st.booleans())
def test_heat_never_goes_with_firm_pressure_and_every_removal_is_explained(
    bs: list[BlockSpec], intensity: int, profile: SafetyProfile, as_routine: bool
) -> None:
    spec: Routine | CustomProgram = (
        Routine("prop", "Prop", "Property test routine.", tuple(bs))
        if as_routine
        else CustomProgram("Mine", tuple(bs))
    )
    try:
        c = compile_program(spec, intensity, profile)
    except SessionNotAllowed:
        return
    except InvalidProgram as err:
        refused_heat = {
            p.split(":")[0] for p in err.problems if "no heat with" in p and "burns" in p
        }
        # A person's program asking for heat on a firm technique is refused, naming each
        # such block; a routine never is (its heat is left out instead).
        expected = (
            set()
            if as_routine
            else {f"block {i + 1}" for i, b in enumerate(bs) if _asks_heat_on_firm(b)}
        )
        assert refused_heat == expected
        return
    if not as_routine:
        assert not any(_asks_heat_on_firm(b) for b in bs)

    for step, g in zip(c.plan.steps, c.guidance, strict=True):
        if step.heat_dc:
            assert not TECHNIQUES[g.technique].firm
            assert max(step.pressures_mmhg) <= LIGHT_PRESSURE_MAX_MMHG

    for i, block in enumerate(bs):
        steps = [s for s, g in zip(c.plan.steps, c.guidance, strict=True) if g.block_index == i]
        if not steps or not block.info.compresses:
            continue  # left out, shortened away, or guided movement (never warm)
        left_out = [
            x for x in c.changes if x.kind is ChangeKind.HEAT_LEFT_OUT and x.block_index == i
        ]
        # Left out exactly when heat was asked for and the pressure is not light.
        should = _requested_heat_dc(block) > 0 and (
            block.info.firm or max(max(s.pressures_mmhg) for s in steps) > LIGHT_PRESSURE_MAX_MMHG
        )
        assert bool(left_out) == should
        for x in left_out:
            assert "burns" in x.message
            assert x.why.reason
            assert x.why.source
        # Any heat asked for and not delivered is explained by a recorded change.
        if _requested_heat_dc(block) and not any(s.heat_dc for s in steps):
            assert any(
                (x.kind in HEAT_REMOVED and x.block_index == i)
                or (
                    x.kind is ChangeKind.HEAT_TIME_LIMITED
                    and x.block_index is not None
                    and x.block_index <= i
                )
                for x in c.changes
            )


@settings(max_examples=200, deadline=None)
@given(st.one_of(allowed_profiles, real_profiles), intensities)
def test_every_routine_compiles_for_every_profile_that_allows_it(
    profile: SafetyProfile, intensity: int
) -> None:
    assume(profile.verdict is Verdict.ALLOWED)
    for routine in ROUTINES.values():
        c = compile_program(routine, intensity, profile)
        assert_within_caps(c, profile)


@settings(max_examples=100, deadline=None)
@given(real_profiles)
def test_a_profile_that_does_not_allow_a_session_never_compiles(profile: SafetyProfile) -> None:
    assume(profile.verdict is not Verdict.ALLOWED)
    for routine in ROUTINES.values():
        with pytest.raises(SessionNotAllowed) as err:
            compile_program(routine, 5, profile)
        assert set(err.value.reasons) == set(profile.reasons_not_allowed())


@settings(max_examples=50, deadline=None)
@given(allowed_profiles)
def test_allowed_profiles_strategy_reaches_allowed_profiles(profile: SafetyProfile) -> None:
    assert profile.verdict is Verdict.ALLOWED
