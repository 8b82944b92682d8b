"""The screening and check-in rule tables, as data with a version.

Each rule fires on some answers to one question and has an `Effect`. Rules with a
`clearance` are the table's CLEAR items: until a clinician's clearance is recorded the
`until_cleared` effect applies (usually a block); afterwards `effect` applies (the
"cleared caps"). The table follows docs/safety-and-care.md, "Screening".

Why this module is long: it is a table, one entry per rule, each with its reason and
source, read side by side with the document it follows.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

from .defaults import (
    CLEARED_FRAGILE_MAX_PRESSURE_MMHG,
    FLARE_MAX_PRESSURE_MMHG,
    POSTPONE_DISCOMFORT_AT,
    REDUCED_SENSATION_MAX_PRESSURE_MMHG,
    SHORT_SESSION_S,
)
from .questionnaire import (
    CHECKIN_QUESTIONS,
    DISCOMFORT_SCALE,
    SCREENING_QUESTIONS,
    YES,
)
from .techniques import TECHNIQUES, Technique

if TYPE_CHECKING:
    from .questionnaire import (
        Question,
    )

# Bump whenever a rule, a cap or a question changes: every profile screened under an
# older version is then due for screening again.
RULES_VERSION = "2025.1"

NOT_GENTLE = frozenset(t for t, info in TECHNIQUES.items() if not info.gentle)


@dataclass(frozen=True)
class Effect:
    """What a rule does. `None` means "no cap from this rule"; `max_heat_dc=0` means heat off."""

    block: bool = False
    max_pressure_mmhg: int | None = None
    max_heat_dc: int | None = None
    max_session_s: int | None = None
    max_heat_time_s: int | None = None
    banned: frozenset[Technique] = frozenset()
    suggest_postpone: bool = False


BLOCK = Effect(block=True)
NO_HEAT = Effect(max_heat_dc=0)


class Action(enum.StrEnum):
    """The table's action labels, derived from effects so they cannot disagree."""

    BLOCK = "BLOCK"
    CLEAR = "CLEAR"
    NO_HEAT = "NO_HEAT"
    CAP_PRESSURE = "CAP_PRESSURE"
    SHORT = "SHORT"
    NO_TECHNIQUE = "NO_TECHNIQUE"
    POSTPONE = "POSTPONE"
    INFO = "INFO"


CapName = Literal["pressure", "heat", "session", "techniques"]


@dataclass(frozen=True)
class CapReasons:
    """What a rule says under each limit it sets, for rules that set more than one.

    A summary shows every limit with its own reason, so a rule that turns heat off and
    lowers pressure explains each under its own line. "" means the rule's `reason` fits.
    Reasons carry no numbers: the limit's line says the number, once.
    """

    pressure: str = ""
    heat: str = ""  # the heat limit and the heat time
    session: str = ""
    techniques: str = ""


SAME_REASON = CapReasons()  # every limit a rule sets is explained by its `reason`


@dataclass(frozen=True)
class Rule:
    """One row of the table. `reason` is shown to the person; `source` says where it comes from."""

    rule_id: str
    question_id: str
    when: frozenset[str]
    title: str
    reason: str
    source: str
    effect: Effect = Effect()
    clearance: bool = False
    until_cleared: Effect = BLOCK
    lifted_by_helper: bool = False  # a block that does not apply with someone present
    cap_reasons: CapReasons = SAME_REASON

    @property
    def actions(self) -> frozenset[Action]:
        found: set[Action] = {Action.CLEAR} if self.clearance else set()
        if self.effect.block:
            found.add(Action.BLOCK)
        for e in (self.effect, self.until_cleared) if self.clearance else (self.effect,):
            if e.max_heat_dc == 0:
                found.add(Action.NO_HEAT)
            if e.max_pressure_mmhg is not None:
                found.add(Action.CAP_PRESSURE)
            if e.max_session_s is not None:
                found.add(Action.SHORT)
            if e.banned:
                found.add(Action.NO_TECHNIQUE)
            if e.suggest_postpone:
                found.add(Action.POSTPONE)
        return frozenset(found or {Action.INFO})


