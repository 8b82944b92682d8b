"""Typed errors of the therapy domain, so the app can tell bad input from a safety refusal."""

from __future__ import annotations


class TherapyError(Exception):
    """Base of every error raised by `therapy`."""


class ScreeningError(TherapyError, ValueError):
    """Answers, check-ins or clearance records that do not fit the questionnaire (a caller bug)."""


class InvalidProgram(TherapyError, ValueError):
    """A routine or custom program that cannot be built; `problems` lists every reason found."""

    def __init__(self, problems: list[str] | tuple[str, ...]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


class SessionNotAllowed(TherapyError):
    """The profile does not allow a session (blocked, awaiting clearance, or nothing left to run).

    `reasons` are plain-language sentences for the person, not for a developer.
    """

    def __init__(self, reasons: list[str] | tuple[str, ...]) -> None:
        self.reasons = tuple(reasons)
        super().__init__(" ".join(self.reasons))


class ScheduleError(TherapyError, ValueError):
    """A recurrence rule or schedule that is not valid RFC 5545 or not usable for sessions."""
