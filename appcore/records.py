"""Domain values as log rows and back: the one place for each conversion.

`data` knows no domain type (its rows are `*Record`s with plain JSON), so what a
screening, a clearance, a schedule, a session's caps and its program look like in
the log is decided here, once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from therapy import (
    SCREENING_QUESTIONS,
    SCREENING_RULES,
    Clearance,
    Screening,
)

if TYPE_CHECKING:
    from ble import protocol as p
    from data.models import ClearanceRecord, ScheduleRecord, ScreeningRecord
    from therapy import (
        CustomProgram,
        Routine,
        SafetyProfile,
        Schedule,
        Why,
    )
    from therapy.rules import RuleSet


def caps_json(profile: SafetyProfile, **extra: Any) -> dict[str, Any]:
    """The one shape of "caps" in the log (screenings, check-ins, sessions): each cap's
    value with the rule that set it and why, the banned techniques, what waits for a
    clinician and the verdict; `extra` adds context (a session's `checked_in_at`)."""

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
        **extra,
    }


def cap_values(caps: Mapping[str, Any]) -> tuple[int, int, int]:
    """(pressure mmHg, heat in tenths of °C, session s) from a stored "caps" object."""
    return (
        caps["max_pressure_mmhg"]["value"],
        caps["max_heat_dc"]["value"],
        caps["max_session_s"]["value"],
    )


def blocks_json(profile: SafetyProfile) -> list[Any]:
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


def usable_answers(raw: Any, rules: RuleSet) -> dict[str, str | frozenset[str]]:
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


def screening_of(record: ScreeningRecord, today: dt.date) -> Screening:
    """The domain screening a stored one gives today (answers a newer rules version no
    longer asks count as unanswered)."""
    return Screening(
        usable_answers(record.answers, SCREENING_RULES),
        completed_on=min(record.taken_at.astimezone().date(), today),
        rules_version=record.rules_version,
    )


def clearance_of(record: ClearanceRecord) -> Clearance:
    """The domain clearance of a stored one."""
    return Clearance(record.what, record.cleared_on, record.cleared_by)


def schedule_of(record: ScheduleRecord) -> Schedule:
    """The domain schedule of a stored one; raises `therapy.ScheduleError` if its rule
    cannot be read (the caller decides whether to skip it)."""
    from therapy.schedule import Schedule  # dateutil's rules load with the reminders

    return Schedule(record.rrule, record.dtstart)


def program_run_json(
    spec: Routine | CustomProgram, program: p.Program, changes: Sequence[str], resumed: bool
) -> dict[str, Any]:
    """A session's program as it ran: the blocks chosen, the device steps, what the caps
    changed and whether it was a resume."""
    from appcore.programs import block_to_json  # the programs' module loads with a session

    return {
        "name": spec.name,
        "blocks": [block_to_json(b) for b in spec.blocks],
        "steps": [
            {
                "duration_s": s.duration_s,
                "pattern": s.pattern.name.lower(),
                "heat_dc": s.heat_dc,
                "pressures_mmhg": list(s.pressures_mmhg),
            }
            for s in program.steps
        ],
        "changes": list(changes),
        "resumed": resumed,
    }
