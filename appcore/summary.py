"""The safety result in plain words: each limit and why, what waits, what to do next.

Wording only: the profile is decided in `therapy`, the flows in `appcore.screening`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from appcore.settings import format_temperature
from therapy import SCREENING_RULES, TECHNIQUES, SafetyProfile, Verdict
from therapy.rules import CHECKIN_RULES, DESIGN

if TYPE_CHECKING:
    from appcore.settings import TemperatureUnit
    from therapy import Why
    from therapy.rules import CapName, Rule

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


def rescreen_due(profile: SafetyProfile | None) -> str | None:
    """Why the person should answer the safety questions again, or None."""
    if profile is None:
        return "Please answer the safety questions before your first session."
    return profile.rescreen_due


def clearable_titles(items: Iterable[str]) -> list[tuple[str, str]]:
    """(rule id, title) for clearance items, for a choice list."""
    rules = SCREENING_RULES.by_rule_id
    return [(i, rules[i].title) for i in items if i in rules]
