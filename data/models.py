"""The small typed values the store takes and returns.

They are the store's own types: other packages' objects (the BLE codec, the
therapy domain) reach the log as plain JSON-able dicts, so `data` depends on no
other part of Thenar. Range checks live in `__post_init__`, so an invalid
value cannot even be built.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from .errors import InvalidInputError
from .times import require_aware

JSON = dict[str, Any]
E = TypeVar("E", bound=StrEnum)

# Scales from docs/safety-and-care.md: pain NRS 0-10, stiffness 0-10.
SCORE_MIN, SCORE_MAX = 0, 10
# Morning stiffness is minutes from waking to maximal improvement: at most a day.
MORNING_STIFFNESS_MAX_MIN = 24 * 60
# Hand-grip dynamometers read to about 90-100 kg; 150 leaves room and catches typos.
GRIP_MAX_KG = 150.0
NOTE_MAX_CHARS = 2000


def _check_int(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(f"{name} must be a whole number, got {value!r}")
    if not low <= value <= high:
        raise InvalidInputError(f"{name} must be between {low} and {high}, got {value}")


def parse_enum(cls: type[E], value: object, what: str) -> E:
    """`cls(value)`, but an unknown value is an InvalidInputError naming the choices."""
    choices = ", ".join(m.value for m in cls)
    if not isinstance(value, str):
        raise InvalidInputError(f"{what} must be one of {choices}; got {value!r}")
    try:
        return cls(value)
    except ValueError:
        raise InvalidInputError(f"{what} must be one of {choices}; got {value!r}") from None


class Outcome(StrEnum):
    """How a session ended; RUNNING until it does (a crash leaves it RUNNING)."""

    RUNNING = "running"
    COMPLETED = "completed"
    STOPPED_BY_USER = "stopped_by_user"
    INTERRUPTED_LINK = "interrupted_link"
    INTERRUPTED_CRASH = "interrupted_crash"
    DEVICE_FAULT = "device_fault"


class SessionKind(StrEnum):
    """How a session was given: by a Thenar massager, by the person's own hands following
    Thenar's steps, or by another massager Thenar cannot drive (issue 14)."""

    THENAR = "thenar"
    BY_HAND = "by_hand"
    OTHER_MASSAGER = "other_massager"


class RatingKind(StrEnum):
    """When a rating was given: around a session, or a daily check-in without one."""

    BEFORE = "before"
    AFTER = "after"
    CHECKIN = "checkin"


class ReminderStatus(StrEnum):
    """What became of one scheduled reminder."""

    DONE = "done"
    SNOOZED = "snoozed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Rating:
    """A symptom rating as the user gave it."""

    at: datetime
    pain: int
    stiffness: int
    morning_stiffness_min: int | None = None
    grip_kg: float | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        require_aware(self.at, "rating time")
        _check_int("pain", self.pain, SCORE_MIN, SCORE_MAX)
        _check_int("stiffness", self.stiffness, SCORE_MIN, SCORE_MAX)
        if self.morning_stiffness_min is not None:
            _check_int(
                "morning stiffness (minutes)",
                self.morning_stiffness_min,
                0,
                MORNING_STIFFNESS_MAX_MIN,
            )
        if self.grip_kg is not None:
            g = self.grip_kg
            if isinstance(g, bool) or not isinstance(g, int | float) or not math.isfinite(g):
                raise InvalidInputError(f"grip strength must be a number of kg, got {g!r}")
            if not 0 < g <= GRIP_MAX_KG:
                raise InvalidInputError(
                    f"grip strength must be above 0 and at most {GRIP_MAX_KG} kg"
                )
        if self.note is not None and len(self.note) > NOTE_MAX_CHARS:
            raise InvalidInputError(f"a note is at most {NOTE_MAX_CHARS} characters")


@dataclass(frozen=True)
class RatingRecord:
    """A stored rating: its id, what it belongs to, and the rating itself."""

    id: int
    kind: RatingKind
    session_id: int | None
    rating: Rating


