"""Sessions: in the log from their first second, finished or marked interrupted.

`start_session` commits the row at once (outcome RUNNING). `SessionWriter`
buffers telemetry and commits at least once a second of wall time, so killing
the process loses at most the last second. At start-up `mark_interrupted`
turns sessions a crash left RUNNING into INTERRUPTED_CRASH.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from . import jsonval, telemetry
from .errors import InvalidInputError, UnknownDeviceError, UnknownSessionError
from .models import (
    Outcome,
    RatingKind,
    SessionKind,
    SessionRecord,
    parse_enum,
)
from .programs import require_program
from .ratings import add_rating
from .times import from_iso, require_aware, to_iso, utc_ms
from .tx import writing

if TYPE_CHECKING:
    from .db import LogDb
    from .models import (
        Rating,
        SessionStart,
        TelemetrySample,
    )

# The promise: a kill loses at most the last second of telemetry.
COMMIT_EVERY_S = 1.0
CRASH_REASON = "Thenar closed before the session ended"


def start_session(db: LogDb, start: SessionStart, *, before: Rating | None = None) -> int:
    """Record a session as RUNNING, with the rating given before it, in one commit; its id.

    One commit: a crash can never keep the session without the rating the person
    just gave (or the rating without its session).
    """
    run = jsonval.dumps(start.program_run, "program as run")
    caps = jsonval.dumps(start.caps, "caps")
    with writing(db):
        require_program(db, start.program_id)
        if start.device_id is not None and (
            db.execute("SELECT 1 FROM devices WHERE id = ?", [start.device_id]).fetchone() is None
        ):
            raise UnknownDeviceError(f"no paired device {start.device_id!r}")
        cur = db.execute(
            "INSERT INTO sessions (program_id, program_run, caps, intensity, heat_c, device_id, "
            "started_at, started_utc, local_date, outcome, kind) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                start.program_id,
                run,
                caps,
                start.intensity,
                None if start.heat_c is None else float(start.heat_c),
                start.device_id,
                to_iso(start.started_at),
                utc_ms(start.started_at),
                start.started_at.date().isoformat(),
                Outcome.RUNNING.value,
                SessionKind(start.kind).value,
            ],
        )
        assert cur.lastrowid is not None
        if before is not None:
            add_rating(db, before, kind=RatingKind.BEFORE, session_id=cur.lastrowid)
    return cur.lastrowid


def _finish(
    db: LogDb, session_id: int, outcome: Outcome, ended_at: datetime, stop_reason: str | None
) -> None:
    """The UPDATE that ends a session (inside the caller's transaction)."""
    outcome = parse_enum(Outcome, outcome, "session outcome")
    if outcome is Outcome.RUNNING:
        raise InvalidInputError("a session cannot finish as 'running'")
    require_aware(ended_at, "session end")
    row = db.execute(
        "SELECT outcome, started_utc FROM sessions WHERE id = ?", [session_id]
    ).fetchone()
    if row is None:
        raise UnknownSessionError(f"there is no session with id {session_id}")
    if row[0] != Outcome.RUNNING.value:
        raise InvalidInputError(f"session {session_id} has already ended ({row[0]})")
    if utc_ms(ended_at) < row[1]:
        raise InvalidInputError("a session cannot end before it started")
    db.execute(
        "UPDATE sessions SET ended_at = ?, ended_utc = ?, outcome = ?, stop_reason = ? "
        "WHERE id = ?",
        [to_iso(ended_at), utc_ms(ended_at), outcome.value, stop_reason, session_id],
    )


def finish_session(
    db: LogDb,
    session_id: int,
    outcome: Outcome,
    *,
    ended_at: datetime,
    stop_reason: str | None = None,
) -> None:
    """End a running session with its outcome and the device's stop reason."""
    with writing(db):
        _finish(db, session_id, outcome, ended_at, stop_reason)


class SessionWriter:
    """Buffers one session's telemetry and commits it at least once a second.

    `add()` commits when a second has passed since the last commit; the app
    should also call `flush()` from a one-second timer so a silent device does
    not hold samples back. `clock` is injectable for tests.
    """

    def __init__(
        self,
        db: LogDb,
        session_id: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        commit_every_s: float = COMMIT_EVERY_S,
        chunk_ms: int = telemetry.CHUNK_MS,
    ) -> None:
        row = db.execute(
            "SELECT outcome, (SELECT MAX(chunk) FROM telemetry WHERE session_id = s.id) "
            "FROM sessions AS s WHERE id = ?",
            [session_id],
        ).fetchone()
        if row is None:
            raise UnknownSessionError(f"there is no session with id {session_id}")
        if row[0] != Outcome.RUNNING.value:
            raise InvalidInputError(f"session {session_id} has already ended")
        self.db = db
        self.session_id = session_id
        self._clock = clock
        self._every = commit_every_s
        self._chunk_ms = chunk_ms
        self._next_index = 0 if row[1] is None else int(row[1]) + 1
        self._closed: list[telemetry.Chunk] = []
        self._current: list[TelemetrySample] = []
        self._current_index = -1
        self._current_start = 0
        self._n_zones: int | None = None
        self._last_t = -1
        self._dirty = False
        self._last_commit = clock()
        self.committed_samples = 0
        self._pending_samples = 0

    def add(self, sample: TelemetrySample) -> bool:
        """Buffer one sample; commit if a second has passed. Returns True if it committed."""
        self._buffer(sample)
        if self._clock() - self._last_commit >= self._every:
            self.flush()
            return True
        return False

    def _buffer(self, sample: TelemetrySample) -> None:
        if sample.t_ms < self._last_t:
            raise InvalidInputError("telemetry must arrive in time order")
        zones = len(sample.pressures_mmhg)
        if self._n_zones is None:
            self._n_zones = zones
        elif zones != self._n_zones:
            raise InvalidInputError("the number of zones changed within a session")
        if not self._current or sample.t_ms - self._current_start >= self._chunk_ms:
            self._close_current()
            self._current_index = self._next_index
            self._next_index += 1
            self._current_start = sample.t_ms
        self._current.append(sample)
        self._last_t = sample.t_ms
        self._dirty = True
        self._pending_samples += 1

    def buffer(self, samples: Iterable[TelemetrySample]) -> None:
        """Buffer samples without committing (the next `flush` or `finish` writes them).

        A commit that fails (a full disk) raises and leaves every buffered sample
        in place for the next attempt: nothing is dropped unless asked to.
        """
        for sample in samples:
            self._buffer(sample)

    @property
    def unsaved_samples(self) -> int:
        """Samples buffered but not yet committed."""
        return self._pending_samples

    def _close_current(self) -> None:
        if self._current and self._dirty:
            self._closed.append(self._chunk())
        self._current = []

    def _chunk(self) -> telemetry.Chunk:
        assert self._n_zones is not None
        return telemetry.Chunk(
            self._current_index, self._current_start, self._n_zones, tuple(self._current)
        )

    def _write_pending(self) -> None:
        for chunk in self._closed:
            telemetry.write_chunk(self.db, self.session_id, chunk)
        if self._current and self._dirty:
            telemetry.write_chunk(self.db, self.session_id, self._chunk())

    def _committed(self) -> None:
        self._closed.clear()
        self._dirty = False
        self.committed_samples += self._pending_samples
        self._pending_samples = 0
        self._last_commit = self._clock()

    def flush(self) -> None:
        """Commit everything buffered (one transaction)."""
        if self._closed or self._dirty:
            with writing(self.db):
                self._write_pending()
        self._committed()

    def finish(
        self,
        outcome: Outcome,
        *,
        ended_at: datetime,
        stop_reason: str | None = None,
        drop_unsaved: bool = False,
    ) -> int:
        """Commit the last samples and end the session in the same transaction.

        `drop_unsaved` ends it without the samples not yet committed (the smallest
        write, for a disk too full for them): returns how many were dropped.
        """
        dropped = self._pending_samples if drop_unsaved else 0
        with writing(self.db):
            if not drop_unsaved:
                self._write_pending()
            _finish(self.db, self.session_id, outcome, ended_at, stop_reason)
        self._committed()
        self.committed_samples -= dropped
        return dropped


def mark_interrupted(db: LogDb) -> list[int]:
    """Mark sessions a crash left RUNNING as INTERRUPTED_CRASH, ended at their last sample."""
    ids = [r[0] for r in db.execute("SELECT id FROM sessions WHERE outcome = 'running'")]
    with writing(db):
        for session_id in ids:
            started = from_iso(
                db.execute("SELECT started_at FROM sessions WHERE id = ?", [session_id]).fetchone()[
                    0
                ]
            )
            last = telemetry.last_sample_ms(db, session_id)
            ended = started + timedelta(milliseconds=last or 0)
            _finish(db, session_id, Outcome.INTERRUPTED_CRASH, ended, CRASH_REASON)
    return ids


_SELECT = (
    "SELECT s.*, p.name AS program_name FROM sessions AS s "
    "JOIN programs AS p ON p.id = s.program_id"
)


def row_to_session(r: dict[str, Any]) -> SessionRecord:
    """Build a SessionRecord from a row of `_SELECT` (also used by queries)."""
    return SessionRecord(
        id=r["id"],
        program_id=r["program_id"],
        program_name=r["program_name"],
        program_run=jsonval.loads(r["program_run"]),
        caps=jsonval.loads(r["caps"]),
        intensity=r["intensity"],
        heat_c=r["heat_c"],
        device_id=r["device_id"],
        started_at=from_iso(r["started_at"]),
        ended_at=from_iso(r["ended_at"]) if r["ended_at"] else None,
        outcome=Outcome(r["outcome"]),
        stop_reason=r["stop_reason"],
        kind=SessionKind(r["kind"]),
    )


def get_session(db: LogDb, session_id: int) -> SessionRecord:
    """The session with this id, or UnknownSessionError."""
    rows = list(db.query(f"{_SELECT} WHERE s.id = ?", [session_id]))
    if not rows:
        raise UnknownSessionError(f"there is no session with id {session_id}")
    return row_to_session(rows[0])


def list_sessions(db: LogDb, *, limit: int | None = None) -> list[SessionRecord]:
    """Sessions, newest first."""
    sql = f"{_SELECT} ORDER BY s.started_utc DESC, s.id DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [row_to_session(r) for r in db.query(sql)]
