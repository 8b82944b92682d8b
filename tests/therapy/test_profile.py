"""Screening answers and clearances -> SafetyProfile: every rule, combinations, clearances."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping

import pytest

import massage
from therapy import defaults as d
from therapy.errors import ScreeningError
from therapy.profile import (
    Clearance,
    SafetyProfile,
    Screening,
    Verdict,
    evaluate_screening,
    rescreen_reason,
)
from therapy.questionnaire import SCREENING_QUESTIONS
from therapy.rules import SCREENING_RULES, Effect, RuleSet
from therapy.techniques import Technique

TODAY = dt.date(2025, 6, 1)
SCREENED = dt.date(2025, 5, 1)

# The answer that triggers nothing, per question (the first option, except one question
# where "yes, I can notice discomfort" is the safe answer).
CLEAR_ANSWERS: dict[str, str] = {q.question_id: q.options[0].option_id for q in SCREENING_QUESTIONS}
CLEAR_ANSWERS["report_discomfort"] = "yes"


def profile(
    changes: Mapping[str, str | frozenset[str]] | None = None,
    cleared: tuple[str, ...] = (),
    *,
    today: dt.date = TODAY,
    screened: dt.date = SCREENED,
    version: str = SCREENING_RULES.version,
) -> SafetyProfile:
    answers: dict[str, str | frozenset[str]] = {**CLEAR_ANSWERS, **(changes or {})}
    clearances = [Clearance(item, screened, "Dr Okafor, GP") for item in cleared]
    return evaluate_screening(Screening(answers, screened, version), clearances, today=today)


def test_all_clear_answers_give_the_default_caps() -> None:
    p = profile()
    assert p.verdict is Verdict.ALLOWED
    assert p.blocks == ()
    assert p.pending_clearances == ()
    assert p.banned == ()
    assert p.max_pressure.value == massage.DEFAULT_MAX_PRESSURE_MMHG
    assert p.max_heat.value == massage.DEFAULT_MAX_HEAT_DC
    assert p.max_heat_c == massage.DEFAULT_MAX_HEAT_DC / 10
    assert p.max_session.value == massage.DEFAULT_MAX_SESSION_S
    assert p.max_heat_time.value == massage.DEFAULT_MAX_HEAT_TIME_S
    for cap in (p.max_pressure, p.max_heat, p.max_session, p.max_heat_time):
        assert "design" in cap.why.source
    assert p.rescreen_due is None


def _trigger(rule_id: str) -> dict[str, str | frozenset[str]]:
    rule = SCREENING_RULES.by_rule_id[rule_id]
    question = next(q for q in SCREENING_QUESTIONS if q.question_id == rule.question_id)
    option = sorted(rule.when)[0]
    return {rule.question_id: frozenset({option}) if question.multiple else option}


def _expected_caps(effect: Effect) -> tuple[int, int, int, frozenset[Technique]]:
    """The profile caps a single effect should produce on top of the defaults."""

    def low(value: int | None, default: int) -> int:
        return default if value is None else min(value, default)

    return (
        low(effect.max_pressure_mmhg, massage.DEFAULT_MAX_PRESSURE_MMHG),
        low(effect.max_heat_dc, massage.DEFAULT_MAX_HEAT_DC),
        low(effect.max_session_s, massage.DEFAULT_MAX_SESSION_S),
        effect.banned,
    )


def _caps(p: SafetyProfile) -> tuple[int, int, int, frozenset[Technique]]:
    return p.max_pressure.value, p.max_heat.value, p.max_session.value, p.banned_techniques


RULE_IDS = sorted(SCREENING_RULES.by_rule_id)


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_each_rule_alone_before_clearance(rule_id: str) -> None:
    rule = SCREENING_RULES.by_rule_id[rule_id]
    p = profile(_trigger(rule_id))
    # Rules sharing a question and answer fire together (circulation has two).
    fired = [r for r in SCREENING_RULES.rules if r.rule_id in {w.rule_id for w in p.applied}]
    assert rule in fired
    for r in fired:
        if r.clearance:
            assert r.rule_id in {c.item for c in p.pending_clearances}
        elif r.effect.block:
            assert r.rule_id in {b.why.rule_id for b in p.blocks}
    effects = [r.until_cleared if r.clearance else r.effect for r in fired]
    if any(e.block and not r.clearance for e, r in zip(effects, fired, strict=True)):
        assert p.verdict is Verdict.BLOCKED
    elif any(e.block for e in effects):
        assert p.verdict is Verdict.NEEDS_CLEARANCE
        assert p.reasons_not_allowed()
    else:
        assert p.verdict is Verdict.ALLOWED
        assert p.reasons_not_allowed() == ()
    if len(fired) == 1:
        assert _caps(p) == _expected_caps(effects[0])


CLEARABLE = sorted(SCREENING_RULES.clearable)


@pytest.mark.parametrize("rule_id", CLEARABLE)
def test_each_clearance_turns_the_item_into_its_cleared_caps(rule_id: str) -> None:
    rule = SCREENING_RULES.by_rule_id[rule_id]
    others = [r for r in SCREENING_RULES.rules_for(rule.question_id) if r.when & rule.when]
    p = profile(_trigger(rule_id), cleared=tuple(r.rule_id for r in others if r.clearance))
    assert p.pending_clearances == ()
    if len(others) == 1:
        assert p.verdict is Verdict.ALLOWED
        assert _caps(p) == _expected_caps(rule.effect)
    # Every cap that differs from the default names the rule that set it.
    for cap, default in (
        (p.max_pressure, massage.DEFAULT_MAX_PRESSURE_MMHG),
        (p.max_heat, massage.DEFAULT_MAX_HEAT_DC),
        (p.max_session, massage.DEFAULT_MAX_SESSION_S),
    ):
        if cap.value != default:
            assert cap.why.rule_id in {r.rule_id for r in others}


@pytest.mark.parametrize("rule_id", sorted(set(RULE_IDS) - set(CLEARABLE)))
def test_a_clearance_cannot_lift_a_hard_block(rule_id: str) -> None:
    with pytest.raises(ScreeningError, match="not an item a clinician can clear"):
        profile(_trigger(rule_id), cleared=(rule_id,))


PAIRS = [
    (a, b)
    for a, b in itertools.combinations(RULE_IDS, 2)
    # rules on the same question cannot both be answered
    if SCREENING_RULES.by_rule_id[a].question_id != SCREENING_RULES.by_rule_id[b].question_id
]


@pytest.mark.parametrize(("first", "second"), PAIRS)
def test_most_restrictive_wins_for_every_pair(first: str, second: str) -> None:
    """Two rules together: each cap is the lower of the two alone, bans and blocks unite."""
    a, b = _trigger(first), _trigger(second)
    cleared = tuple(CLEARABLE)  # clear everything so caps, not pending blocks, are compared
    pa, pb, both = profile(a, cleared), profile(b, cleared), profile({**a, **b}, cleared)
    assert both.max_pressure.value == min(pa.max_pressure.value, pb.max_pressure.value)
    assert both.max_heat.value == min(pa.max_heat.value, pb.max_heat.value)
    assert both.max_session.value == min(pa.max_session.value, pb.max_session.value)
    assert both.banned_techniques == pa.banned_techniques | pb.banned_techniques
    assert {x.why for x in both.blocks} == {x.why for x in pa.blocks} | {x.why for x in pb.blocks}
    # The winner's reason is carried, not just its number.
    for name in ("max_pressure", "max_heat", "max_session"):
        cap = getattr(both, name)
        assert cap in (getattr(pa, name), getattr(pb, name))


def test_blocked_lists_every_reason() -> None:
    p = profile({"skin": "yes", "fever": "yes", "heart": "yes", "osteoporosis": "yes"})
    assert p.verdict is Verdict.BLOCKED
    assert {b.why.rule_id for b in p.blocks} == {"skin", "fever", "heart"}
    assert [c.item for c in p.pending_clearances] == ["osteoporosis"]
    assert len(p.reasons_not_allowed()) == 4


def test_lower_cap_wins_whatever_the_order_of_rules() -> None:
    # Mild reduced sensation (40) and cleared blood thinners (30): 30 wins with its reason,
    # also when the rule table is read in reverse.
    answers = {"sensation": "mild", "blood_thinners": "yes"}
    forward = profile(answers, ("blood_thinners",))
    rules = SCREENING_RULES
    reversed_rules = RuleSet(rules.version, rules.questions[::-1], rules.rules[::-1])
    backward = evaluate_screening(
        Screening({**CLEAR_ANSWERS, **answers}, SCREENED),
        [Clearance("blood_thinners", SCREENED, "Dr Okafor")],
        today=TODAY,
        rules=reversed_rules,
    )
    for p in (forward, backward):
        assert p.max_pressure.value == d.CLEARED_FRAGILE_MAX_PRESSURE_MMHG
        assert p.max_pressure.why.rule_id == "blood_thinners"
        assert p.heat_off
        assert p.max_heat.why.rule_id == "sensation.mild"


def test_circulation_allows_no_compression_and_heat_only_after_clearance() -> None:
    before = profile({"circulation": "yes"})
    assert before.verdict is Verdict.ALLOWED  # guided movement still possible
    assert before.max_pressure.value == 0
    assert before.heat_off
    pending = before.pending_clearances
    assert [(c.item, c.blocks_session) for c in pending] == [("circulation.heat", False)]
    after = profile({"circulation": "yes"}, ("circulation.heat",))
    assert after.max_pressure.value == 0
    assert after.max_heat.value == massage.DEFAULT_MAX_HEAT_DC


def test_severe_reduced_sensation_keeps_heat_off_even_when_cleared() -> None:
    before = profile({"sensation": "severe"})
    after = profile({"sensation": "severe"}, ("sensation.severe",))
    assert before.verdict is Verdict.NEEDS_CLEARANCE
    assert before.heat_off
    assert after.verdict is Verdict.ALLOWED
    assert after.heat_off
    assert after.max_pressure.value == d.REDUCED_SENSATION_MAX_PRESSURE_MMHG


def test_multiple_choice_precautions_each_need_their_own_clearance() -> None:
    both = frozenset({"pregnant", "pacemaker"})
    p = profile({"precautions": both}, ("precautions.pregnant",))
    assert [c.item for c in p.pending_clearances] == ["precautions.pacemaker"]
    assert (
        profile({"precautions": both}, ("precautions.pregnant", "precautions.pacemaker")).verdict
        is Verdict.ALLOWED
    )


def test_a_clearance_for_an_item_not_triggered_changes_nothing() -> None:
    assert profile(cleared=("osteoporosis",)).max_pressure == profile().max_pressure


def test_unanswered_questions_block_until_answered() -> None:
    answers = dict(CLEAR_ANSWERS)
    del answers["heart"], answers["skin"]
    p = evaluate_screening(Screening(answers, SCREENED), today=TODAY)
    assert p.verdict is Verdict.BLOCKED
    assert {b.why.rule_id for b in p.blocks} == {"unanswered.heart", "unanswered.skin"}


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"no_such_question": "yes"}, "unknown question"),
        ({"heart": "maybe"}, "no option"),
        ({"heart": frozenset({"yes", "no"})}, "exactly one"),
        ({"precautions": frozenset({"none", "pregnant"})}, "stands alone"),
    ],
)
def test_malformed_answers_raise(answers: dict[str, str | frozenset[str]], message: str) -> None:
    with pytest.raises(ScreeningError, match=message):
        profile(answers)


@pytest.mark.parametrize(
    ("clearance", "message"),
    [
        (Clearance("osteoporosis", TODAY, "   "), "clinician's name"),
        (Clearance("osteoporosis", TODAY + dt.timedelta(days=1), "Dr A"), "future"),
        (Clearance("nonsense", TODAY, "Dr A"), "not an item"),
    ],
)
def test_bad_clearance_records_raise(clearance: Clearance, message: str) -> None:
    with pytest.raises(ScreeningError, match=message):
        evaluate_screening(Screening(CLEAR_ANSWERS, SCREENED), [clearance], today=TODAY)


@pytest.mark.parametrize(
    ("screened", "today", "version", "due"),
    [
        (dt.date(2025, 1, 31), dt.date(2025, 7, 30), SCREENING_RULES.version, False),
        (dt.date(2025, 1, 31), dt.date(2025, 7, 31), SCREENING_RULES.version, True),
        (dt.date(2024, 8, 31), dt.date(2025, 2, 28), SCREENING_RULES.version, True),
        (dt.date(2024, 8, 31), dt.date(2025, 2, 27), SCREENING_RULES.version, False),
        (TODAY, TODAY, "0.old", True),
    ],
)
def test_rescreening_due_after_six_months_or_new_rules(
    screened: dt.date, today: dt.date, version: str, due: bool
) -> None:
    reason = rescreen_reason(screened, version, today, SCREENING_RULES.version)
    assert (reason is not None) is due
    p = profile(today=today, screened=screened, version=version)
    assert (p.rescreen_due is not None) is due


def test_device_limits_carry_the_caps() -> None:
    p = profile({"sensation": "mild"})
    limits = p.device_limits()
    assert (limits.max_pressure_mmhg, limits.max_heat_dc, limits.max_session_s) == (
        p.max_pressure.value,
        0,
        p.max_session.value,
    )


def test_all_clear_answers_ask_the_device_for_its_factory_limits() -> None:
    """The default caps are defined once (`massage.DEFAULT_LIMITS`), for the profile and
    for the Limits a Thenar massager holds from the factory."""
    assert profile().device_limits() == massage.DEFAULT_LIMITS