@dataclass(frozen=True)
class Device:
    """A paired massager."""

    id: str
    name: str
    firmware: str | None
    first_seen: datetime
    last_seen: datetime
    family: str = ""  # the description it matched (docs/drivers.md); "": not known


@dataclass(frozen=True)
class Program:
    """A program: built-in ones carry a stable `key`, the user's own have none."""

    id: int
    name: str
    definition: JSON
    key: str | None
    builtin: bool
    created_at: datetime
    archived: bool = False


@dataclass(frozen=True)
class ScreeningRecord:
    """A stored screening (the domain's is `therapy.Screening`): the answers, the rules
    version that judged them, the result."""

    id: int
    taken_at: datetime
    rules_version: str
    answers: JSON
    caps: JSON
    blocks: list[Any]


@dataclass(frozen=True)
class ClearanceRecord:
    """A stored clinician clearance (the domain's is `therapy.Clearance`), as typed (we
    cannot verify it)."""

    id: int
    what: str
    cleared_on: date
    cleared_by: str
    recorded_at: datetime
    screening_id: int | None = None


@dataclass(frozen=True)
class SessionStart:
    """What is known when a session begins: the program as it will run, caps, settings."""

    program_id: int
    program_run: JSON
    caps: JSON
    intensity: int
    heat_c: float | None
    started_at: datetime
    device_id: str | None = None
    kind: SessionKind = SessionKind.THENAR

    def __post_init__(self) -> None:
        require_aware(self.started_at, "session start")
        parse_enum(SessionKind, self.kind, "session kind")
        _check_int("intensity", self.intensity, 0, 255)
        if self.heat_c is not None and not (
            isinstance(self.heat_c, int | float) and 0 <= self.heat_c <= 60
        ):
            raise InvalidInputError(f"heat must be off or 0-60 °C, got {self.heat_c!r}")


@dataclass(frozen=True)
class SessionRecord:
    """A stored session."""

    id: int
    program_id: int
    program_name: str
    program_run: JSON
    caps: JSON
    intensity: int
    heat_c: float | None
    device_id: str | None
    started_at: datetime
    ended_at: datetime | None
    outcome: Outcome
    stop_reason: str | None
    kind: SessionKind = SessionKind.THENAR


@dataclass(frozen=True)
class TelemetrySample:
    """One status frame: time since session start, pressure per zone, heater temperature.

    Units follow the BLE protocol: whole mmHg (0-255) and tenths of a degree Celsius.
    """

    t_ms: int
    pressures_mmhg: tuple[int, ...]
    temperature_dc: int

    def __post_init__(self) -> None:
        _check_int("telemetry time", self.t_ms, 0, 2**31 - 1)
        _check_int("heater temperature", self.temperature_dc, 0, 1000)
        if not 1 <= len(self.pressures_mmhg) <= 32:
            raise InvalidInputError("telemetry needs between 1 and 32 zone pressures")
        for p in self.pressures_mmhg:
            _check_int("zone pressure", p, 0, 255)


@dataclass(frozen=True)
class CommandEntry:
    """One line of the audit trail of what was sent to the device."""

    id: int
    at: datetime
    command: str
    params: JSON
    result: str
    device_id: str | None = None
    session_id: int | None = None


@dataclass(frozen=True)
class ScheduleRecord:
    """A stored schedule (the domain's is `therapy.Schedule`): an RFC 5545 RRULE from
    `dtstart` in its IANA time zone, with the program and the reminder's lead time."""

    id: int
    program_id: int
    rrule: str
    dtstart: datetime
    lead_min: int
    enabled: bool

    @property
    def tz(self) -> ZoneInfo:
        """The schedule's zone (dtstart always carries a ZoneInfo)."""
        assert isinstance(self.dtstart.tzinfo, ZoneInfo)
        return self.dtstart.tzinfo


@dataclass(frozen=True)
class ReminderEvent:
    """What became of one occurrence of a schedule."""

    id: int
    schedule_id: int
    occurrence: datetime
    status: ReminderStatus
    at: datetime
    session_id: int | None = None
