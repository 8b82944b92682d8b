"""Thenar's domain: screening, safety caps, massage programs and schedules.

Pure: plain data in, plain data out, no I/O, no Qt, no transport (an import-linter
contract in pyproject.toml keeps it so; it knows no wire format either). The only
outside imports of Thenar's are `massage`, the zones, patterns and caps every layer
shares, and `student_t` for the trial's analysis; a driver turns the plans compiled
here into what its massager understands.

Each name below loads its module when first used (PEP 562), so a caller pays only for
the parts of the domain it touches: the first window needs the screening rules, not the
trial's analysis or the program compiler (issue 13).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .checkin import (
        CheckIn as CheckIn,
    )
    from .checkin import (
        apply_checkin as apply_checkin,
    )
    from .compiler import (
        Change as Change,
    )
    from .compiler import (
        ChangeKind as ChangeKind,
    )
    from .compiler import (
        CompiledProgram as CompiledProgram,
    )
    from .compiler import (
        CustomProgram as CustomProgram,
    )
    from .compiler import (
        StepGuidance as StepGuidance,
    )
    from .compiler import (
        compile_program as compile_program,
    )
    from .compiler import (
        validate_program as validate_program,
    )
    from .errors import (
        InvalidProgram as InvalidProgram,
    )
    from .errors import (
        ScheduleError as ScheduleError,
    )
    from .errors import (
        ScreeningError as ScreeningError,
    )
    from .errors import (
        SessionNotAllowed as SessionNotAllowed,
    )
    from .errors import (
        TherapyError as TherapyError,
    )
    from .profile import (
        Cap as Cap,
    )
    from .profile import (
        Clearance as Clearance,
    )
    from .profile import (
        SafetyProfile as SafetyProfile,
    )
    from .profile import (
        Screening as Screening,
    )
    from .profile import (
        Verdict as Verdict,
    )
    from .profile import (
        Why as Why,
    )
    from .profile import (
        evaluate_screening as evaluate_screening,
    )
    from .profile import (
        rescreen_reason as rescreen_reason,
    )
    from .questionnaire import (
        CHECKIN_QUESTIONS as CHECKIN_QUESTIONS,
    )
    from .questionnaire import (
        SCREENING_QUESTIONS as SCREENING_QUESTIONS,
    )
    from .questionnaire import (
        Question as Question,
    )
    from .resume import (
        remaining_plan as remaining_plan,
    )
    from .routines import (
        ROUTINES as ROUTINES,
    )
    from .routines import (
        Routine as Routine,
    )
    from .rules import (
        CHECKIN_RULES as CHECKIN_RULES,
    )
    from .rules import (
        RULES_VERSION as RULES_VERSION,
    )
    from .rules import (
        SCREENING_RULES as SCREENING_RULES,
    )
    from .schedule import (
        Schedule as Schedule,
    )
    from .schedule import (
        missed as missed,
    )
    from .schedule import (
        overloaded_days as overloaded_days,
    )
    from .techniques import (
        EXERCISES as EXERCISES,
    )
    from .techniques import (
        TECHNIQUES as TECHNIQUES,
    )
    from .techniques import (
        BlockSpec as BlockSpec,
    )
    from .techniques import (
        Exercise as Exercise,
    )
    from .techniques import (
        Muscle as Muscle,
    )
    from .techniques import (
        Technique as Technique,
    )

# Each public name and the module that defines it.
_HOME: dict[str, str] = {
    "BlockSpec": "techniques",
    "CHECKIN_QUESTIONS": "questionnaire",
    "CHECKIN_RULES": "rules",
    "Cap": "profile",
    "Change": "compiler",
    "ChangeKind": "compiler",
    "CheckIn": "checkin",
    "Clearance": "profile",
    "CompiledProgram": "compiler",
    "CustomProgram": "compiler",
    "EXERCISES": "techniques",
    "Exercise": "techniques",
    "InvalidProgram": "errors",
    "Muscle": "techniques",
    "Question": "questionnaire",
    "ROUTINES": "routines",
    "RULES_VERSION": "rules",
    "Routine": "routines",
    "SCREENING_QUESTIONS": "questionnaire",
    "SCREENING_RULES": "rules",
    "SafetyProfile": "profile",
    "Schedule": "schedule",
    "ScheduleError": "errors",
    "Screening": "profile",
    "ScreeningError": "errors",
    "SessionNotAllowed": "errors",
    "StepGuidance": "compiler",
    "TECHNIQUES": "techniques",
    "Technique": "techniques",
    "TherapyError": "errors",
    "Verdict": "profile",
    "Why": "profile",
    "apply_checkin": "checkin",
    "compile_program": "compiler",
    "evaluate_screening": "profile",
    "missed": "schedule",
    "overloaded_days": "schedule",
    "remaining_plan": "resume",
    "rescreen_reason": "profile",
    "validate_program": "compiler",
}

__all__ = sorted(_HOME)  # what `from therapy import *` gives


def __getattr__(name: str) -> object:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # from now on a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOME})
