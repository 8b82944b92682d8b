"""Screening, clearances and the daily check-in, as Qt-free flows the views drive.

The views only show what these objects say and write back what the person chose, so
every rule about order, validation, saving and wording is tested without a display.
All database work takes a `Database` (run it through `ctx.db.run`); `save_screening`,
`record_clearance_for` do that; `appcore.safety.SafetyOwner` calls them.

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
from therapy.rules import CHECKIN_RULES, DESIGN, CapName, Rule, RuleSet

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


def caps_json(profile: SafetyProfile) -> dict[str, Any]:
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
        caps=caps_json(profile),
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
    loaded = load_screening(db, today)
    return None if loaded is None else loaded[1]


def load_screening(db: Database, today: dt.date) -> tuple[int, SafetyProfile] | None:
    """The latest screening's id and the profile it gives today with its clearances."""
    latest = store.latest_screening(db)
    if latest is None:
        return None
    screened_on = latest.taken_at.astimezone().date()
    screening = Screening(
        _usable_answers(latest.answers, SCREENING_RULES),
        completed_on=min(screened_on, today),
        rules_version=latest.rules_version,
    )
    profile = evaluate_screening(screening, clearances_for(db, latest.id, today), today=today)
    return latest.id, profile


@dataclass(frozen=True)
class StoredClearance:
    """One clearance as recorded, with its title in words and whether it applies now.

    `id` is the record's, for withdrawing it (`SafetyService.remove_clearance`);
    `withdrawn_at` says when it was withdrawn (it stays in the log, and applies no more).
    """

    id: int
    what: str
    title: str
    cleared_on: dt.date
    cleared_by: str
    applies: bool
    withdrawn_at: dt.datetime | None = None


