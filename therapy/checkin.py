"""The short check-in before the first session of each day, and how it adjusts that day's profile.

Flares, new injuries and broken skin change from day to day, so they are asked each
time rather than only at screening (docs/safety-and-care.md).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import ScreeningError
from .profile import Why, normalize_answers
from .questionnaire import NO, YES
from .rules import CHECKIN_RULES

if TYPE_CHECKING:
    from .profile import SafetyProfile
    from .rules import RuleSet


@dataclass(frozen=True)
class CheckIn:
    """Today's answers. `discomfort` is 0-10 (the pain numeric rating scale)."""

    day: dt.date
    flare: bool = False
    new_injury: bool = False
    broken_skin: bool = False
    tingling: bool = False
    discomfort: int = 0
    helper_present: bool = False

    @classmethod
    def from_answers(cls, day: dt.date, answers: dict[str, str]) -> CheckIn:
        """Rebuild a check-in from `answers()` as stored; raise ScreeningError if malformed."""
        normalize_answers(CHECKIN_RULES.questions, answers)
        try:
            discomfort = int(answers["discomfort"])
        except (KeyError, ValueError) as exc:
            raise ScreeningError(f"a stored check-in has no valid discomfort: {exc}") from exc

        def yes(qid: str) -> bool:
            return answers.get(qid) == YES

        return cls(
            day=day,
            flare=yes("flare"),
            new_injury=yes("new_injury"),
            broken_skin=yes("broken_skin"),
            tingling=yes("tingling"),
            discomfort=discomfort,
            helper_present=yes("helper_present"),
        )

    def answers(self) -> dict[str, str]:
        """The check-in as answers to `CHECKIN_QUESTIONS`, for the rule table."""
        if (
            not isinstance(self.discomfort, int)
            or isinstance(self.discomfort, bool)
            or not 0 <= self.discomfort <= 10
        ):
            raise ScreeningError(f"discomfort must be a whole number 0-10, not {self.discomfort!r}")

        def yn(flag: bool) -> str:
            return YES if flag else NO

        return {
            "flare": yn(self.flare),
            "new_injury": yn(self.new_injury),
            "broken_skin": yn(self.broken_skin),
            "tingling": yn(self.tingling),
            "discomfort": str(self.discomfort),
            "helper_present": yn(self.helper_present),
        }


def apply_checkin(
    profile: SafetyProfile, checkin: CheckIn, *, rules: RuleSet = CHECKIN_RULES
) -> SafetyProfile:
    """That day's profile: the screening profile made stricter by today's answers.

    Only one thing can loosen it: a helper being present lifts the "may not notice
    discomfort" block (the FDA's concern is unsupervised use), never any cap.
    """
    if profile.day is not None:
        raise ScreeningError(
            "this profile was already adjusted by a check-in; start from screening"
        )
    answers = normalize_answers(rules.questions, checkin.answers())
    day = dataclasses.replace(profile, day=checkin.day)
    for rule in rules.rules:
        chosen = answers[rule.question_id]
        if rule.when & chosen:
            day = day.with_effect(Why.of(rule), rule.effect)
    if checkin.helper_present:
        day = dataclasses.replace(
            day, blocks=tuple(b for b in day.blocks if not b.lifted_by_helper)
        )
    return day
