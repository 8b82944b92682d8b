"""One massage session, from the choice of routine to the rating after it.

Qt-free: the Session page shows `phase`, `status` and `guidance` and calls these
methods. The massager is reached through its `drivers.base.Driver` only, so a session
runs alike on every device family; what a device cannot do is refused in plain words.
A lost link ends the session on screen at once and offers a resume that a person must
ask for.

The phase and the device's status of one session change together (a stop, a lost
link), so they have one owner here; the log's side (the session's rows, telemetry
once a second, an end retried on a full disk) is `appcore.session_record`, which this
controller drives. What it stores is shaped in `appcore.records`; the program is
compiled by `therapy`.

Why this module is long: the phase and the device's status of one session change
together (start, pause, stop, a safety stop, a lost link, resume), so they stay with one
owner in one class; the log's side has already moved to `appcore.session_record`.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from appcore.events import (
    Observers,
    RatingsChanged,
    SessionsChanged,
)
from appcore.records import caps_json, program_run_json
from appcore.session_record import SessionRecord
from ble.errors import CommandRefused, MassagerError
from data import ratings as rating_log
from data.models import Outcome, RatingKind, SessionStart, TelemetrySample
from drivers.base import FULL_INTENSITY, StopReason
from massage import ZONE_NAMES
from therapy import (
    SessionNotAllowed,
    compile_program,
    remaining_plan,
)

if TYPE_CHECKING:
    from appcore.events import (
        Subscription,
    )
    from appcore.massager import Massager
    from appcore.safety import SafetyChanged
    from data.models import Rating
    from drivers.base import DeviceStatus, Driver, LinkEvent
    from massage import Zone
    from therapy import (
        CompiledProgram,
        CustomProgram,
        Routine,
        SafetyProfile,
    )

log = logging.getLogger(__name__)

APP_CLOSED = "app_closed"  # the stop reason when closing Thenar stopped a session
FULL_LEVEL = FULL_INTENSITY  # the intensity that runs the program's pressures as planned


class Phase(enum.Enum):
    CHOOSING = "choosing"
    RUNNING = "running"
    PAUSED = "paused"
    ENDED = "ended"  # waiting for the rating after
    INTERRUPTED = "interrupted"  # link lost: the person decides whether to resume


_OUTCOMES = {
    StopReason.USER: Outcome.STOPPED_BY_USER,
    StopReason.COMPLETED: Outcome.COMPLETED,
    StopReason.LINK_LOST: Outcome.INTERRUPTED_LINK,
    StopReason.WATCHDOG: Outcome.INTERRUPTED_LINK,
    StopReason.LIMIT: Outcome.COMPLETED,
    StopReason.AUTO_OFF: Outcome.COMPLETED,
}

STOP_MESSAGES = {
    StopReason.USER: "You stopped the session.",
    StopReason.COMPLETED: "The session is complete.",
    StopReason.LIMIT: "The session reached your time limit.",
    StopReason.WATCHDOG: "The massager stopped because it stopped hearing from Thenar.",
    StopReason.LINK_LOST: "The connection to the massager was lost, so it stopped.",
    StopReason.OVER_TEMPERATURE: "The massager got too warm and switched itself off safely.",
    StopReason.BATTERY: "The massager's battery is low. Charge it before the next session.",
    StopReason.AUTO_OFF: "The massager's 30-minute safety timer ended the session.",
    StopReason.FAULT: "The massager reported a fault and stopped safely.",
}


@dataclass(frozen=True)
class SessionChanged:
    """Something the Session page shows moved: the phase, the status, a message."""

    phase: Phase


@dataclass(frozen=True)
class Plan:
    """What the person chose, compiled against today's profile."""

    spec: Routine | CustomProgram
    program_row_id: int
    intensity: int
    compiled: CompiledProgram


def stop_reason_of(status: DeviceStatus) -> StopReason:
    """The device-neutral stop reason as the log and the messages name it."""
    try:
        return StopReason(status.stop_reason)
    except ValueError:
        return StopReason.FAULT