def list_clearance_records(db: Database) -> list[StoredClearance]:
    """Every recorded clearance, withdrawn ones too, newest first, for the Settings list."""
    latest = store.latest_screening(db)
    rules = SCREENING_RULES.by_rule_id
    withdrawn = store.withdrawn_clearances(db)
    out = [
        StoredClearance(
            c.id,
            c.what,
            rules[c.what].title if c.what in rules else c.what,
            c.cleared_on,
            c.cleared_by,
            c.id not in withdrawn and latest is not None and c.screening_id == latest.id,
            withdrawn.get(c.id),
        )
        for c in store.list_clearances(db, withdrawn=True)
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


def now_local() -> dt.datetime:
    return dt.datetime.now(dt.UTC).astimezone()


# ---------------------------------------------------------------------------
# Plain-language summary

_RULES_BY_ID: Mapping[str, Rule] = {**SCREENING_RULES.by_rule_id, **CHECKIN_RULES.by_rule_id}

DESIGN_NOTE = (
    "The numbers above are Thenar design values: no published figures exist for hand "
    "massagers, so Thenar chose them on the careful side."
)


class NextStep(enum.StrEnum):
    """What to do once the result is read; the value is what the page says."""

    RECORD_CLEARANCE = "Record a clinician's clearance in Settings"
    PAIR = "Pair your massager on the Device page"
    MASSAGE = "Go to Massage"

    @property
    def page(self) -> str:
        """The title of the page where this step is done (the words name it too)."""
        return {
            NextStep.RECORD_CLEARANCE: "Settings",
            NextStep.PAIR: "Device",
            NextStep.MASSAGE: "Massage",
        }[self]


@dataclass(frozen=True)
class Line:
    """One thing to say: the headline in words, and why (may be empty).

    `cap` names the limit a line states (None for blocks, clearances and the like), so
    each limit has one line and that line's reason is about that limit only.
    """

    text: str
    why: str = ""
    cap: CapName | None = None


@dataclass(frozen=True)
class ProfileSummary:
    headline: str
    verdict: Verdict
    limits: list[Line] = field(default_factory=list)
    blocked: list[Line] = field(default_factory=list)
    needs_clearance: list[Line] = field(default_factory=list)
    postpone: list[Line] = field(default_factory=list)
    rescreen: str | None = None
    design_note: str = ""  # where the numbers come from: said once, under the limits
    next_step: NextStep | None = None  # None: nothing to do for now (a session is blocked)


def _minutes(seconds: int) -> str:
    m = round(seconds / 60)
    return f"{m} minute{'s' if m != 1 else ''}"


def once_cleared(profile: SafetyProfile) -> SafetyProfile:
    """The profile's limits once every pending clearance is recorded.

    Replays the rules that built `profile` with their cleared effect: the caps and bans
    are then those `evaluate_screening` gives with those clearances (and today's check-in,
    if `profile` is a day's). Blocks and pending items of the result mean nothing.
    """
    if not profile.pending_clearances:
        return profile
    later = SafetyProfile(profile.rules_version, profile.screened_on, day=profile.day)
    for why in profile.applied:
        rule = _RULES_BY_ID.get(why.rule_id)
        if rule is not None:
            later = later.with_effect(why, rule.effect)
    return later


def next_step(profile: SafetyProfile, paired: bool) -> NextStep | None:
    """The one thing to do next: record clearances, pair the massager, or massage."""
    if any(not b.lifted_by_helper for b in profile.blocks):
        return None  # nothing the person can do in Thenar changes this for now
    if profile.pending_clearances:
        return NextStep.RECORD_CLEARANCE
    return NextStep.MASSAGE if paired else NextStep.PAIR


class _Limits:
    """Writes one line per limit: the value in force, and what a clearance changes it to."""

    def __init__(self, profile: SafetyProfile, unit: TemperatureUnit) -> None:
        self.now = profile
        self.later = once_cleared(profile)
        self.unit = unit
        self.pending = {p.item: p for p in profile.pending_clearances}
        self.shown: list[Why] = []

    def _when_cleared(self, whys: Iterable[Why]) -> str:
        """How to say the clearance is done: which one(s), when more than one is pending."""
        if len(self.pending) == 1:
            return "your clearance is recorded"
        titles = list(dict.fromkeys(w.title for w in whys if w.rule_id in self.pending))
        names = " and ".join(f"“{t}”" for t in titles)
        if not titles:
            return "your clearances are recorded"
        if len(titles) == 1:
            return f"the clearance for {names} is recorded"
        return f"the clearances for {names} are recorded"

    def line(self, cap: CapName, label: str, now: tuple[str, Why], later: tuple[str, Why]) -> Line:
        (now_text, now_why), (later_text, later_why) = now, later
        self.shown.append(now_why)
        why = now_why.about(cap)
        if later_text == now_text:
            return Line(f"{label}: {now_text}.", why, cap)
        self.shown.append(later_why)
        when = self._when_cleared((now_why, later_why))
        if self.now.verdict is Verdict.NEEDS_CLEARANCE:  # nothing runs until then
            return Line(f"{label}: {later_text} once {when}.", later_why.about(cap), cap)
        if later_why != now_why and later_why.rule_id in self.pending:
            why += f" Once cleared: {later_why.about(cap)}"
        return Line(f"{label}: {now_text} until {when}, then {later_text}.", why, cap)

    def pressure(self) -> Line:
        def words(p: SafetyProfile) -> tuple[str, Why]:
            cap = p.max_pressure
            return ("off" if cap.value == 0 else f"up to {cap.value} mmHg"), cap.why

        now = words(self.now)
        label = "Squeezing (compression)" if self.now.max_pressure.value == 0 else "Squeezing"
        return self.line("pressure", label, now, words(self.later))

    def heat(self) -> Line:
        def words(p: SafetyProfile) -> tuple[str, Why]:
            if p.max_heat_c is None:
                return "off", p.max_heat.why
            temp = format_temperature(p.max_heat_c, self.unit)
            minutes = _minutes(p.max_heat_time.value)
            return f"up to {temp}, for at most {minutes} a session", p.max_heat.why

        line = self.line("heat", "Heat", words(self.now), words(self.later))
        time_why = self.now.max_heat_time.why
        if not self.now.heat_off and time_why != self.now.max_heat.why:
            self.shown.append(time_why)
            line = Line(line.text, f"{line.why} {time_why.about('heat')}", line.cap)
        return line

    def session(self) -> Line:
        def words(p: SafetyProfile) -> tuple[str, Why]:
            return f"at most {_minutes(p.max_session.value)}", p.max_session.why

        return self.line("session", "Each session", words(self.now), words(self.later))

    def techniques(self) -> list[Line]:
        """Left-out techniques, one line per reason; then those a clearance will leave out."""
        out: list[Line] = []
        coming = tuple(b for b in self.later.banned if self.now.allows(b.technique))
        for bans, now in ((self.now.banned, True), (coming, False)):
            by_reason: dict[Why, list[str]] = {}
            for ban in bans:
                by_reason.setdefault(ban.why, []).append(TECHNIQUES[ban.technique].name)
            for why, names in by_reason.items():
                self.shown.append(why)
                lead = "Not used for you"
                if not now:
                    lead = f"Once {self._when_cleared([why])}, not used for you"
                out.append(
                    Line(f"{lead}: {', '.join(names)}.", why.about("techniques"), "techniques")
                )
        return out


def summarize(
    profile: SafetyProfile, unit: TemperatureUnit = "C", *, paired: bool = False
) -> ProfileSummary:
    """What the person may do, each limit and why, what waits for a clinician, what next.

    Each limit is one line with the value in force; when a pending clearance will change
    it, the same line says to what. `paired`: a massager is chosen on the Device page.
    """
    if profile.verdict is Verdict.BLOCKED:
        headline = "Thenar's massage is not for you at the moment."
    elif profile.verdict is Verdict.NEEDS_CLEARANCE:
        headline = "Please talk to a clinician before you use the massager."
    else:
        headline = "You can use Thenar for comfort and relaxation, within these limits."
    writer = _Limits(profile, unit)
    limits = [writer.pressure(), writer.heat(), writer.session(), *writer.techniques()]
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
        design_note=DESIGN_NOTE if any(DESIGN in w.source for w in writer.shown) else "",
        next_step=next_step(profile, paired),
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
