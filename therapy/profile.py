"""Turn screening answers and clinician clearances into a `SafetyProfile`: verdict and caps.

Every rule that fires contributes an `Effect`; the most restrictive value wins, item by
item (lowest pressure, lowest heat with 0 = off, shortest session, union of banned
techniques, every block). Each winning cap keeps the reason and source of its rule.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dateutil.relativedelta import relativedelta

from massage import (
    DEFAULT_MAX_HEAT_DC,
    DEFAULT_MAX_HEAT_TIME_S,
    DEFAULT_MAX_PRESSURE_MMHG,
    DEFAULT_MAX_SESSION_S,
    Limits,
)

from .defaults import RESCREEN_AFTER_MONTHS
from .errors import ScreeningError
from .rules import (
    DESIGN,
    SAME_REASON,
    SCREENING_RULES,
    Effect,
)

if TYPE_CHECKING:
    from .questionnaire import Question
    from .rules import (
        CapName,
        CapReasons,
        Rule,
        RuleSet,
    )
    from .techniques import Technique

Answers = Mapping[str, str | Collection[str]]


class Verdict(enum.StrEnum):
    ALLOWED = "allowed"
    NEEDS_CLEARANCE = "needs_clearance"
    BLOCKED = "blocked"


@dataclass(frozen=True)
class Why:
    """The plain-language reason for a cap or block, and where it comes from."""

    rule_id: str
    title: str
    reason: str
    source: str
    cap_reasons: CapReasons = SAME_REASON

    @classmethod
    def of(cls, rule: Rule) -> Why:
        return cls(rule.rule_id, rule.title, rule.reason, rule.source, rule.cap_reasons)

    def about(self, cap: CapName) -> str:
        """The reason to show under one limit: the rule's words for it, else its reason."""
        words: str = getattr(self.cap_reasons, cap)
        return words or self.reason


@dataclass(frozen=True)
class Cap:
    """One limit (mmHg, tenths of °C with 0 = off, or seconds) and why it is that value."""

    value: int
    why: Why


@dataclass(frozen=True)
class Block:
    why: Why
    lifted_by_helper: bool = False


@dataclass(frozen=True)
class Ban:
    technique: Technique
    why: Why


@dataclass(frozen=True)
class PendingClearance:
    """A CLEAR item waiting for a clinician; `blocks_session` if no session runs until then."""

    why: Why
    blocks_session: bool

    @property
    def item(self) -> str:
        return self.why.rule_id


@dataclass(frozen=True)
class Clearance:
    """A person's record that a clinician cleared one item (`item` is the rule id)."""

    item: str
    cleared_on: dt.date
    clinician: str


@dataclass(frozen=True)
class Screening:
    answers: Answers
    completed_on: dt.date
    rules_version: str = SCREENING_RULES.version


def _default(rule_id: str, title: str, reason: str, source: str = DESIGN) -> Why:
    return Why(rule_id, title, reason, source)


_DEFAULT_PRESSURE = _default(
    "default.pressure",
    "Default pressure limit",
    "Thenar keeps squeezing moderate for everyone.",
)
_DEFAULT_HEAT = _default(
    "default.heat",
    "Default heat limit",
    "Warmth stays below the temperature where skin starts to hurt.",
    f"{DESIGN}; skin pain above 43 °C: Martin & Falder 2017",
)
_DEFAULT_SESSION = _default(
    "default.session",
    "Default session length",
    "Makers of similar devices advise sessions no longer than this.",
    f"{DESIGN}; maker guidance",
)
_DEFAULT_HEAT_TIME = _default(
    "default.heat_time",
    "Default heat time",
    "Health agencies advise using heat in short spells.",
    f"{DESIGN}; US FDA: heat no longer than 15-20 minutes",
)