@dataclass(frozen=True)
class RuleSet:
    """A versioned rule table together with the questions it reads."""

    version: str
    questions: tuple[Question, ...]
    rules: tuple[Rule, ...]
    by_rule_id: Mapping[str, Rule] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ids = [r.rule_id for r in self.rules]
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate rule ids")
        object.__setattr__(self, "by_rule_id", MappingProxyType({r.rule_id: r for r in self.rules}))

    def rules_for(self, question_id: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.question_id == question_id)

    @property
    def clearable(self) -> frozenset[str]:
        return frozenset(r.rule_id for r in self.rules if r.clearance)


def _yes(question_id: str) -> tuple[str, frozenset[str]]:
    return question_id, frozenset({YES})


IFU = "compression-device instructions for use (Phlebo Press, Bio Compression)"
SEED = "the hand-massage article (docs/safety-and-care.md)"
DESIGN = "design value: a Thenar product decision, not a medical figure"

SCREENING_RULES = RuleSet(
    RULES_VERSION,
    SCREENING_QUESTIONS,
    (
        Rule(
            "injury",
            *_yes("injury"),
            title="Recent hand or wrist injury",
            reason="Massage can make a fresh injury worse. Wait until it has healed, or until "
            "a clinician says massage is fine.",
            source=f"{SEED}; Mayo Clinic list; Therabody",
            clearance=True,
        ),
        Rule(
            "skin",
            *_yes("skin"),
            title="Broken skin, infection or active eczema/psoriasis",
            reason="Pressure on broken or inflamed skin can irritate it or spread infection. "
            "Wait until the skin has healed.",
            source=f"{IFU}; Therabody; {SEED}",
            effect=BLOCK,
        ),
        Rule(
            "fever",
            *_yes("fever"),
            title="Fever or acute infection",
            reason="Not while you have a fever or an infection. Try again when you are well.",
            source="Recovery Edge; NHS MPFT",
            effect=BLOCK,
        ),
        Rule(
            "clot.now",
            "clot",
            frozenset({"now"}),
            title="Blood clot or inflamed vein in the arm",
            reason="Squeezing an arm with a clot could loosen it. Compression is not safe "
            "while there is a clot.",
            source=f"{IFU}; Recovery Edge",
            effect=BLOCK,
        ),
        Rule(
            "clot.past",
            "clot",
            frozenset({"past"}),
            title="Past blood clot (DVT)",
            reason="After a clot, please ask a clinician first. Once cleared, squeezing stays "
            "gentler and sessions shorter.",
            cap_reasons=CapReasons(
                pressure="After a blood clot, squeezing stays gentler.",
                session="After a blood clot, sessions stay shorter.",
            ),
            source=f"Bio Compression SC-2008 instructions; caps: {DESIGN}",
            effect=Effect(
                max_pressure_mmhg=CLEARED_FRAGILE_MAX_PRESSURE_MMHG,
                max_session_s=SHORT_SESSION_S,
            ),
            clearance=True,
        ),
        Rule(
            "heart",
            *_yes("heart"),
            title="Severe heart failure",
            reason="Compression moves fluid toward the heart, which a weak heart may not handle.",
            source=IFU,
            effect=BLOCK,
        ),
        Rule(
            "circulation.compression",
            *_yes("circulation"),
            title="Poor circulation: no compression",
            reason="With narrowed arteries, squeezing can cut blood flow further, so "
            "compression stays off. Guided movements are still available.",
            source=f"{IFU}; NHS MPFT",
            effect=Effect(max_pressure_mmhg=0),
        ),
        Rule(
            "circulation.heat",
            *_yes("circulation"),
            title="Poor circulation: heat",
            reason="Poor circulation carries heat away slowly, so skin can burn. Heat stays "
            "off until a clinician says warmth is fine for you.",
            source="NHS MPFT; US FDA on heating pads",
            clearance=True,
            until_cleared=NO_HEAT,
        ),
        Rule(
            "cancer.current",
            "cancer",
            frozenset({"current"}),
            title="Cancer treatment now, or a tumour in the hand or arm",
            reason="Not during cancer treatment or over a tumour. Your cancer team can say "
            "when this changes.",
            source=f"{SEED}; Recovery Edge; NHS MPFT",
            effect=BLOCK,
        ),
        Rule(
            "cancer.past",
            "cancer",
            frozenset({"past"}),
            title="Past cancer",
            reason="After cancer, check with your cancer team or doctor first.",
            source=f"{SEED}; Recovery Edge",
            clearance=True,
        ),
        Rule(
            "lymphedema",
            *_yes("lymphedema"),
            title="Lymphoedema of the arm",
            reason="Compression for lymphoedema is normally prescribed. Ask your lymphoedema "
            "clinician first.",
            source="lymphoedema pump instructions; Medicare NCD",
            clearance=True,
        ),
        Rule(
            "blood_thinners",
            *_yes("blood_thinners"),
            title="Blood thinners or a bleeding disorder",
            reason="You may bruise more easily, so please ask a clinician first. Once cleared, "
            "squeezing stays gentler.",
            cap_reasons=CapReasons(
                pressure="You may bruise more easily, so squeezing stays gentler.",
            ),
            source=f"NCCIH; Therabody; cap: {DESIGN}",
            effect=Effect(max_pressure_mmhg=CLEARED_FRAGILE_MAX_PRESSURE_MMHG),
            clearance=True,
        ),
        Rule(
            "osteoporosis",
            *_yes("osteoporosis"),
            title="Severe osteoporosis",
            reason="Fragile bones can be hurt by firm pressure. Please ask a clinician first; "
            "once cleared, squeezing stays gentler and there are no quick pulses or point holds.",
            cap_reasons=CapReasons(
                pressure="Fragile bones can be hurt by firm pressure, so squeezing stays gentler.",
                techniques="Quick pulses and point holds press hard on small spots, which "
                "fragile bones may not take well.",
            ),
            source=f"{SEED}; Mayo Clinic list; Therabody; cap: {DESIGN}",
            effect=Effect(
                max_pressure_mmhg=CLEARED_FRAGILE_MAX_PRESSURE_MMHG,
                banned=frozenset({Technique.FRICTION, Technique.TRIGGER_POINT}),
            ),
            clearance=True,
        ),
        Rule(
            "arthritis",
            *_yes("arthritis"),
            title="Arthritis",
            reason="Flares change from day to day, so the day's first session starts with a "
            "short check-in that asks. On a flare day heat is off and only gentle techniques run.",
            source=SEED,
        ),
        Rule(
            "sensation.mild",
            "sensation",
            frozenset({"mild"}),
            title="Somewhat reduced feeling",
            reason="With dulled feeling you may not notice heat or squeezing that is too much, "
            "so heat stays off and squeezing stays gentler.",
            cap_reasons=CapReasons(
                pressure="With dulled feeling you may not notice squeezing that is too firm, "
                "so it stays gentler.",
                heat="With dulled feeling you may not notice heat that is too much, so heat "
                "stays off.",
            ),
            source=f"US FDA; TFDA; NHS MPFT; Therabody; cap: {DESIGN}",
            effect=Effect(max_heat_dc=0, max_pressure_mmhg=REDUCED_SENSATION_MAX_PRESSURE_MMHG),
        ),
        Rule(
            "sensation.severe",
            "sensation",
            frozenset({"severe"}),
            title="Much reduced feeling",
            reason="Without reliable feeling you cannot tell when squeezing or heat is too "
            "much. Please ask a clinician first; even then heat stays off and squeezing stays "
            "gentler.",
            cap_reasons=CapReasons(
                pressure="Without reliable feeling you cannot tell when squeezing is too firm, "
                "so it stays gentler.",
                heat="Without reliable feeling you cannot tell when heat is too much, so heat "
                "stays off.",
            ),
            source=f"US FDA; TFDA; NHS MPFT; Therabody; cap: {DESIGN}",
            effect=Effect(max_heat_dc=0, max_pressure_mmhg=REDUCED_SENSATION_MAX_PRESSURE_MMHG),
            clearance=True,
            until_cleared=Effect(block=True, max_heat_dc=0),
        ),
        Rule(
            "report_discomfort",
            "report_discomfort",
            frozenset({"no"}),
            title="May not notice discomfort",
            reason="Use the glove only with someone beside you who can stop it; heat stays off.",
            cap_reasons=CapReasons(
                heat="You might not notice heat that is too much, so heat stays off.",
            ),
            source="US FDA on heating pads",
            effect=Effect(block=True, max_heat_dc=0),
            lifted_by_helper=True,
        ),
        Rule(
            "surgery",
            *_yes("surgery"),
            title="Recent surgery or metalwork in the hand or wrist",
            reason="Ask your surgeon or hand therapist first.",
            source="Therabody",
            clearance=True,
        ),
        Rule(
            "precautions.pregnant",
            "precautions",
            frozenset({"pregnant"}),
            title="Pregnancy",
            reason="As a precaution, check with your midwife or doctor first.",
            source="Therabody; Hyperice",
            clearance=True,
        ),
        Rule(
            "precautions.pacemaker",
            "precautions",
            frozenset({"pacemaker"}),
            title="Pacemaker or implanted device",
            reason="As a precaution, check with the clinic that looks after your device first.",
            source="Therabody; Hyperice",
            clearance=True,
        ),
        Rule(
            "precautions.blood_pressure",
            "precautions",
            frozenset({"blood_pressure"}),
            title="Uncontrolled high blood pressure",
            reason="As a precaution, check with your doctor first.",
            source="Therabody; Hyperice",
            clearance=True,
        ),
        Rule(
            "unexplained_pain",
            *_yes("unexplained_pain"),
            title="Hand pain with no known cause",
            reason="Have the pain looked at before massaging over it; record when a clinician "
            "has assessed it.",
            source="Therabody; Hyperice",
            clearance=True,
        ),
    ),
)

