"""One session's rows in the health log: its start, its telemetry, its end.

Split from `appcore.session` along the seam the driver interface left: the
controller follows the device (phase, status, commands), this follows the log.
The log has the session from its first second (before the massager starts);
telemetry is committed once a second on the database thread; the end goes in one
commit with the last readings, and when the disk is full it is tried again until it
is written (a full disk never ends a massage). `note` says, in words, what could not
be saved; `changed` is called whenever it moves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from data import sessions as session_log
from data.errors import InvalidInputError, NotFoundError, StoreError

if TYPE_CHECKING:
    from appcore.db_worker import DbWorker
    from data.db import LogDb
    from data.models import Outcome, Rating, SessionStart, TelemetrySample

log = logging.getLogger(__name__)

FLUSH_EVERY_S = 1.0  # the log's promise: a kill loses at most the last second of telemetry
# A session's end that could not be written (a full disk) is tried again after these
# pauses, then every last one, until it is written; `retry_now` tries at once.
END_RETRY_S = (1.0, 2.0, 5.0, 10.0, 30.0)

KEEPS_READINGS = "The massage goes on; Thenar keeps its readings and saves them later."
WILL_RECORD_END = "Thenar will record how this session ended as soon as it can."


class SessionRecord:
    """The log's side of the session that runs now (at most one at a time)."""

    def __init__(
        self, db: DbWorker, ended: Callable[[], None], changed: Callable[[], None]
    ) -> None:
        self.db = db
        self._ended = ended  # a session's end is in the log (the Progress page reloads)
        self._changed = changed
        self.note = ""  # what the log could not save, in words ("" when all is saved)
        self.unsaved_samples = 0  # telemetry samples that could never be written
        self._writer: session_log.SessionWriter | None = None
        self._samples: list[TelemetrySample] = []
        self._flusher: asyncio.Task[None] | None = None
        self._end_pending: asyncio.Task[None] | None = None
        self._end_args: tuple[session_log.SessionWriter, Outcome, datetime, str]
        self._retry_now = asyncio.Event()

    @property
    def open(self) -> bool:
        """A session is in the log and not ended yet."""
        return self._writer is not None

    async def begin(self, start: SessionStart, before: Rating | None) -> int:
        """The session and the rating before, in one commit; returns its id."""

        def begin(db: LogDb) -> tuple[int, session_log.SessionWriter]:
            sid = session_log.start_session(db, start, before=before)
            return sid, session_log.SessionWriter(db, sid)

        session_id, self._writer = await self.db.run(begin)
        self._samples.clear()
        return session_id

    def start_flushing(self) -> None:
        """The massage runs: its readings are committed every second from now on."""
        self._flusher = asyncio.create_task(self._flush_forever(), name="telemetry-flush")

    def sample(self, sample: TelemetrySample) -> None:
        if self._writer is not None:
            self._samples.append(sample)

    async def _flush_forever(self) -> None:
        """Every second until the session ends; a failed write never ends it."""
        while True:
            await asyncio.sleep(FLUSH_EVERY_S)
            await self._flush()

    async def _flush(self) -> None:
        """Commit the new samples; if that fails they stay in the writer for the next try."""
        writer, samples = self._writer, self._samples
        if writer is None or not samples:
            return
        self._samples = []

        def write(_db: LogDb) -> None:
            writer.buffer(samples)
            writer.flush()

        try:
            await self.db.run(write)
        except StoreError as exc:
            self._failed(exc, KEEPS_READINGS)
            return
        if self.note:
            self._saved(0)

    def _failed(self, exc: StoreError, then: str) -> None:
        log.warning("the health log could not be written: %s", exc)
        self.note = " ".join(t for t in (str(exc), then, exc.advice) if t)
        self._changed()

    def _saved(self, dropped: int) -> None:
        self.unsaved_samples += dropped
        note = "Everything from this session is saved now." if self.note else ""
        if dropped:
            note = (
                f"How the session ended is saved, but {dropped} "
                f"reading{'s' if dropped > 1 else ''} of pressure and warmth could not be: "
                "there was no space for them."
            )
        self.note = note
        self._changed()

    def retry_now(self) -> None:
        """Try what is pending now (the person freed space) rather than after the pause."""
        self._retry_now.set()

    async def flush_at_shutdown(self) -> bool:
        """One last try at a pending session end, and no more retries (the log is
        closing); True if nothing is left unwritten. If the end still cannot be written,
        the next start marks that session interrupted."""
        pending = self._end_pending
        if pending is None or pending.done():
            return True
        pending.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pending
        return await self._write_end(*self._end_args)

    async def end(self, outcome: Outcome, stop_reason: str, ended: datetime) -> bool:
        """Finish the logged session once: last telemetry and the outcome in one commit.
        False if no session was open (it had ended already)."""
        if self._flusher is not None:
            self._flusher.cancel()
            self._flusher = None
        writer, samples = self._writer, self._samples
        self._writer, self._samples = None, []
        if writer is None:
            return False
        if not await self._write_end(writer, outcome, ended, stop_reason, samples):
            self._end_args = (writer, outcome, ended, stop_reason)
            self._end_pending = asyncio.create_task(
                self._retry_end(writer, outcome, ended, stop_reason), name="session-end-retry"
            )
        return True

    async def _write_end(
        self,
        writer: session_log.SessionWriter,
        outcome: Outcome,
        ended: datetime,
        reason: str,
        samples: list[TelemetrySample] | None = None,
    ) -> bool:
        """One try: the end with its telemetry, else the end alone. True once written."""

        def finish(_db: LogDb, drop: bool) -> int:
            if samples:
                try:
                    writer.buffer(samples)
                except InvalidInputError as exc:  # out of order: a bug, not worth the end
                    log.error("telemetry not kept: %s", exc)
                samples.clear()
            return writer.finish(outcome, ended_at=ended, stop_reason=reason, drop_unsaved=drop)

        failure: StoreError | None = None
        for drop in (False, True):
            try:
                dropped = await self.db.run(finish, drop)
            except (InvalidInputError, NotFoundError) as exc:  # nothing a retry can change
                log.error("session %s could not be ended: %s", writer.session_id, exc)
                return True
            except StoreError as exc:
                failure = exc
                continue
            self._saved(dropped)
            self._ended()
            return True
        assert failure is not None
        self._failed(failure, WILL_RECORD_END)
        return False

    async def _retry_end(
        self, writer: session_log.SessionWriter, outcome: Outcome, ended: datetime, reason: str
    ) -> None:
        """Until the end is written: after each pause, or at once when `retry_now` asks."""
        pauses = iter(END_RETRY_S)
        while True:
            self._retry_now.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._retry_now.wait(), next(pauses, END_RETRY_S[-1]))
            if await self._write_end(writer, outcome, ended, reason):
                return