@dataclass(frozen=True)
class SafetyProfile:
    """What a person may do: the verdict, the caps, and why each one is what it is."""

    rules_version: str
    screened_on: dt.date
    max_pressure: Cap = Cap(DEFAULT_MAX_PRESSURE_MMHG, _DEFAULT_PRESSURE)
    max_heat: Cap = Cap(DEFAULT_MAX_HEAT_DC, _DEFAULT_HEAT)
    max_session: Cap = Cap(DEFAULT_MAX_SESSION_S, _DEFAULT_SESSION)
    max_heat_time: Cap = Cap(DEFAULT_MAX_HEAT_TIME_S, _DEFAULT_HEAT_TIME)
    blocks: tuple[Block, ...] = ()
    pending_clearances: tuple[PendingClearance, ...] = ()
    banned: tuple[Ban, ...] = ()
    postpone: tuple[Why, ...] = ()
    applied: tuple[Why, ...] = ()
    rescreen_due: str | None = None
    day: dt.date | None = None  # set when a check-in adjusted this profile for one day

    @property
    def verdict(self) -> Verdict:
        if self.blocks:
            return Verdict.BLOCKED
        if any(p.blocks_session for p in self.pending_clearances):
            return Verdict.NEEDS_CLEARANCE
        return Verdict.ALLOWED

    @property
    def heat_off(self) -> bool:
        return self.max_heat.value == 0

    @property
    def max_heat_c(self) -> float | None:
        """The heat cap in °C, or None when heat is off."""
        return None if self.heat_off else self.max_heat.value / 10

    @property
    def banned_techniques(self) -> frozenset[Technique]:
        return frozenset(b.technique for b in self.banned)

    def allows(self, technique: Technique) -> bool:
        return technique not in self.banned_techniques

    def ban_for(self, technique: Technique) -> Ban | None:
        return next((b for b in self.banned if b.technique is technique), None)

    def reasons_not_allowed(self) -> tuple[str, ...]:
        """Every plain-language reason no session may run now (empty when allowed)."""
        out = [f"{b.why.title}: {b.why.reason}" for b in self.blocks]
        out += [
            f"{p.why.title}: {p.why.reason}" for p in self.pending_clearances if p.blocks_session
        ]
        return tuple(out)

    def device_limits(self) -> Limits:
        """The caps as the device's Limits characteristic, so firmware enforces them too."""
        return Limits(self.max_pressure.value, self.max_heat.value, self.max_session.value)

    def with_effect(
        self, why: Why, effect: Effect, *, pending: bool = False, lifted_by_helper: bool = False
    ) -> SafetyProfile:
        """This profile with one more rule applied; the most restrictive value wins."""
        p = self
        changes: dict[str, object] = {"applied": (*p.applied, why)}
        if pending:
            changes["pending_clearances"] = (
                *p.pending_clearances,
                PendingClearance(why, blocks_session=effect.block),
            )
        elif effect.block:
            changes["blocks"] = (*p.blocks, Block(why, lifted_by_helper))
        for name, value in (
            ("max_pressure", effect.max_pressure_mmhg),
            ("max_heat", effect.max_heat_dc),
            ("max_session", effect.max_session_s),
            ("max_heat_time", effect.max_heat_time_s),
        ):
            current: Cap = getattr(p, name)
            if value is not None and value < current.value:
                changes[name] = Cap(value, why)
        known = p.banned_techniques
        new_bans = tuple(Ban(t, why) for t in sorted(effect.banned) if t not in known)
        if new_bans:
            changes["banned"] = (*p.banned, *new_bans)
        if effect.suggest_postpone:
            changes["postpone"] = (*p.postpone, why)
        return dataclasses.replace(p, **changes)  # type: ignore[arg-type]


def normalize_answers(questions: Iterable[Question], answers: Answers) -> dict[str, frozenset[str]]:
    """Check answers against the questions; raise ScreeningError on anything unknown or malformed.

    Unanswered questions are simply absent from the result.
    """
    by_id = {q.question_id: q for q in questions}
    out: dict[str, frozenset[str]] = {}
    for qid, raw in answers.items():
        question = by_id.get(qid)
        if question is None:
            raise ScreeningError(f"unknown question {qid!r}")
        chosen = frozenset({raw}) if isinstance(raw, str) else frozenset(raw)
        unknown = chosen - question.option_ids
        if unknown:
            raise ScreeningError(f"question {qid!r} has no option(s) {sorted(unknown)}")
        if not chosen:
            continue  # an empty multiple choice counts as unanswered
        if not question.multiple and len(chosen) != 1:
            raise ScreeningError(f"question {qid!r} takes exactly one answer")
        if chosen & question.exclusive and len(chosen) > 1:
            raise ScreeningError(f"question {qid!r}: {sorted(question.exclusive)} stands alone")
        out[qid] = chosen
    return out


def rescreen_reason(
    screened_on: dt.date, rules_version: str, today: dt.date, current_version: str
) -> str | None:
    """Why screening is due again, or None: six months passed, or the rules changed."""
    if rules_version != current_version:
        return (
            "Thenar's safety questions have changed since you answered them. "
            "Please answer them again."
        )
    if today >= screened_on + relativedelta(months=RESCREEN_AFTER_MONTHS):
        return (
            f"It has been {RESCREEN_AFTER_MONTHS} months since you answered the safety "
            "questions. Please check your answers are still right."
        )
    return None


def _check_clearances(
    clearances: Iterable[Clearance], rules: RuleSet, today: dt.date
) -> frozenset[str]:
    items: set[str] = set()
    for c in clearances:
        if c.item not in rules.clearable:
            raise ScreeningError(f"{c.item!r} is not an item a clinician can clear")
        if not c.clinician.strip():
            raise ScreeningError(f"clearance of {c.item!r} needs the clinician's name")
        if c.cleared_on > today:
            raise ScreeningError(f"clearance of {c.item!r} is dated in the future")
        items.add(c.item)
    return frozenset(items)


def evaluate_screening(
    screening: Screening,
    clearances: Iterable[Clearance] = (),
    *,
    today: dt.date,
    rules: RuleSet = SCREENING_RULES,
) -> SafetyProfile:
    """Build the safety profile from a screening and any clinician clearances."""
    answers = normalize_answers(rules.questions, screening.answers)
    cleared = _check_clearances(clearances, rules, today)
    profile = SafetyProfile(
        rules_version=rules.version,
        screened_on=screening.completed_on,
        rescreen_due=rescreen_reason(
            screening.completed_on, screening.rules_version, today, rules.version
        ),
    )
    for question in rules.questions:
        chosen = answers.get(question.question_id)
        if chosen is None:
            why = Why(
                f"unanswered.{question.question_id}",
                "Screening not finished",
                f"Please answer: {question.text}",
                "Thenar screening",
            )
            profile = profile.with_effect(why, Effect(block=True))
            continue
        for rule in rules.rules_for(question.question_id):
            if not rule.when & chosen:
                continue
            if rule.clearance and rule.rule_id not in cleared:
                profile = profile.with_effect(Why.of(rule), rule.until_cleared, pending=True)
            else:
                profile = profile.with_effect(
                    Why.of(rule), rule.effect, lifted_by_helper=rule.lifted_by_helper
                )
    return profile
