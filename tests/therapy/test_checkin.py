"""The daily check-in adjusts that day's profile, and only ever makes it stricter."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import massage
from therapy import defaults as d
from therapy.checkin import CheckIn, apply_checkin
from therapy.errors import ScreeningError
from therapy.profile import SafetyProfile, Screening, Verdict, evaluate_screening
from therapy.questionnaire import SCREENING_QUESTIONS
from therapy.rules import CHECKIN_RULES
from therapy.techniques import TECHNIQUES, Technique

DAY = dt.date(2025, 6, 2)
CLEAR = {q.question_id: q.options[0].option_id for q in SCREENING_QUESTIONS}
CLEAR["report_discomfort"] = "yes"
GENTLE = {t for t, info in TECHNIQUES.items() if info.gentle}


def screened(**changes: str) -> SafetyProfile:
    return evaluate_screening(Screening({**CLEAR, **changes}, DAY), today=DAY)


@pytest.mark.parametrize(
    ("checkin", "verdict", "heat_off", "max_pressure", "gentle_only", "postpone"),
    [
        (CheckIn(DAY), Verdict.ALLOWED, False, massage.DEFAULT_MAX_PRESSURE_MMHG, False, False),
        (CheckIn(DAY, flare=True), Verdict.ALLOWED, True, d.FLARE_MAX_PRESSURE_MMHG, True, True),
        (
            CheckIn(DAY, new_injury=True),
            Verdict.BLOCKED,
            False,
            massage.DEFAULT_MAX_PRESSURE_MMHG,
            False,
            False,
        ),
        (
            CheckIn(DAY, broken_skin=True),
            Verdict.BLOCKED,
            False,
            massage.DEFAULT_MAX_PRESSURE_MMHG,
            False,
            False,
        ),
        (
            CheckIn(DAY, tingling=True),
            Verdict.ALLOWED,
            True,
            d.REDUCED_SENSATION_MAX_PRESSURE_MMHG,
            False,
            False,
        ),
        (
            CheckIn(DAY, discomfort=d.POSTPONE_DISCOMFORT_AT - 1),
            Verdict.ALLOWED,
            False,
            massage.DEFAULT_MAX_PRESSURE_MMHG,
            False,
            False,
        ),
        (
            CheckIn(DAY, discomfort=d.POSTPONE_DISCOMFORT_AT),
            Verdict.ALLOWED,
            False,
            massage.DEFAULT_MAX_PRESSURE_MMHG,
            False,
            True,
        ),
        (
            CheckIn(DAY, discomfort=10),
            Verdict.ALLOWED,
            False,
            massage.DEFAULT_MAX_PRESSURE_MMHG,
            False,
            True,
        ),
        (
            CheckIn(DAY, flare=True, tingling=True),
            Verdict.ALLOWED,
            True,
            min(d.FLARE_MAX_PRESSURE_MMHG, d.REDUCED_SENSATION_MAX_PRESSURE_MMHG),
            True,
            True,
        ),
        (
            CheckIn(DAY, flare=True, broken_skin=True, new_injury=True),
            Verdict.BLOCKED,
            True,
            d.FLARE_MAX_PRESSURE_MMHG,
            True,
            True,
        ),
    ],
)
def test_checkin_table(
    checkin: CheckIn,
    verdict: Verdict,
    heat_off: bool,
    max_pressure: int,
    gentle_only: bool,
    postpone: bool,
) -> None:
    day = apply_checkin(screened(), checkin)
    assert day.day == DAY
    assert day.verdict is verdict
    assert day.heat_off is heat_off
    assert day.max_pressure.value == max_pressure
    allowed = {t for t in Technique if day.allows(t)}
    assert (allowed <= GENTLE) is gentle_only
    assert bool(day.postpone) is postpone
    if verdict is Verdict.BLOCKED:
        assert len(day.blocks) == checkin.new_injury + checkin.broken_skin
        assert all(b.why.reason for b in day.blocks)


def test_flare_reason_is_carried_on_each_cap_it_sets() -> None:
    day = apply_checkin(screened(), CheckIn(DAY, flare=True))
    assert day.max_heat.why.rule_id == "checkin.flare"
    assert day.max_pressure.why.rule_id == "checkin.flare"
    assert {b.why.rule_id for b in day.banned} == {"checkin.flare"}


def test_stricter_screening_cap_survives_a_milder_checkin() -> None:
    # Cleared past DVT gives 30 mmHg and 10 minutes; tingling (40) must not raise it.
    from therapy.profile import Clearance

    base = evaluate_screening(
        Screening({**CLEAR, "clot": "past"}, DAY),
        [Clearance("clot.past", DAY, "Dr Ruiz")],
        today=DAY,
    )
    day = apply_checkin(base, CheckIn(DAY, tingling=True))
    assert day.max_pressure == base.max_pressure
    assert day.max_session == base.max_session
    assert day.heat_off
    assert day.max_heat.why.rule_id == "checkin.tingling"


def test_helper_lifts_only_the_unsupervised_block() -> None:
    base = screened(report_discomfort="no", skin="yes")
    assert {b.why.rule_id for b in base.blocks} == {"report_discomfort", "skin"}
    alone = apply_checkin(base, CheckIn(DAY))
    helped = apply_checkin(base, CheckIn(DAY, helper_present=True))
    assert {b.why.rule_id for b in alone.blocks} == {"report_discomfort", "skin"}
    assert {b.why.rule_id for b in helped.blocks} == {"skin"}
    assert helped.heat_off  # heat stays off even with a helper
    assert (
        apply_checkin(screened(report_discomfort="no"), CheckIn(DAY, helper_present=True)).verdict
        is Verdict.ALLOWED
    )


@pytest.mark.parametrize("bad", [-1, 11, True, 3.5])
def test_discomfort_must_be_0_to_10(bad: object) -> None:
    with pytest.raises(ScreeningError, match="discomfort"):
        apply_checkin(screened(), CheckIn(DAY, discomfort=bad))  # type: ignore[arg-type]


def test_a_day_profile_cannot_be_checked_in_twice() -> None:
    day = apply_checkin(screened(), CheckIn(DAY))
    with pytest.raises(ScreeningError, match="already"):
        apply_checkin(day, CheckIn(DAY))


checkins = st.builds(
    CheckIn,
    day=st.just(DAY),
    flare=st.booleans(),
    new_injury=st.booleans(),
    broken_skin=st.booleans(),
    tingling=st.booleans(),
    discomfort=st.integers(0, 10),
    helper_present=st.just(False),
)
screenings = st.fixed_dictionaries(
    {
        q.question_id: st.sampled_from([o.option_id for o in q.options])
        for q in SCREENING_QUESTIONS
        if not q.multiple
    }
).map(lambda a: {**CLEAR, **a})


@settings(max_examples=150, deadline=None)
@given(screenings, checkins)
def test_checkin_never_loosens_anything(answers: dict[str, str], checkin: CheckIn) -> None:
    base = evaluate_screening(Screening(answers, DAY), today=DAY)
    day = apply_checkin(base, checkin)
    for name in ("max_pressure", "max_heat", "max_session", "max_heat_time"):
        assert getattr(day, name).value <= getattr(base, name).value
    assert day.banned_techniques >= base.banned_techniques
    assert set(day.blocks) >= set(base.blocks)
    assert day.pending_clearances == base.pending_clearances
    rank = [Verdict.ALLOWED, Verdict.NEEDS_CLEARANCE, Verdict.BLOCKED]
    assert rank.index(day.verdict) >= rank.index(base.verdict)
    expected_rules = {
        r.rule_id for r in CHECKIN_RULES.rules if r.when & {checkin.answers()[r.question_id]}
    }
    assert {w.rule_id for w in day.applied} - {w.rule_id for w in base.applied} == expected_rules


def test_dataclass_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        CheckIn(DAY).flare = True  # type: ignore[misc]
