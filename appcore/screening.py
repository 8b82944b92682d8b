"""Screening, clearances and the daily check-in, as Qt-free flows the views drive.

The views only show what these objects say and write back what the person chose, so
every rule about order, validation, saving and wording is tested without a display.
All database work takes a `Database` (run it through `ctx.db.run`); `save_screening`,
`record_clearance_for`, `restore_profile` do that for the views.

Clearances belong to the screening they were recorded against: after screening again
the person records them again, because the answers (and what a clinician cleared) may
have changed since.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from appcore.context import AppContext
from appcore.settings import TemperatureUnit, format_temperature
from data import screenings as store
from therapy import (
    CHECKIN_QUESTIONS,
    SCREENING_QUESTIONS,
    SCREENING_RULES,
    TECHNIQUES,
    CheckIn,
    Clearance,
    Question,
    SafetyProfile,
    Screening,
    Verdict,
    Why,
    apply_checkin,
    evaluate_screening,
)
from therapy.rules import RuleSet

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
# Saving and loading


def _cap_json(profile: SafetyProfile) -> dict[str, Any]:
    def one(value: int, why: Why) -> dict[str, Any]:
        return {"value": value, "rule": why.rule_id, "reason": why.reason}

    return {
        "max_pressure_mmhg": one(profile.max_pressure.value, profile.max_pressure.why),
        "max_heat_dc": one(profile.max_heat.value, profile.max_heat.why),
        "max_session_s": one(profile.max_session.value, profile.max_session.why),
        "max_heat_time_s": one(profile.max_heat_time.value, profile.max_heat_time.why),
        "banned": sorted(b.technique.value for b in profile.banned),
        "pending_clearances": [p.item for p in profile.pending_clearances],
        "verdict": profile.verdict.value,
    }


def _blocks_json(profile: SafetyProfile) -> list[Any]:
    return [
        {"rule": b.why.rule_id, "title": b.why.title, "reason": b.why.reason}
        for b in profile.blocks
    ]


def answers_json(answers: Mapping[str, Collection[str]]) -> dict[str, Any]:
    """Single answers as a string, multiple ones as a sorted list (what evaluate expects)."""
    by_id = {q.question_id: q for q in SCREENING_QUESTIONS}
    out: dict[str, Any] = {}
    for qid, chosen in answers.items():
        q = by_id.get(qid)
        out[qid] = sorted(chosen) if (q is None or q.multiple) else next(iter(chosen))
    return out


def save_screening(
    db: Database, answers: Mapping[str, Collection[str]], profile: SafetyProfile, now: dt.datetime
) -> int:
    """Store the answers with the rules version and the caps and blocks they gave."""
    return store.record_screening(
        db,
        taken_at=now,
        rules_version=profile.rules_version,
        answers=answers_json(answers),
        caps=_cap_json(profile),
        blocks=_blocks_json(profile),
    )


def _usable_answers(raw: Any, rules: RuleSet) -> dict[str, str | frozenset[str]]:
    """Answers still valid under the current questions; the rest count as unanswered.

    A question changed by a rules update then blocks as "Screening not finished" and the
    profile says screening is due, rather than the app failing to start.
    """
    out: dict[str, str | frozenset[str]] = {}
    if not isinstance(raw, dict):
        return out
    for q in rules.questions:
        value = raw.get(q.question_id)
        chosen = frozenset([value] if isinstance(value, str) else value or ())
        if not chosen or not chosen <= q.option_ids:
            continue
        if not q.multiple and len(chosen) != 1:
            continue
        if chosen & q.exclusive and len(chosen) > 1:
            continue
        out[q.question_id] = next(iter(chosen)) if not q.multiple else chosen
    return out


def stored_answers(db: Database) -> dict[str, frozenset[str]]:
    """The latest screening's answers (to pre-fill screening again); empty if none."""
    latest = store.latest_screening(db)
    if latest is None:
        return {}
    return {
        k: frozenset([v]) if isinstance(v, str) else frozenset(v)
        for k, v in _usable_answers(latest.answers, SCREENING_RULES).items()
    }


def clearances_for(
    db: Database, screening_id: int, today: dt.date, rules: RuleSet = SCREENING_RULES
) -> list[Clearance]:
    """The stored clearances that apply to this screening, as the domain's `Clearance`."""
    return [
        Clearance(c.what, c.cleared_on, c.cleared_by)
        for c in store.list_clearances(db)
        if c.screening_id == screening_id
        and c.what in rules.clearable
        and c.cleared_by.strip()
        and c.cleared_on <= today
    ]


def load_profile(db: Database, today: dt.date) -> SafetyProfile | None:
    """Rebuild the profile from the latest screening and its clearances (None: never screened)."""
    latest = store.latest_screening(db)
    if latest is None:
        return None
    screened_on = latest.taken_at.astimezone().date()
    screening = Screening(
        _usable_answers(latest.answers, SCREENING_RULES),
        completed_on=min(screened_on, today),
        rules_version=latest.rules_version,
    )
    return evaluate_screening(screening, clearances_for(db, latest.id, today), today=today)


@dataclass(frozen=True)
class StoredClearance:
    """One clearance as recorded, with its title in words and whether it applies now."""

    what: str
    title: str
    cleared_on: dt.date
    cleared_by: str
    applies: bool


