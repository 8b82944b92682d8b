"""The one owner of the person's safety state in force now.

The latest screening, its clearances and today's check-in live in the log; this
object derives from them the profile and the caps in force, and announces every
change with a typed `SafetyChanged` event. Views, the session controller and the
massager's caps sync read `state` or subscribe; nobody keeps a copy that can go
stale. A check-in is part of one local day under one screening: it expires at the
person's midnight and as soon as a new screening is saved.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import enum
import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from appcore import screening_log as screenings
from appcore.events import Observers
from appcore.records import caps_json
from data import checkins as checkin_log
from data import entries as entry_log
from data import screenings as screening_log
from data.tx import writing
from massage import Limits
from therapy import (
    CheckIn,
    Screening,
    ScreeningError,
    Verdict,
    apply_checkin,
    evaluate_screening,
)

if TYPE_CHECKING:
    from appcore.db_worker import DbWorker
    from appcore.events import Subscription
    from data.db import LogDb
    from therapy import (
        SafetyProfile,
    )

log = logging.getLogger(__name__)

# The device's Limits while no session may run (never screened, blocked, waiting for a
# clearance): no pressure, no heat, and the shortest session the profile allows, so the
# massager itself is inert even if a command got through. The device refuses a 0 s limit.
LOCKED_CAPS = Limits(max_pressure_mmhg=0, max_heat_dc=0, max_session_s=60)
DAY_CHECK_INTERVAL_S = 60.0  # how often the day clock looks at the date (sleep, clock changes)


@dataclass(frozen=True)
class TodaysCheckIn:
    """Today's check-in as stored: the answers and when they were given."""

    checkin: CheckIn
    taken_at: dt.datetime
    record_id: int


@dataclass(frozen=True)
class SafetyState:
    """What holds now: the screening profile, today's check-in and what they give."""

    today: dt.date
    screening_id: int | None = None
    base: SafetyProfile | None = None  # the screening with its clearances
    checkin: TodaysCheckIn | None = None  # today's, under this screening

    @property
    def profile(self) -> SafetyProfile | None:
        """The profile in force: the screening's, made stricter by today's check-in."""
        if self.base is None:
            return None
        if self.checkin is None:
            return self.base
        return apply_checkin(self.base, self.checkin.checkin)

    @property
    def checked_in(self) -> bool:
        return self.checkin is not None

    @property
    def allowed(self) -> bool:
        """The profile lets a session run (the check-in may still be due)."""
        profile = self.profile
        return profile is not None and profile.verdict is Verdict.ALLOWED

    @property
    def may_start(self) -> bool:
        """A session may start now: allowed, and today's check-in is done."""
        return self.allowed and self.checked_in

    @property
    def caps(self) -> Limits:
        """The caps the massager must hold now."""
        profile = self.profile
        if profile is None or profile.verdict is not Verdict.ALLOWED:
            return LOCKED_CAPS
        return profile.device_limits()

    def why_not(self) -> str:
        """Why a session cannot start now, in plain words ("" when it can)."""
        profile = self.profile
        if profile is None:
            return "Answer the safety questions on the Home page first."
        if profile.verdict is not Verdict.ALLOWED:
            return "Thenar cannot run a session now: " + " ".join(profile.reasons_not_allowed())
        if not self.checked_in:
            return "Today's check-in comes first: a few quick questions about your hands."
        return ""

    def expired(self, today: dt.date) -> SafetyState:
        """This state on a later day: yesterday's check-in no longer counts."""
        return dataclasses.replace(self, today=today, checkin=None)


class SafetyChange(enum.Enum):
    LOADED = "loaded"
    SCREENED = "screened"
    CLEARANCE_ADDED = "clearance added"
    CLEARANCE_REMOVED = "clearance removed"
    CHECKED_IN = "checked in"
    NEW_DAY = "new day"


@dataclass(frozen=True)
class SafetyChanged:
    """One change of the safety state; `before` and `after` are complete states."""

    change: SafetyChange
    before: SafetyState
    after: SafetyState

    @property
    def caps_lowered(self) -> bool:
        return not self.before.caps.at_most(self.after.caps)


def _load(db: LogDb, today: dt.date) -> SafetyState:
    loaded = screenings.load_screening(db, today)
    if loaded is None:
        return SafetyState(today)
    screening_id, base = loaded
    record = checkin_log.latest_checkin_on(db, today)
    checkin = None
    if record is not None and record.screening_id == screening_id:
        try:
            answers = {str(k): str(v) for k, v in dict(record.answers).items()}
            checkin = TodaysCheckIn(
                CheckIn.from_answers(today, answers), record.taken_at, record.id
            )
        except (ScreeningError, TypeError, ValueError):
            log.warning("check-in %d cannot be read under today's questions", record.id)
    return SafetyState(today, screening_id, base, checkin)


def checkin_entry(
    checkin: CheckIn, now: dt.datetime, details: entry_log.Entry | None
) -> entry_log.Entry:
    """The day's entry a check-in makes: its discomfort is the pain score, its flare the flare,
    with whatever else the person added (stiffness, hands, zones, a note, medications)."""
    if details is None:
        return entry_log.Entry(at=now, pain=checkin.discomfort, flare=checkin.flare)
    return dataclasses.replace(details, at=now, pain=checkin.discomfort, flare=checkin.flare)


