"""Thenar's domain: screening, safety caps, massage programs and schedules.

Pure: plain data in, plain data out, no I/O, no Qt, no transport (an import-linter
contract in pyproject.toml keeps it so; it knows no wire format either). The only
outside imports of Thenar's are `massage`, the zones, patterns and caps every layer
shares, and `student_t` for the trial's analysis; a driver turns the plans compiled
here into what its massager understands.
"""

from .checkin import CheckIn, apply_checkin
from .compiler import (
    Change,
    ChangeKind,
    CompiledProgram,
    CustomProgram,
    StepGuidance,
    compile_program,
    validate_program,
)
from .errors import (
    InvalidProgram,
    ScheduleError,
    ScreeningError,
    SessionNotAllowed,
    TherapyError,
)
from .profile import (
    Cap,
    Clearance,
    SafetyProfile,
    Screening,
    Verdict,
    Why,
    evaluate_screening,
    rescreen_reason,
)
from .questionnaire import CHECKIN_QUESTIONS, SCREENING_QUESTIONS, Question
from .resume import remaining_plan
from .routines import ROUTINES, Routine
from .rules import CHECKIN_RULES, RULES_VERSION, SCREENING_RULES
from .schedule import Schedule, missed, overloaded_days
from .techniques import EXERCISES, TECHNIQUES, BlockSpec, Exercise, Muscle, Technique

__all__ = [
    "CHECKIN_QUESTIONS",
    "CHECKIN_RULES",
    "EXERCISES",
    "ROUTINES",
    "RULES_VERSION",
    "SCREENING_QUESTIONS",
    "SCREENING_RULES",
    "TECHNIQUES",
    "BlockSpec",
    "Cap",
    "Change",
    "ChangeKind",
    "CheckIn",
    "Clearance",
    "CompiledProgram",
    "CustomProgram",
    "Exercise",
    "InvalidProgram",
    "Muscle",
    "Question",
    "Routine",
    "SafetyProfile",
    "Schedule",
    "ScheduleError",
    "Screening",
    "ScreeningError",
    "SessionNotAllowed",
    "StepGuidance",
    "Technique",
    "TherapyError",
    "Verdict",
    "Why",
    "apply_checkin",
    "compile_program",
    "evaluate_screening",
    "missed",
    "overloaded_days",
    "remaining_plan",
    "rescreen_reason",
    "validate_program",
]
