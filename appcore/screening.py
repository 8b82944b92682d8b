"""Screening and the daily check-in as Qt-free question flows the views drive.

The views only show what these objects say and write back what the person chose, so
every rule about order and validation is tested without a display. Saving and loading
live in `appcore.screening_log`, the words for the result in `appcore.summary`.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from therapy import (
    CHECKIN_QUESTIONS,
    SCREENING_QUESTIONS,
    CheckIn,
    Screening,
    Verdict,
    apply_checkin,
    evaluate_screening,
)

if TYPE_CHECKING:
    from therapy import (
        Question,
        SafetyProfile,
    )

# ---------------------------------------------------------------------------
# One question at a time


class QuestionFlow:
    """Answers to a list of questions, a cursor, and what is still missing.

    Multiple-choice questions honour `Question.exclusive`: choosing "None of these"
    clears the others and choosing another clears "None of these", so the person never
    meets a validation error for an impossible combination.
    """

    def __init__(
        self,
        questions: Sequence[Question],
        initial: Mapping[str, Collection[str]] | None = None,
    ) -> None:
        self.questions = tuple(questions)
        self.index = 0
        self.answers: dict[str, frozenset[str]] = {}
        known = {q.question_id: q for q in self.questions}
        for qid, chosen in (initial or {}).items():
            q = known.get(qid)
            picked = frozenset(chosen) & q.option_ids if q else frozenset()
            if q and picked and (q.multiple or len(picked) == 1):
                self.answers[qid] = picked

    @property
    def current(self) -> Question:
        return self.questions[self.index]

    @property
    def is_first(self) -> bool:
        return self.index == 0

    @property
    def is_last(self) -> bool:
        return self.index == len(self.questions) - 1

    def progress(self) -> str:
        return f"Question {self.index + 1} of {len(self.questions)}"

    def chosen(self, question_id: str | None = None) -> frozenset[str]:
        return self.answers.get(question_id or self.current.question_id, frozenset())

    def choose(self, option_id: str, question_id: str | None = None) -> None:
        """Pick one option (single choice), replacing any earlier answer."""
        q = self._question(question_id)
        if option_id not in q.option_ids:
            raise ValueError(f"{q.question_id!r} has no option {option_id!r}")
        self.answers[q.question_id] = frozenset({option_id})

    def toggle(self, option_id: str, on: bool, question_id: str | None = None) -> None:
        """Tick or untick one option of a multiple-choice question."""
        q = self._question(question_id)
        if not q.multiple:
            if on:
                self.choose(option_id, q.question_id)
            return
        if option_id not in q.option_ids:
            raise ValueError(f"{q.question_id!r} has no option {option_id!r}")
        chosen = set(self.answers.get(q.question_id, frozenset()))
        if on:
            chosen = {option_id} if option_id in q.exclusive else (chosen - q.exclusive)
            chosen.add(option_id)
        else:
            chosen.discard(option_id)
        if chosen:
            self.answers[q.question_id] = frozenset(chosen)
        else:
            self.answers.pop(q.question_id, None)

    def answered(self, question_id: str | None = None) -> bool:
        return bool(self.chosen(question_id))

    def missing(self) -> list[Question]:
        return [q for q in self.questions if not self.answered(q.question_id)]

    @property
    def complete(self) -> bool:
        return not self.missing()

    def next(self) -> bool:
        """Move on if the current question is answered; False (and stay) if not."""
        if not self.answered():
            return False
        if not self.is_last:
            self.index += 1
        return True

    def back(self) -> None:
        if self.index > 0:
            self.index -= 1

    def go_to(self, question_id: str) -> None:
        self.index = next(i for i, q in enumerate(self.questions) if q.question_id == question_id)

    def _question(self, question_id: str | None) -> Question:
        if question_id is None:
            return self.current
        return next(q for q in self.questions if q.question_id == question_id)


class ScreeningFlow(QuestionFlow):
    """The safety questionnaire; `initial` pre-fills earlier answers when screening again."""

    def __init__(self, initial: Mapping[str, Collection[str]] | None = None) -> None:
        super().__init__(SCREENING_QUESTIONS, initial)

    def screening(self, today: dt.date) -> Screening:
        if not self.complete:
            raise ValueError("not every question is answered")
        return Screening(dict(self.answers), completed_on=today)

    def result(self, today: dt.date) -> SafetyProfile:
        """The profile these answers give (no clearances yet: a new screening starts clean)."""
        return evaluate_screening(self.screening(today), today=today)


# ---------------------------------------------------------------------------
# The daily check-in


class CheckInOutcome(enum.Enum):
    GO = "go"
    POSTPONE = "postpone"  # allowed, but today's answers suggest resting
    BLOCKED = "blocked"


@dataclass(frozen=True)
class CheckInResult:
    checkin: CheckIn
    profile: SafetyProfile
    outcome: CheckInOutcome
    reasons: tuple[str, ...]  # plain words: why no session, or why rest is suggested
    changes: tuple[str, ...]  # what today's answers changed, in plain words


def needs_helper_question(profile: SafetyProfile) -> bool:
    """Only ask whether a helper is present when a block depends on it."""
    return any(b.lifted_by_helper for b in profile.blocks)


class CheckInFlow(QuestionFlow):
    """Today's questions (the helper one only when it matters) and the day's profile."""

    def __init__(self, profile: SafetyProfile, today: dt.date) -> None:
        if profile.day is not None:
            raise ValueError("start the check-in from the screening profile, not a day's one")
        asked = [
            q
            for q in CHECKIN_QUESTIONS
            if q.question_id != "helper_present" or needs_helper_question(profile)
        ]
        super().__init__(asked)
        self.profile = profile
        self.today = today

    def checkin(self) -> CheckIn:
        if not self.complete:
            raise ValueError("not every check-in question is answered")

        def yes(qid: str) -> bool:
            return "yes" in self.chosen(qid)

        return CheckIn(
            day=self.today,
            flare=yes("flare"),
            new_injury=yes("new_injury"),
            broken_skin=yes("broken_skin"),
            tingling=yes("tingling"),
            discomfort=int(next(iter(self.chosen("discomfort")))),
            helper_present=yes("helper_present"),
        )

    def result(self) -> CheckInResult:
        checkin = self.checkin()
        day = apply_checkin(self.profile, checkin)
        before = {w.rule_id for w in self.profile.applied}
        changes = tuple(
            f"{w.title}: {w.reason}"
            for w in day.applied
            if w.rule_id not in before and w.rule_id != "checkin.helper_present"
        )
        if day.verdict is not Verdict.ALLOWED:
            outcome, reasons = CheckInOutcome.BLOCKED, day.reasons_not_allowed()
        elif day.postpone:
            outcome = CheckInOutcome.POSTPONE
            reasons = tuple(f"{w.title}: {w.reason}" for w in day.postpone)
        else:
            outcome, reasons = CheckInOutcome.GO, ()
        return CheckInResult(checkin, day, outcome, reasons, changes)


def now_local() -> dt.datetime:
    return dt.datetime.now(dt.UTC).astimezone()
