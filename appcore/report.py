"""What the clinician's report says, gathered in one pass on the DB thread (issue 14).

The report speaks in one voice, about "the person", to a clinician: an
identification line (a name only if the person typed one), the period, the
screening (conditions, limits, clearances and who gave them), a table of
sessions with their kind, the caps in force and what the person changed during each
(gentler or firmer, warmth, spared zones), the trends (morning stiffness,
flares, medication changes), the notes, and what the numbers can and cannot
show. Every sentence is built here, as text, so tests read it without a PDF.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from appcore import screening_log as flows
from appcore.progress import load_progress, signed
from appcore.progress_entries import load_entry_progress
from data import screenings as screening_log
from data.models import SessionKind
from data.queries import newest_sessions_in, sessions_by_kind_between
from data.session_changes import session_changes
from therapy import Verdict

if TYPE_CHECKING:
    from appcore.progress import ProgressData, Span
    from appcore.progress_entries import EntryProgress
    from data.db import LogDb

# One or two pages: the newest sessions of the period in the table; the rest are
# counted (every session is in the sessions CSV).
SESSION_ROWS = 12
NOTES_SHOWN = 6
KIND_SHORT = {
    SessionKind.THENAR: "Thenar",
    SessionKind.BY_HAND: "by hand",
    SessionKind.OTHER_MASSAGER: "other massager",
}
OUTCOME_WORDS = {
    "running": "running",
    "completed": "completed",
    "stopped_by_user": "stopped by the person",
    "interrupted_link": "interrupted (link lost)",
    "interrupted_crash": "interrupted (app closed)",
    "device_fault": "stopped by a device fault",
}
LIMITS_OF_THE_DATA = (
    "What these numbers can show: how the person rated their own pain and stiffness "
    "(0 = none, 10 = worst), how long their hands stayed stiff in the morning, where it "
    "hurt, flares, medications they listed, and when and how they massaged. What they "
    "cannot show: a diagnosis, the cause of any change (massage, medication, weather and "
    "activity all vary together), or a lasting effect; a change of about 2 points on a "
    "0-10 scale is the usual threshold for a difference that matters to people. Thenar is "
    "a wellness companion for comfort and relaxation, not a medical device."
)


@dataclass(frozen=True)
class SessionRow:
    """One line of the sessions table."""

    day: str
    kind: str
    routine: str
    minutes: str
    outcome: str
    pain: str  # "5 → 3", or "" when not rated
    caps: str
    changes: str  # what the person changed during it, in words ("": nothing)


@dataclass(frozen=True)
class ClinicianReport:
    """Everything the PDF prints, in order, as plain text (and the data its charts use)."""

    title: str
    identification: str
    period: str
    screening: list[str]
    clearances: list[str]
    sessions_heading: str
    sessions: list[SessionRow]
    sessions_more: str
    trends: list[str]
    programs: list[str]
    notes: list[str]
    limits: str
    progress: ProgressData
    entries: EntryProgress


def _caps_words(raw: Any, kind: SessionKind) -> str:
    if kind is not SessionKind.THENAR:
        return "none: no Thenar device"
    if not isinstance(raw, dict):
        return ""
    parts = []
    pressure = raw.get("max_pressure_mmhg", raw.get("max_mmhg"))
    if isinstance(pressure, dict):
        pressure = pressure.get("value")
    if isinstance(pressure, int | float):
        parts.append(f"≤{pressure:g} mmHg")
    heat = raw.get("max_heat_dc")
    if isinstance(heat, dict):
        heat = heat.get("value")
    heat_c = raw.get("max_heat_c")
    if isinstance(heat, int | float):
        parts.append("no heat" if heat == 0 else f"≤{heat / 10:g} °C")
    elif isinstance(heat_c, int | float):
        parts.append(f"≤{heat_c:g} °C")
    return ", ".join(parts)


def _sessions(
    db: LogDb, start: dt.date, end: dt.date, fmt: Callable[[dt.date], str]
) -> list[SessionRow]:
    out = []
    sessions = newest_sessions_in(db, start, end, SESSION_ROWS)
    changes = session_changes(db, [s.session_id for s in sessions])
    for s in sessions:
        minutes = (
            f"{round((s.ended_at - s.started_at).total_seconds() / 60)}"
            if s.ended_at is not None
            else ""
        )
        no_pain = s.pain_before is None and s.pain_after is None
        pain = "" if no_pain else f"{_n(s.pain_before)} → {_n(s.pain_after)}"
        out.append(
            SessionRow(
                fmt(s.started_at.date()),
                KIND_SHORT[s.kind],
                s.name,
                minutes,
                OUTCOME_WORDS.get(s.outcome, s.outcome),
                pain,
                _caps_words(s.caps, s.kind),
                changes[s.session_id].summary(),
            )
        )
    return out


def _n(value: int | None) -> str:
    return "–" if value is None else str(value)


def _screening(db: LogDb, today: dt.date, fmt: Callable[[dt.date], str]) -> list[str]:
    latest = screening_log.latest_screening(db)
    profile = flows.load_profile(db, today)
    if latest is None or profile is None:
        return ["The person has not answered Thenar's safety questions."]
    lines = [f"Safety questions answered on {fmt(latest.taken_at.date())}."]
    verdict = {
        Verdict.ALLOWED: "Massage allowed within the limits below.",
        Verdict.NEEDS_CLEARANCE: "No sessions until a clinician's clearance is recorded.",
        Verdict.BLOCKED: "No sessions: "
        + "; ".join(dict.fromkeys(b.why.title for b in profile.blocks))
        + ".",
    }[profile.verdict]
    lines.append(verdict)
    conditions = list(
        dict.fromkeys(w.title for w in profile.applied if not w.rule_id.startswith("default"))
    )
    lines.append(
        "Answers that changed the limits: " + "; ".join(conditions) + "."
        if conditions
        else "No answer changed the default limits."
    )
    heat = "off" if profile.heat_off else f"at most {profile.max_heat.value / 10:g} °C"
    lines.append(
        f"Limits in force: pressure at most {profile.max_pressure.value} mmHg "
        f"({profile.max_pressure.why.title.lower()}); heat {heat} "
        f"({profile.max_heat.why.title.lower()}); sessions at most "
        f"{round(profile.max_session.value / 60)} minutes."
    )
    if profile.banned:
        lines.append(
            "Techniques left out: "
            + "; ".join(
                f"{b.technique.value.replace('_', ' ')} ({b.why.title})" for b in profile.banned
            )
            + "."
        )
    if profile.pending_clearances:
        lines.append(
            "Waiting for a clinician's clearance: "
            + "; ".join(p.why.title for p in profile.pending_clearances)
            + "."
        )
    return lines


def _clearances(db: LogDb, fmt: Callable[[dt.date], str]) -> list[str]:
    records = flows.list_clearance_records(db)
    if not records:
        return ["No clinician clearances recorded."]
    out = []
    for c in records:
        state = "in force" if c.applies else "not in force"
        if c.withdrawn_at is not None:
            state = f"withdrawn on {fmt(c.withdrawn_at.date())}"
        out.append(f"{c.title}: cleared by {c.cleared_by} on {fmt(c.cleared_on)} ({state}).")
    out.append("Clearances are as the person recorded them; Thenar cannot check them.")
    return out


def _mean_line(measure: str, points: list[float]) -> str:
    if not points:
        return f"{measure}: not rated in this period."
    n = len(points)
    return (
        f"{measure}: average {sum(points) / n:.1f} out of 10 over {n} day{'s' if n != 1 else ''}."
    )


def load_report(
    db: LogDb,
    span: Span,
    today: dt.date,
    name: str,
    format_date: Callable[[dt.date], str],
) -> ClinicianReport:
    """The report's content for the range `span` ending `today` (on the DB thread)."""
    data = load_progress(db, span, today, format_date)
    entries = load_entry_progress(
        db, data.start, data.end, data.bucket == "week", format_date, whose="the person's"
    )
    rows = _sessions(db, data.start, data.end, format_date)
    by_kind = sessions_by_kind_between(db, data.start, data.end)
    total = sum(by_kind.values())
    name = name.strip()[:80]
    identification = (
        f"Prepared for: {name}." if name else "Name not given: the person chose to stay unnamed."
    )
    kinds = ", ".join(f"{by_kind[k]} {KIND_SHORT[k]}" for k in SessionKind if by_kind.get(k))
    heading = f"Sessions in this period: {total}" + (f" ({kinds})." if kinds else ".")
    more = (
        f"The table shows the newest {len(rows)}; every session is in the sessions CSV export."
        if total > len(rows)
        else ""
    )
    unit = "weeks" if data.bucket == "week" else "days"
    trends = [
        _mean_line("Pain", [p.value for p in data.pain.points]).replace(" day", f" {unit[:-1]}"),
        _mean_line("Stiffness", [p.value for p in data.stiffness.points]).replace(
            " day", f" {unit[:-1]}"
        ),
    ]
    trends += entries.sentences
    programs = [
        f"{row.name}: pain {signed(row.pain.mean or 0.0)} right after compared with right "
        f"before, {row.pain.n} session{'s' if row.pain.n != 1 else ''}. {row.note}"
        for row in data.programs
    ] or ["No sessions rated both before and after in this period."]
    notes = [f"{format_date(m.day)}: {m.text}" for m in reversed(entries.notes[:NOTES_SHOWN])] or [
        "No notes in this period."
    ]
    return ClinicianReport(
        title="Thenar: hand comfort record for a clinician",
        identification=identification,
        period=f"Period: {format_date(data.start)} to {format_date(data.end)}.",
        screening=_screening(db, today, format_date),
        clearances=_clearances(db, format_date),
        sessions_heading=heading,
        sessions=rows,
        sessions_more=more,
        trends=trends,
        programs=programs,
        notes=notes,
        limits=LIMITS_OF_THE_DATA,
        progress=data,
        entries=entries,
    )