CHECKIN_RULES = RuleSet(
    RULES_VERSION,
    CHECKIN_QUESTIONS,
    (
        Rule(
            "checkin.flare",
            *_yes("flare"),
            title="Flare today",
            reason="During a flare, heat stays off and only gentle techniques run, with "
            "gentler squeezing. You may prefer to rest today.",
            cap_reasons=CapReasons(
                pressure="During a flare, squeezing stays gentler.",
                heat="During a flare, heat stays off.",
                techniques="During a flare, only gentle techniques run.",
            ),
            source=f"{SEED} (low-authority sources only); cap: {DESIGN}",
            effect=Effect(
                max_heat_dc=0,
                max_pressure_mmhg=FLARE_MAX_PRESSURE_MMHG,
                banned=NOT_GENTLE,
                suggest_postpone=True,
            ),
        ),
        Rule(
            "checkin.new_injury",
            *_yes("new_injury"),
            title="New injury",
            reason="No session today on a new injury. If it has not healed in a few days, "
            "have it looked at and screen again.",
            source=f"{SEED}; Mayo Clinic list; Therabody",
            effect=BLOCK,
        ),
        Rule(
            "checkin.broken_skin",
            *_yes("broken_skin"),
            title="Broken skin",
            reason="No session today while the skin is broken or sore.",
            source=f"{IFU}; Therabody; {SEED}",
            effect=BLOCK,
        ),
        Rule(
            "checkin.tingling",
            *_yes("tingling"),
            title="More numbness or tingling today",
            reason="With dulled feeling you may not notice heat or squeezing that is too much, "
            "so heat stays off and squeezing stays gentler today.",
            cap_reasons=CapReasons(
                pressure="With more numbness today you may not notice squeezing that is too "
                "firm, so it stays gentler.",
                heat="With more numbness today you may not notice heat that is too much, so "
                "heat stays off.",
            ),
            source=f"US FDA; TFDA; cap: {DESIGN}",
            effect=Effect(max_heat_dc=0, max_pressure_mmhg=REDUCED_SENSATION_MAX_PRESSURE_MMHG),
        ),
        Rule(
            "checkin.discomfort",
            "discomfort",
            frozenset(DISCOMFORT_SCALE[POSTPONE_DISCOMFORT_AT:]),
            title="Hands hurt a lot today",
            reason="Your hands hurt a lot right now. You may prefer to rest today; if you go "
            "ahead, keep the intensity low.",
            source=f"{DESIGN} (7-10 is the usual 'severe' band of the 0-10 scale)",
            effect=Effect(suggest_postpone=True),
        ),
        Rule(
            "checkin.helper_present",
            *_yes("helper_present"),
            title="Someone is with you",
            reason="Someone who can stop the session is with you today.",
            source="US FDA on heating pads",
        ),
    ),
)