def list_clearance_records(db: Database) -> list[StoredClearance]:
    """Every recorded clearance, newest first, for the Settings list."""
    latest = store.latest_screening(db)
    rules = SCREENING_RULES.by_rule_id
    out = [
        StoredClearance(
            c.what,
            rules[c.what].title if c.what in rules else c.what,
            c.cleared_on,
            c.cleared_by,
            latest is not None and c.screening_id == latest.id,
        )
        for c in store.list_clearances(db)
    ]
    return out[::-1]


def record_clearance_for(
    db: Database, item: str, cleared_on: dt.date, clinician: str, now: dt.datetime
) -> SafetyProfile:
    """Record that a clinician cleared `item` for the latest screening; return the new profile.

    Raises ValueError with a message for the person when the record cannot be right.
    """
    if item not in SCREENING_RULES.clearable:
        raise ValueError("That item is not one a clinician can clear in Thenar.")
    if not clinician.strip():
        raise ValueError("Please type the name of the clinician who cleared it.")
    today = now.astimezone().date()
    if cleared_on > today:
        raise ValueError("The date they cleared it cannot be in the future.")
    latest = store.latest_screening(db)
    if latest is None:
        raise ValueError("Please answer the safety questions first.")
    store.record_clearance(
        db,
        what=item,
        cleared_on=cleared_on,
        cleared_by=clinician.strip(),
        recorded_at=now,
        screening_id=latest.id,
    )
    profile = load_profile(db, today)
    assert profile is not None
    return profile


async def restore_profile(ctx: AppContext) -> SafetyProfile | None:
    """At start-up: rebuild the profile on the DB thread and put it in the context."""
    profile = await ctx.db.run(load_profile, ctx.today())
    ctx.set_profile(profile)
    return profile


def now_local() -> dt.datetime:
    return dt.datetime.now(dt.UTC).astimezone()


# ---------------------------------------------------------------------------
# Plain-language summary


@dataclass(frozen=True)
class Line:
    """One thing to say: the headline in words, and why (may be empty)."""

    text: str
    why: str = ""


@dataclass(frozen=True)
class ProfileSummary:
    headline: str
    verdict: Verdict
    limits: list[Line] = field(default_factory=list)
    blocked: list[Line] = field(default_factory=list)
    needs_clearance: list[Line] = field(default_factory=list)
    postpone: list[Line] = field(default_factory=list)
    rescreen: str | None = None


def _minutes(seconds: int) -> str:
    m = round(seconds / 60)
    return f"{m} minute{'s' if m != 1 else ''}"


def summarize(profile: SafetyProfile, unit: TemperatureUnit = "C") -> ProfileSummary:
    """What the person may do, each limit and why, and what waits for a clinician."""
    if profile.verdict is Verdict.BLOCKED:
        headline = "Thenar's massage is not for you at the moment."
    elif profile.verdict is Verdict.NEEDS_CLEARANCE:
        headline = "Please talk to a clinician before you use the massager."
    else:
        headline = "You can use Thenar for comfort and relaxation, within these limits."
    limits: list[Line] = []
    if profile.max_pressure.value == 0:
        limits.append(Line("Squeezing (compression): off.", profile.max_pressure.why.reason))
    else:
        limits.append(
            Line(
                f"Squeezing: up to {profile.max_pressure.value} mmHg.",
                profile.max_pressure.why.reason,
            )
        )
    if profile.heat_off:
        limits.append(Line("Heat: off.", profile.max_heat.why.reason))
    else:
        assert profile.max_heat_c is not None
        limits.append(
            Line(
                f"Heat: up to {format_temperature(profile.max_heat_c, unit)}, for at most "
                f"{_minutes(profile.max_heat_time.value)} a session.",
                profile.max_heat.why.reason,
            )
        )
    limits.append(
        Line(
            f"Each session: at most {_minutes(profile.max_session.value)}.",
            profile.max_session.why.reason,
        )
    )
    by_reason: dict[Why, list[str]] = {}
    for ban in profile.banned:
        by_reason.setdefault(ban.why, []).append(TECHNIQUES[ban.technique].name)
    for why, names in by_reason.items():
        limits.append(Line(f"Not used for you: {', '.join(names)}.", why.reason))
    return ProfileSummary(
        headline=headline,
        verdict=profile.verdict,
        limits=limits,
        blocked=[Line(b.why.title, b.why.reason) for b in profile.blocks],
        needs_clearance=[
            Line(
                p.why.title
                + (" (no sessions until then)" if p.blocks_session else " (heat stays off)"),
                p.why.reason,
            )
            for p in profile.pending_clearances
        ],
        postpone=[Line(w.title, w.reason) for w in profile.postpone],
        rescreen=profile.rescreen_due,
    )


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


def rescreen_due(profile: SafetyProfile | None) -> str | None:
    """Why the person should answer the safety questions again, or None."""
    if profile is None:
        return "Please answer the safety questions before your first session."
    return profile.rescreen_due


def clearable_titles(items: Iterable[str]) -> list[tuple[str, str]]:
    """(rule id, title) for clearance items, for a choice list."""
    rules = SCREENING_RULES.by_rule_id
    return [(i, rules[i].title) for i in items if i in rules]
