"""The questionnaire and rule tables are consistent data, and match the notes' rule table."""

from __future__ import annotations

import re
from dataclasses import fields

import pytest

from therapy.profile import Why
from therapy.questionnaire import CHECKIN_QUESTIONS, SCREENING_QUESTIONS
from therapy.rules import (
    CHECKIN_RULES,
    SCREENING_RULES,
    Action,
    CapName,
    CapReasons,
    Effect,
    RuleSet,
)
from therapy.techniques import Technique

RULESETS = [
    pytest.param(SCREENING_RULES, id="screening"),
    pytest.param(CHECKIN_RULES, id="checkin"),
]


@pytest.mark.parametrize("rules", RULESETS)
def test_every_question_is_tied_to_a_rule(rules: RuleSet) -> None:
    untied = [q.question_id for q in rules.questions if not rules.rules_for(q.question_id)]
    assert untied == []


@pytest.mark.parametrize("rules", RULESETS)
def test_rules_refer_to_real_questions_and_options(rules: RuleSet) -> None:
    questions = {q.question_id: q for q in rules.questions}
    for rule in rules.rules:
        assert rule.question_id in questions, rule.rule_id
        assert rule.when, rule.rule_id
        assert rule.when <= questions[rule.question_id].option_ids, rule.rule_id


@pytest.mark.parametrize("rules", RULESETS)
def test_every_rule_explains_itself(rules: RuleSet) -> None:
    for rule in rules.rules:
        assert rule.title.strip(), rule.rule_id
        assert rule.reason.strip(), rule.rule_id
        assert rule.source.strip(), rule.rule_id


def test_question_ids_are_unique_and_texts_plain() -> None:
    for questions in (SCREENING_QUESTIONS, CHECKIN_QUESTIONS):
        ids = [q.question_id for q in questions]
        assert len(ids) == len(set(ids))
        for q in questions:
            assert q.text.endswith("?"), q.question_id
            assert q.help.strip(), q.question_id
            assert len({o.option_id for o in q.options}) == len(q.options)
            assert q.exclusive <= q.option_ids


def test_screening_fits_in_about_two_minutes() -> None:
    # What must be read (questions and answers; help is shown on request) at about
    # 200 words a minute, a slow adult reading speed, fits in two minutes.
    words = sum(
        len(q.text.split()) + sum(len(o.label.split()) for o in q.options)
        for q in SCREENING_QUESTIONS
    )
    assert words <= 2 * 200


# The rule table of docs/safety-and-care.md, "Screening: condition -> action".
NOTES_TABLE = [
    ("clot.now", {Action.BLOCK}),
    ("clot.past", {Action.CLEAR, Action.CAP_PRESSURE, Action.SHORT}),
    ("heart", {Action.BLOCK}),
    ("circulation.compression", {Action.CAP_PRESSURE}),
    ("circulation.heat", {Action.CLEAR, Action.NO_HEAT}),
    ("skin", {Action.BLOCK}),
    ("fever", {Action.BLOCK}),
    ("injury", {Action.CLEAR}),
    ("cancer.current", {Action.BLOCK}),
    ("cancer.past", {Action.CLEAR}),
    ("lymphedema", {Action.CLEAR}),
    ("blood_thinners", {Action.CLEAR, Action.CAP_PRESSURE}),
    ("osteoporosis", {Action.CLEAR, Action.CAP_PRESSURE, Action.NO_TECHNIQUE}),
    ("sensation.mild", {Action.NO_HEAT, Action.CAP_PRESSURE}),
    ("sensation.severe", {Action.CLEAR, Action.NO_HEAT, Action.CAP_PRESSURE}),
    ("surgery", {Action.CLEAR}),
    ("precautions.pregnant", {Action.CLEAR}),
    ("precautions.pacemaker", {Action.CLEAR}),
    ("precautions.blood_pressure", {Action.CLEAR}),
    ("report_discomfort", {Action.BLOCK, Action.NO_HEAT}),
    ("unexplained_pain", {Action.CLEAR}),
    ("arthritis", {Action.INFO}),
]


@pytest.mark.parametrize(("rule_id", "actions"), NOTES_TABLE, ids=[r for r, _ in NOTES_TABLE])
def test_screening_rules_take_the_notes_actions(rule_id: str, actions: set[Action]) -> None:
    assert SCREENING_RULES.by_rule_id[rule_id].actions == actions


def test_notes_table_covers_every_screening_rule() -> None:
    assert {r for r, _ in NOTES_TABLE} == set(SCREENING_RULES.by_rule_id)


def test_circulation_blocks_compression_entirely() -> None:
    assert SCREENING_RULES.by_rule_id["circulation.compression"].effect.max_pressure_mmhg == 0


def test_osteoporosis_bans_friction_and_point_holds() -> None:
    banned = SCREENING_RULES.by_rule_id["osteoporosis"].effect.banned
    assert banned == {Technique.FRICTION, Technique.TRIGGER_POINT}


def test_design_values_are_labelled_as_design() -> None:
    # Every rule that sets a number must say the number is a Thenar design value: its
    # source says so, and the summary says it once for the page (not in every reason).
    for rules in (SCREENING_RULES, CHECKIN_RULES):
        for rule in rules.rules:
            e = rule.effect
            numeric = [e.max_pressure_mmhg, e.max_session_s, e.max_heat_time_s]
            if any(v not in (None, 0) for v in numeric):
                assert "design" in rule.source, rule.rule_id


def limits_set(effect: Effect) -> set[CapName]:
    out: set[CapName] = set()
    if effect.max_pressure_mmhg is not None:
        out.add("pressure")
    if effect.max_heat_dc is not None or effect.max_heat_time_s is not None:
        out.add("heat")
    if effect.max_session_s is not None:
        out.add("session")
    if effect.banned:
        out.add("techniques")
    return out


@pytest.mark.parametrize("rules", RULESETS)
def test_each_limit_has_its_own_reason(rules: RuleSet) -> None:
    """Issue 10: a rule that set heat and pressure showed its heat reason under squeezing."""
    for rule in rules.rules:
        caps = limits_set(rule.effect) | limits_set(rule.until_cleared)
        why = Why.of(rule)
        if len(caps) > 1:
            for cap in caps:
                assert getattr(rule.cap_reasons, cap), (rule.rule_id, cap)
        if "pressure" in caps:
            assert not re.search(r"heat|warm", why.about("pressure"), re.I), rule.rule_id
        if "heat" in caps:
            assert not re.search(r"squeez|pressure", why.about("heat"), re.I), rule.rule_id


@pytest.mark.parametrize("rules", RULESETS)
def test_reasons_carry_no_numbers(rules: RuleSet) -> None:
    # The limit's line says the number; a number in a reason can disagree with it.
    for rule in rules.rules:
        texts = [rule.reason, *(getattr(rule.cap_reasons, f.name) for f in fields(CapReasons))]
        for text in texts:
            assert not re.search(r"\d", text), rule.rule_id


def test_checkin_flare_allows_only_gentle_techniques() -> None:
    flare = CHECKIN_RULES.by_rule_id["checkin.flare"].effect
    from therapy.techniques import TECHNIQUES

    assert flare.max_heat_dc == 0
    assert flare.suggest_postpone
    assert flare.banned == {t for t, info in TECHNIQUES.items() if not info.gentle}
    assert flare.banned  # some techniques are not gentle