class SessionController:
    """Runs sessions on the app's massager and keeps the log in step."""

    def __init__(self, massager: Massager, now: Callable[[], datetime] | None = None) -> None:
        self.massager = massager
        self.db = massager.ctx.db
        self._now = now or massager.ctx.now  # one clock: the context's (tests inject it)
        self.phase = Phase.CHOOSING
        self.plan: Plan | None = None
        self.session_id: int | None = None
        self.status: DeviceStatus | None = None  # the device's last word (either family)
        self.message = ""
        self._changes: Observers[SessionChanged] = Observers()
        self.record = SessionRecord(
            self.db,
            lambda: massager.ctx.log.sessions.publish(SessionsChanged()),
            self._notify,
        )
        self._started_mono = 0.0
        self._ending: asyncio.Task[None] | None = None
        self._resume_from_s = 0
        self._massager_subs = [
            massager.statuses.subscribe(self._on_status),
            massager.events.subscribe(self._on_event),
        ]
        self.safety = massager.ctx.safety
        self._safety_sub: Subscription = self.safety.subscribe(self._on_safety)
        self._stopping: asyncio.Task[None] | None = None
        self._stop_reason = ""  # why we sent the last Stop, for the log
        self._paused_at = 0.0  # loop time of the pause (our clock does not count it)
        self.level = FULL_LEVEL  # squeezing during a session, in tenths of the plan (the device's)
        self.warmth_on = True  # the planned warmth; off once the person turns it off
        # Zones kept from squeezing this session, as the device last confirmed them; the
        # log keeps each change (the audit trail's spare_zones lines, with the session id).
        self.spared: frozenset[Zone] = frozenset()

    # --- planning -----------------------------------------------------------

    def preview(
        self,
        spec: Routine | CustomProgram,
        program_row_id: int,
        intensity: int,
        profile: SafetyProfile | None = None,
    ) -> Plan:
        """The plan for the profile in force (or `profile`), without choosing it: what the
        page shows while the person picks. `changes` says what the caps changed."""
        profile = profile or self.safety.state.profile
        if profile is None:
            raise SessionNotAllowed(["Answer the safety questions on the Home page first."])
        return Plan(spec, program_row_id, intensity, compile_program(spec, intensity, profile))

    def plan_for(
        self,
        spec: Routine | CustomProgram,
        program_row_id: int,
        intensity: int,
        profile: SafetyProfile | None = None,
    ) -> Plan:
        """Choose what `start` runs (the explicit action: nothing else sets the plan).
        `start` compiles it again against the profile in force then."""
        self.plan = self.preview(spec, program_row_id, intensity, profile)
        return self.plan

    # --- running ------------------------------------------------------------

    @property
    def active(self) -> bool:
        return self.phase in (Phase.RUNNING, Phase.PAUSED)

    def subscribe(self, callback: Callable[[SessionChanged], None]) -> Subscription:
        """Hear of every change the Session page shows; `close()` the result to leave."""
        return self._changes.subscribe(callback)

    def _notify(self) -> None:
        self._changes.publish(SessionChanged(self.phase))

    def _driver(self) -> Driver:
        driver = self.massager.driver
        if driver is None:
            raise MassagerError("The massager is not connected.", "Connect it on the Device page.")
        return driver

    async def start(self, before: Rating | None, *, resume: bool = False) -> int:
        """Log the session and the rating before, then upload and start. Returns the session id.

        `before` is None when the person did not rate: nothing is stored for it.
        """
        if self.plan is None:
            raise RuntimeError("choose a routine first")
        driver = self._driver()
        state = self.safety.state
        if not state.may_start:
            raise SessionNotAllowed([state.why_not()])
        assert state.profile is not None
        plan = self.plan_for(
            self.plan.spec, self.plan.program_row_id, self.plan.intensity, state.profile
        )
        caps = state.caps
        await self.massager.settled()
        if driver.caps != caps or self.massager.caps_in_force() != caps:
            await self.massager.sync_caps()  # the device holds exactly these before we start
        to_run = plan.compiled.plan
        if resume and self._resume_from_s:
            to_run = remaining_plan(to_run, self._resume_from_s)
        from drivers.thenar_program import thenar_program  # the codec loads with a session

        program = thenar_program(to_run)
        start = SessionStart(
            program_id=self.plan.program_row_id,
            program_run=program_run_json(
                self.plan.spec, program, [c.message for c in self.plan.compiled.changes], resume
            ),
            caps=caps_json(
                state.profile,
                checked_in_at=state.checkin.taken_at.isoformat() if state.checkin else None,
            ),
            intensity=self.plan.intensity,
            heat_c=max((s.heat_dc for s in program.steps), default=0) / 10 or None,
            started_at=self._now(),
            device_id=driver.address,
        )
        session_id = await self.record.begin(start, before)  # one commit
        self.session_id = session_id
        self._stop_reason = ""
        self.massager.hold_session_caps(caps)
        self.massager.session_id = session_id  # the client's audit trail is tagged with it
        self.message = ""
        # A resumed session keeps the zones the person spared: the tender spot is still
        # tender after a dropped link. The device starts every session with nothing spared,
        # so the set is sent again at once, confirmed like any other change.
        keep = self.spared if resume else frozenset()
        try:  # the driver puts each command and its result in the audit trail
            self.level, self.warmth_on = FULL_LEVEL, True  # each session starts as planned
            self.spared = frozenset()  # the device spares nothing at a new Start either
            await driver.run(to_run)
        except Exception as exc:
            await self._end(Outcome.DEVICE_FAULT, f"could not start: {exc}")
            self.message = f"The massage did not start: {exc}"
            self._notify()
            raise
        if keep:
            try:
                await driver.spare_zones(keep)
                self.spared = keep
            except Exception as exc:  # never assumed: say so, the person can Stop
                names = ", ".join(ZONE_NAMES[z] for z in sorted(keep))
                self.message = (
                    f"The massager did not spare the {names} again after resuming ({exc}). "
                    "Press Stop if a spot is sore."
                )
        self._started_mono = asyncio.get_running_loop().time()
        self.phase = Phase.RUNNING
        self.record.start_flushing()
        self._notify()
        return session_id

    # --- adjusting a running session (the device's own commands; the audit trail logs them)

    def planned_heat_dc(self) -> int:
        """The warmest step of the plan (0: no warmth); never above the caps it compiled for."""
        if self.plan is None:
            return 0
        return max((s.heat_dc for s in self.plan.compiled.plan.steps), default=0)

    def warmth_refusal(self) -> str:
        """Why warmth cannot be turned on in this session, in plain words ("": it can)."""
        heat = self.planned_heat_dc()
        if heat <= 0:
            return "This session has no warmth."
        driver = self.massager.driver
        return driver.warmth_refusal(heat) if driver is not None else ""

    def pause_refusal(self) -> str:
        """Why this massager cannot pause, in plain words ("": it can)."""
        driver = self.massager.driver
        return driver.pause_refusal if driver is not None else ""

    async def set_level(self, level: int) -> None:
        """Gentler or firmer now: the planned pressures scaled to `level`/10, never past the
        caps (a device that keeps caps holds them too). At most FULL_LEVEL (the plan)."""
        if not self.active:
            raise RuntimeError("no session is running")
        level = max(1, min(FULL_LEVEL, level))
        await self._driver().set_intensity(level)
        self.level = level
        self._notify()

    async def set_warmth(self, on: bool) -> None:
        """Warmth off (0) or back on at the plan's warmth (refused above the caps)."""
        if not self.active:
            raise RuntimeError("no session is running")
        refusal = self.warmth_refusal() if on else ""
        if refusal:
            raise MassagerError(refusal, "The massage goes on without warmth.")
        await self._driver().set_heat(self.planned_heat_dc() if on else 0)
        self.warmth_on = on
        self._notify()

    def spare_refusal(self) -> str:
        """Why this massager cannot spare a single zone, in plain words ("": it can)."""
        driver = self.massager.driver
        return driver.spare_refusal if driver is not None else ""

    async def spare(self, zone: Zone, spared: bool) -> None:
        """Keep `zone` from squeezing for the rest of this session (`spared`), or give it
        back. `spared` changes only once the device confirmed; otherwise this raises and
        what the device holds is what was last confirmed (or unknown: the client resyncs)."""
        if not self.active:
            raise RuntimeError("no session is running")
        refusal = self.spare_refusal()
        if refusal:
            raise MassagerError(refusal, "Press Stop if a spot is sore.")
        wanted = self.spared | {zone} if spared else self.spared - {zone}
        try:
            await self._driver().spare_zones(wanted)  # audited with this session's id
        except CommandRefused as exc:  # answered "no": the device changed nothing
            what = "spare" if spared else "give back"
            raise MassagerError(
                f"The massager did not {what} the {ZONE_NAMES[zone]}; nothing changed", exc.advice
            ) from exc
        self.spared = frozenset(wanted)
        self._notify()

    async def pause(self) -> None:
        refusal = self.pause_refusal()
        if refusal:
            raise MassagerError(refusal, "Press Stop to end the session.")
        await self._driver().pause()
        self._paused_at = asyncio.get_running_loop().time()
        self.phase = Phase.PAUSED
        self._notify()

    async def resume(self) -> None:
        await self._driver().resume()
        if self._paused_at:  # the pause is not part of how far the session got
            self._started_mono += asyncio.get_running_loop().time() - self._paused_at
            self._paused_at = 0.0
        self.phase = Phase.RUNNING
        self._notify()

    async def stop(self, reason: str = StopReason.USER) -> None:
        """Stop now. The device vents whatever happens; the outcome follows its status.

        `reason` is logged as the stop reason ("user", or "limits_changed" when the
        person's answers stopped it).
        """
        driver = self.massager.driver
        if driver is None:
            return
        self._stop_reason = reason
        await driver.stop()  # acknowledged by the device, or it raises
        if self.active:
            await self._end(Outcome.STOPPED_BY_USER, reason)
            self.message = STOP_MESSAGES[StopReason.USER]
            self._notify()
        elif self._ending is not None:  # the device's stopped status got there first:
            await asyncio.shield(self._ending)  # Stop returns once the log has answered

    async def rate_after(self, after: Rating | None) -> None:
        """Store the rating after the session; None (not rated) stores nothing."""
        if self.session_id is None:
            raise RuntimeError("no session to rate")
        sid = self.session_id
        if after is not None:
            await self.db.run(
                lambda db: rating_log.add_rating(db, after, kind=RatingKind.AFTER, session_id=sid)
            )
        self.phase = Phase.CHOOSING
        self.massager.ctx.log.ratings.publish(RatingsChanged())  # the Progress page reloads
        self._notify()

    def offer_rating(self, session_id: int, message: str) -> None:
        """Rate an earlier session that ended without one (Thenar closed during it):
        the rating after goes to `session_id`. Only while nothing runs."""
        if self.active:
            raise RuntimeError("a session is running")
        self.session_id = session_id
        self.message = message
        self.phase = Phase.ENDED
        self._notify()

    def skip_rating(self) -> None:
        self.phase = Phase.CHOOSING
        self._notify()

    # --- the safety state changing under a session -----------------------------

    def _on_safety(self, event: SafetyChanged) -> None:
        """Lower caps hold on the device at once (the massager's caps sync writes them);
        a state in which no session may run stops the session. Either way, say which."""
        if not self.active:
            return
        after = event.after
        if not after.allowed:
            self.message = "Your limits changed, so the session stopped: " + after.why_not()
            if self._stopping is None or self._stopping.done():
                self._stopping = asyncio.get_running_loop().create_task(self._stop_for_safety())
        elif event.caps_lowered:
            caps = after.caps
            heat = "off" if caps.max_heat_dc == 0 else f"up to {caps.max_heat_dc / 10:g} °C"
            self.message = (
                f"Your limits changed during the session. From now on: squeezing up to "
                f"{caps.max_pressure_mmhg} mmHg, warmth {heat}, at most "
                f"{caps.max_session_s // 60} minutes. The massager follows them at once."
            )
        self._notify()

    async def _stop_for_safety(self) -> None:
        message = self.message
        try:
            await self.stop("limits_changed")
        except MassagerError as exc:
            log.warning("stop after a safety change failed: %s", exc)
        self.message = message
        self._notify()

    # --- events from the massager ------------------------------------------

    def _on_status(self, status: DeviceStatus) -> None:
        """Telemetry as far as the device reports it; its stop ends the session."""
        self.status = status
        if self.active and self.record.open:
            if status.pressures_mmhg is not None:
                t_ms = int((asyncio.get_running_loop().time() - self._started_mono) * 1000)
                heat = status.temperature_dc or 0
                self.record.sample(TelemetrySample(t_ms, status.pressures_mmhg, heat))
            if not status.running and status.stop_reason:
                self._finish_from_device(status)
        self._notify()

    def _finish_from_device(self, status: DeviceStatus) -> None:
        reason = stop_reason_of(status)
        outcome = _OUTCOMES.get(reason, Outcome.DEVICE_FAULT)
        self.message = STOP_MESSAGES.get(reason, f"The massager stopped ({status.stop_reason}).")
        if reason == StopReason.LINK_LOST:
            self._interrupt(self._elapsed_s())
        logged = reason.name.lower()
        if reason == StopReason.USER and self._stop_reason:
            logged = self._stop_reason  # our Stop, sent for this reason
        if self._ending is None:
            self._ending = asyncio.create_task(self._end(outcome, logged))

    def _elapsed_s(self) -> int:
        """How far the session got: the device says where it counts, else our own clock."""
        if self.status is not None and self.status.elapsed_s is not None:
            return self.status.elapsed_s
        return int(asyncio.get_running_loop().time() - self._started_mono)

    def _on_event(self, event: LinkEvent) -> None:
        if event.kind == "link_lost" and self.active:
            elapsed = self._elapsed_s()
            driver = self.massager.driver
            itself = (
                "It stops by itself when that happens. Thenar is reconnecting."
                if driver is None or driver.description.protections.stop_on_link_loss
                else "Thenar is reconnecting to stop it, as this massager runs on by itself."
            )
            self.message = (
                f"The connection to the massager was lost. {itself} You can resume once it is back."
            )
            self._interrupt(elapsed)
            if self._ending is None:
                self._ending = asyncio.create_task(self._end(Outcome.INTERRUPTED_LINK, "link_lost"))
            self._notify()
        elif event.kind == "reconnected":
            self._notify()

    def _interrupt(self, elapsed_s: int) -> None:
        self._resume_from_s = elapsed_s
        self.phase = Phase.INTERRUPTED

    @property
    def can_resume(self) -> bool:
        return self.phase == Phase.INTERRUPTED and self.massager.is_connected

    # --- the log (`appcore.session_record`) ---------------------------------------

    @property
    def log_note(self) -> str:
        """What the log could not save, in words ("" when all is saved)."""
        return self.record.note

    @property
    def unsaved_samples(self) -> int:
        """Telemetry samples that could never be written."""
        return self.record.unsaved_samples

    def retry_log(self) -> None:
        """Try what is pending now (the person freed space) rather than after the pause."""
        self.record.retry_now()

    async def flush_log(self) -> bool:
        """At shutdown: one last try at a pending session end; True if nothing is left
        unwritten (`SessionRecord.flush_at_shutdown`)."""
        return await self.record.flush_at_shutdown()

    async def _end(self, outcome: Outcome, stop_reason: str) -> None:
        """Finish the session once: the caps hold no more, and the log gets its end."""
        self.massager.hold_session_caps(None)
        self.massager.session_id = None
        if self.phase != Phase.INTERRUPTED:
            self.phase = Phase.ENDED
        if not await self.record.end(outcome, stop_reason, self._now()):
            return
        self._ending = None
        self._notify()
