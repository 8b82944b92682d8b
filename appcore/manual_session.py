"""Sessions without a Thenar massager: massage by hand (guided steps), another massager.

Both are sessions in the log like any other (the `kind` column tells them apart),
with before and after ratings, so every count of sessions (Progress, the report,
the streak, the "too many sessions" warning) includes them. Massage by hand needs
the same go-ahead as the massager (a screening that allows sessions and today's
check-in, from the safety owner); a session with another massager is logged after
it happened, so it needs none, only a believable duration.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from appcore.programs import ensure_routines
from data import other_massagers
from data import programs as program_log
from data.models import Outcome, RatingKind, SessionKind, SessionStart
from data.queries import sessions_by_kind
from data.ratings import add_rating
from data.sessions import finish_session, start_session
from data.tx import writing
from therapy import ROUTINES
from therapy.by_hand import guided_plan
from therapy.defaults import MAX_SESSIONS_PER_DAY

if TYPE_CHECKING:
    from appcore.db_worker import DbWorker
    from appcore.safety import SafetyOwner
    from data.db import LogDb
    from data.models import JSON, Rating
    from therapy.by_hand import GuidedPlan

# design: makers advise at most three sessions a day (docs/safety-and-care.md, "Session
# length"); the warning comes when a fourth is about to start.
SESSIONS_A_DAY = MAX_SESSIONS_PER_DAY
OTHER_MASSAGER_KEY = "other_massager"
OTHER_MASSAGER_MAX_MIN = 120  # design: longer is a typing slip more often than a session
# No Thenar caps hold a session without a Thenar massager: the log says so, not "0 mmHg".
NO_CAPS: JSON = {"device": None}

KIND_WORDS = {
    SessionKind.THENAR: "with the Thenar massager",
    SessionKind.BY_HAND: "by hand",
    SessionKind.OTHER_MASSAGER: "with another massager",
}


def sessions_on(db: LogDb, day: dt.date) -> Counter[SessionKind]:
    """How many sessions of each kind started on this local day (every outcome counts)."""
    return Counter(sessions_by_kind(db, day))


def too_many_warning(today: Counter[SessionKind]) -> str:
    """The warning before one more session today ("" while under the advice)."""
    total = sum(today.values())
    if total < SESSIONS_A_DAY:
        return ""
    parts = [f"{n} {KIND_WORDS[k]}" for k, n in sorted(today.items()) if n]
    return (
        f"You have already had {total} sessions today ({', '.join(parts)}). Massager makers "
        f"advise at most {SESSIONS_A_DAY} a day: your hands may be better for a rest."
    )


@dataclass(frozen=True)
class ByHandStart:
    """A routine chosen for massage by hand, as planned for today's profile."""

    routine_key: str
    plan: GuidedPlan


def _start(db: LogDb, start: SessionStart, before: Rating | None) -> int:
    return start_session(db, start, before=before)


def _finish(
    db: LogDb, session_id: int, outcome: Outcome, at: dt.datetime, after: Rating | None
) -> None:
    with writing(db):  # the end and the rating after it: both or neither
        finish_session(db, session_id, outcome, ended_at=at)
        if after is not None:
            add_rating(db, after, kind=RatingKind.AFTER, session_id=session_id)


def _log_other(
    db: LogDb,
    minutes: int,
    end: dt.datetime,
    before: Rating | None,
    after: Rating | None,
    massager: str | None = None,
) -> int:
    started = end - dt.timedelta(minutes=minutes)
    run: JSON = {"kind": OTHER_MASSAGER_KEY, "minutes": minutes}
    if massager is not None:
        run[other_massagers.RUN_KEY] = massager
    with writing(db):
        program_id = program_log.ensure_builtin(
            db, OTHER_MASSAGER_KEY, "Another massager", {"kind": OTHER_MASSAGER_KEY}, created_at=end
        )
        start = SessionStart(
            program_id,
            run,
            NO_CAPS,
            0,
            None,
            started,
            kind=SessionKind.OTHER_MASSAGER,
        )
        session_id = start_session(db, start, before=before)
        _finish(db, session_id, Outcome.COMPLETED, end, after)
    return session_id


class ManualSessions:
    """Starts, ends and logs the sessions given without a Thenar massager."""

    def __init__(
        self,
        db: DbWorker,
        safety: SafetyOwner,
        now: Callable[[], dt.datetime],
        on_logged: Callable[[], None],
    ) -> None:
        self._db = db
        self._safety = safety
        self._now = now
        self._on_logged = on_logged

    async def known_massagers(self) -> list[str]:
        """The massagers named before, newest first, to offer as a choice."""
        return await self._db.run(other_massagers.known_massagers)

    async def today(self) -> Counter[SessionKind]:
        return await self._db.run(sessions_on, self._now().date())

    def plan(self, routine_key: str) -> ByHandStart:
        """The routine as steps for today's profile; ValueError when no session may run."""
        state = self._safety.state
        if not state.may_start:
            raise ValueError(state.why_not())
        return ByHandStart(routine_key, guided_plan(ROUTINES[routine_key], state.profile))

    async def start_by_hand(self, chosen: ByHandStart, before: Rating | None) -> int:
        """Record the start (with the rating before) at once, as a massager session is."""
        state = self._safety.state
        if not state.may_start:
            raise ValueError(state.why_not())
        ids = await self._db.run(ensure_routines)
        start = SessionStart(
            ids[chosen.routine_key],
            {
                "name": chosen.plan.name,
                "steps": [s.title for s in chosen.plan.steps],
                "left_out": list(chosen.plan.left_out),
            },
            NO_CAPS,
            0,
            None,
            self._now(),
            kind=SessionKind.BY_HAND,
        )
        session_id = await self._db.run(_start, start, before)
        self._on_logged()
        return session_id

    async def finish_by_hand(
        self, session_id: int, *, completed: bool, after: Rating | None
    ) -> None:
        outcome = Outcome.COMPLETED if completed else Outcome.STOPPED_BY_USER
        await self._db.run(_finish, session_id, outcome, self._now(), after)
        self._on_logged()

    async def log_other(
        self,
        minutes: int,
        before: Rating | None,
        after: Rating | None,
        massager: str | None = None,
    ) -> int:
        """A session with another massager that just ended, `minutes` long; `massager`: the
        model name the person typed (optional; InvalidInputError in words when unusable)."""
        name = other_massagers.check_massager_name(massager)
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            raise ValueError("How long was it? Give the minutes as a whole number.")
        if not 1 <= minutes <= OTHER_MASSAGER_MAX_MIN:
            raise ValueError(
                f"A session is between 1 and {OTHER_MASSAGER_MAX_MIN} minutes; {minutes} is not."
            )
        session_id = await self._db.run(_log_other, minutes, self._now(), before, after, name)
        self._on_logged()
        return session_id