def _save_checkin(
    db: LogDb, checkin: CheckIn, now: dt.datetime, details: entry_log.Entry | None
) -> SafetyState:
    state = _load(db, checkin.day)
    if state.base is None or state.screening_id is None:
        raise ValueError("Please answer the safety questions first.")
    day = apply_checkin(state.base, checkin)
    entry = checkin_entry(checkin, now, details)
    with writing(db):  # the check-in and its entry: both or neither
        checkin_id = checkin_log.record_checkin(
            db,
            screening_id=state.screening_id,
            taken_at=now,
            answers=dict(checkin.answers()),
            discomfort=checkin.discomfort,
            caps=caps_json(day),
        )
        entry_log.record_entry(db, entry, checkin_id=checkin_id)
    return _load(db, checkin.day)


class SafetyOwner:
    """Owns the safety state in force; change it only through these methods."""

    def __init__(self, db: DbWorker, now: Callable[[], dt.datetime]) -> None:
        self._db = db
        self._now = now
        self._state = SafetyState(now().date())
        self._changes: Observers[SafetyChanged] = Observers()
        self._lock = asyncio.Lock()

    # --- reading ------------------------------------------------------------

    def today(self) -> dt.date:
        return self._now().date()

    @property
    def state(self) -> SafetyState:
        """The state in force now; past midnight, yesterday's check-in no longer counts."""
        today = self.today()
        if today != self._state.today:
            return self._state.expired(today)
        return self._state

    def subscribe(self, callback: Callable[[SafetyChanged], None]) -> Subscription:
        return self._changes.subscribe(callback)

    # --- changing -------------------------------------------------------------

    async def _apply(self, change: SafetyChange, state: SafetyState) -> SafetyState:
        before = self.state
        self._state = state
        self._changes.publish(SafetyChanged(change, before, state))
        return state

    async def load(self, change: SafetyChange = SafetyChange.LOADED) -> SafetyState:
        """Read the state from the log (at start-up, and when the day changes)."""
        async with self._lock:
            return await self._apply(change, await self._db.run(_load, self.today()))

    async def check_day(self) -> bool:
        """If the local date moved on, reload (the check-in expires); True if it did."""
        if self._state.today == self.today():
            return False
        await self.load(SafetyChange.NEW_DAY)
        return True

    async def run_day_clock(self) -> None:
        """Forever: notice the person's midnight (and clock changes) within a minute."""
        while True:
            now = self._now()
            midnight = dt.datetime.combine(
                now.date() + dt.timedelta(days=1), dt.time(), tzinfo=now.tzinfo
            )
            await asyncio.sleep(min(DAY_CHECK_INTERVAL_S, (midnight - now).total_seconds() + 0.5))
            try:
                await self.check_day()
            except Exception:
                log.exception("reloading the safety state at a new day failed")

    async def save_screening(self, answers: Mapping[str, str | Collection[str]]) -> SafetyState:
        """Judge and store a new screening; today's check-in stops counting (it was taken
        under the old one). Raises ScreeningError on answers the questions do not have."""
        now = self._now()
        chosen = {k: frozenset([v] if isinstance(v, str) else v) for k, v in answers.items()}
        profile = evaluate_screening(Screening(chosen, now.date()), today=now.date())

        def save(db: LogDb) -> SafetyState:
            screenings.save_screening(db, chosen, profile, now)
            return _load(db, now.date())

        async with self._lock:
            return await self._apply(SafetyChange.SCREENED, await self._db.run(save))

    async def record_clearance(self, item: str, cleared_on: dt.date, clinician: str) -> SafetyState:
        """Record a clinician's clearance; raises ValueError with words for the person."""
        now = self._now()

        def save(db: LogDb) -> SafetyState:
            screenings.record_clearance_for(db, item, cleared_on, clinician, now)
            return _load(db, now.date())

        async with self._lock:
            return await self._apply(SafetyChange.CLEARANCE_ADDED, await self._db.run(save))

    async def remove_clearance(self, clearance_id: int) -> SafetyState:
        now = self._now()

        def remove(db: LogDb) -> SafetyState:
            screening_log.withdraw_clearance(db, clearance_id, at=now)  # the owner's clock
            return _load(db, now.date())

        async with self._lock:
            return await self._apply(SafetyChange.CLEARANCE_REMOVED, await self._db.run(remove))

    async def check_in(
        self, checkin: CheckIn, details: entry_log.Entry | None = None
    ) -> SafetyState:
        """Save today's check-in (answers, score, the caps it gives) and put it in force.

        The check-in is also the day's entry: `details` adds what else the person
        recorded with it (its time, pain and flare come from the check-in). Raises
        InvalidInputError (nothing saved) if the details cannot be stored.
        """
        now = self._now()
        if checkin.day != now.date():
            raise ValueError("A check-in counts only for the day it is taken.")
        checkin_entry(checkin, now, details)  # refuse bad details before touching the log
        async with self._lock:
            return await self._apply(
                SafetyChange.CHECKED_IN,
                await self._db.run(_save_checkin, checkin, now, details),
            )
