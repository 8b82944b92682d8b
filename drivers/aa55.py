"""Driver two: the "AA 55" consumer family (docs/aa55-protocol.md), on bleak.

The device knows levels, modes and heat on/off, answers a status request and has
its own auto-off timer; it keeps no caps, has no watchdog and runs on when the link
drops. So this driver makes up what it can:

- caps: the plan's pressure and the person's cap become the highest level whose
  calibrated pressure (from the description) stays within both; a plan that even
  level 1 would exceed is refused before anything is sent; heat goes on only if the
  heater's temperature is within the heat cap;
- time: Thenar's own timer runs the plan's steps and stops the device at the end or
  at the session cap, whichever is first; the device's timer is set as a backstop;
- confirmation: every write is without response, so each change is followed by a
  status request, and a change the status does not show is `OutcomeUnknown`;
- link loss: the driver reconnects at once and its first command is Stop
  (`LINK_LOSS_STOP_S` is the deadline, the same as Thenar's own watchdog); close()
  stops and confirms before disconnecting;
- gentler/firmer: the plan's pressures scaled to tenths before the level is chosen;
  pause: the device is switched off and Thenar's timer holds; resume runs what was
  left of the plan (the device itself cannot pause);
- the audit trail: each change it asked for and the status's verdict, and each link event.

Why this module is long: one driver making up for everything the device lacks (caps
mapped to levels, Thenar's own step timer, a status read after every write, a stop after
a lost link); all of it acts on one connection and one running plan, and reads best
beside docs/aa55-protocol.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Collection
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bleak import BleakClient, BleakScanner
from bleak.exc import BleakError

from ble import aa55
from ble.client import AuditEntry, DeviceInfo
from ble.errors import CapExceeded, DeviceNotFound, MassagerError, NotConnected, OutcomeUnknown
from ble.observers import Observers
from drivers.base import FULL_INTENSITY, DeviceStatus, LinkEvent, StopReason
from therapy.resume import remaining_plan

if TYPE_CHECKING:
    from bleak.backends.characteristic import BleakGATTCharacteristic

    from ble.backends import Backend
    from drivers.description import Description
    from massage import Limits, Zone
    from therapy.plan import Plan, PlanStep

log = logging.getLogger(__name__)

STATUS_TIMEOUT_S = 1.0  # a status request is answered in one or two connection intervals
LINK_LOSS_STOP_S = 2.0  # the deadline to stop after a lost link: Thenar's device watchdog
SCAN_TIMEOUT_S = 2.0
CONNECT_TIMEOUT_S = 5.0

Sleep = Callable[[float], Awaitable[None]]


def device_status(status: aa55.Status, stop_reason: str = "", paused: bool = False) -> DeviceStatus:
    """`paused`: Thenar holds the plan with the device off (the plan is still under way)."""
    return DeviceStatus(
        running=status.running or paused,
        level=status.level,
        heat_on=status.heat_on,
        battery=status.battery,
        stop_reason="" if status.running or paused else stop_reason,
        paused=paused,
    )


class Aa55Driver:
    """A `drivers.base.Driver` for one "AA 55" device at a known address."""

    def __init__(
        self,
        description: Description,
        backend: Backend,
        address: str,
        caps: Limits,
        *,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.description = description
        self.backend = backend
        self.address = address
        self._caps = caps
        self._sleep = sleep  # the plan's timer (tests pass a faster one)
        self.statuses: Observers[DeviceStatus] = Observers()
        self.links: Observers[LinkEvent] = Observers()
        self.audits: Observers[AuditEntry] = Observers()
        self.malformed_notifications = 0
        self.link_loss_stops = 0  # stops sent after reconnecting, counted for the tests
        self.last_status: aa55.Status | None = None
        self._command_uuid = description.endpoints["command"]
        self._notify_uuid = description.endpoints["notify"]
        self._client: BleakClient | None = None
        self._lock = asyncio.Lock()  # one command-and-confirm at a time
        self._reply: asyncio.Future[aa55.Status] | None = None
        self._runner: asyncio.Task[None] | None = None
        self._recovery: asyncio.Task[None] | None = None
        self._step: PlanStep | None = None
        self._stop_reason = ""
        self._closing = False
        self._intensity = FULL_INTENSITY  # tenths of the plan's pressures (gentler/firmer)
        self._warmth = True  # False: the person turned the plan's warmth off
        self._plan: Plan | None = None  # what runs (or is paused), for pause and resume
        self._done_s = 0  # seconds of `_plan` already run
        self._step_started = 0.0  # loop time the current step began
        self._left_s = 0  # seconds the session cap still allows
        self._paused = False

    # --- connection ---------------------------------------------------------------

    @property
    def is_connected(self) -> bool:
        """Connected and usable: not while a lost link's stop is still on its way."""
        recovering = self._recovery is not None and not self._recovery.done()
        return not recovering and self._client is not None and self._client.is_connected

    @property
    def caps(self) -> Limits:
        return self._caps

    def _audit(self, what: str, params: dict[str, object], result: str) -> None:
        self.audits.publish(AuditEntry(datetime.now(UTC), what, params, result))

    def _link(self, kind: str, detail: str = "") -> None:
        self._audit(kind, {"detail": detail} if detail else {}, "event")
        self.links.publish(LinkEvent(kind, detail))

    @property
    def pause_refusal(self) -> str:
        return ""  # Thenar's timer holds the plan while the device is off

    @property
    def spare_refusal(self) -> str:
        return "This massager squeezes all its zones together."

    async def spare_zones(self, zones: Collection[Zone]) -> None:
        """Refused before anything is sent: one pump fills every zone at once."""
        self._audit("spare_zones", {"zones": sorted(int(z) for z in zones)}, "refused")
        raise MassagerError(self.spare_refusal, "Press Stop if a spot is sore.")

    def warmth_refusal(self, heat_dc: int) -> str:
        heat = self.description.capabilities.heat
        if heat_dc <= 0:
            return ""
        if not heat:
            return "This massager has no warmth."
        if max(heat) > self._caps.max_heat_dc:
            return (
                f"This massager warms to about {max(heat) / 10:g} °C, above your limit "
                f"of {self._caps.max_heat_dc / 10:g} °C, so Thenar keeps its warmth off."
            )
        return ""

    async def device_info(self) -> DeviceInfo:
        """The device tells nothing of itself: maker and model come from its description."""
        return DeviceInfo(self.description.maker, self.description.model, "", "")

    async def battery(self) -> int | None:
        return (await self.read_status()).battery

    async def connect(self) -> None:
        """Connect and subscribe; nothing else is written (the device takes no caps)."""
        await self._connect()
        self._link("connected")

    async def _connect(self) -> None:
        self._closing = False
        device = await BleakScanner.find_device_by_filter(
            lambda d, _adv: d.address.upper() == self.address.upper(),
            timeout=SCAN_TIMEOUT_S,
            **self.backend.scanner_kwargs(),
        )
        if device is None:
            raise DeviceNotFound(f"{self.address} is not advertising")
        client = BleakClient(
            device,
            disconnected_callback=self._on_disconnected,
            timeout=CONNECT_TIMEOUT_S,
            **self.backend.client_kwargs(),
        )
        await client.connect()
        self._client = client
        await client.start_notify(self._notify_uuid, self._on_notify)

    def _on_disconnected(self, client: BleakClient) -> None:
        if client is not self._client:
            return
        self._client = None
        self._fail_reply(NotConnected(f"{self.address}: link lost"))
        if self._closing:
            return
        self._link("link_lost")
        self._paused, self._plan = False, None  # the plan ends here; the app may run the rest
        if self._runner is not None:
            self._runner.cancel()  # the plan ends here: the device is stopped, not resumed
        self._recovery = asyncio.get_running_loop().create_task(self._stop_after_link_loss())

    async def _stop_after_link_loss(self) -> None:
        """The device runs on without us: reconnect and stop it, within the deadline."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10 * LINK_LOSS_STOP_S  # keep trying past it, and say so
        while not self._closing and loop.time() < deadline:
            try:
                await self._connect()
                await self._power_off()
            except (MassagerError, BleakError, TimeoutError, OSError) as exc:
                log.warning("stop after link loss failed, retrying: %s", exc)
                await asyncio.sleep(0.05)
                continue
            self.link_loss_stops += 1
            self._stop_reason = StopReason.LINK_LOST
            self._link("reconnected", "stopped after the link was lost")
            return
        self._link("reconnect_gave_up", "switch the massager off by hand")

    async def settled(self) -> None:
        """Wait for a link-loss recovery in progress (tests, shutdown)."""
        if self._recovery is not None:
            await asyncio.gather(self._recovery, return_exceptions=True)

    # --- frames -------------------------------------------------------------------

    def _on_notify(self, _char: BleakGATTCharacteristic, data: bytearray) -> None:
        try:
            status = aa55.Status.from_bytes(bytes(data))
        except aa55.FrameError as exc:
            self.malformed_notifications += 1
            log.warning("malformed notification %s: %s", bytes(data).hex(), exc)
            return
        self.last_status = status
        if self._reply is not None and not self._reply.done():
            self._reply.set_result(status)
        self.statuses.publish(device_status(status, self._stop_reason, self._paused))

    def _fail_reply(self, exc: Exception) -> None:
        if self._reply is not None and not self._reply.done():
            self._reply.set_exception(exc)

    async def _write(self, command: aa55.Command) -> None:
        client = self._client
        if client is None or not client.is_connected:
            raise NotConnected(f"{self.address} is not connected")
        try:
            await client.write_gatt_char(self._command_uuid, bytes(command), response=False)
        except (BleakError, OSError) as exc:
            raise OutcomeUnknown(f"{command.cmd.name}: {exc}") from exc

    async def _status_now(self) -> aa55.Status:
        """Ask for a status frame and wait for it (the only way to know what happened)."""
        self._reply = asyncio.get_running_loop().create_future()
        try:
            await self._write(aa55.status_request())
            async with asyncio.timeout(STATUS_TIMEOUT_S):
                return await self._reply
        except TimeoutError as exc:
            raise OutcomeUnknown("the massager did not answer a status request") from exc
        finally:
            self._reply = None

    async def _apply(
        self,
        commands: list[aa55.Command],
        check: Callable[[aa55.Status], bool],
        still: Callable[[], bool] = lambda: True,
    ) -> None:
        """Send `commands`, then ask for status and check it. `still` is asked once the
        link is ours: False (say, a Stop got there first) sends nothing."""
        async with self._lock:
            if not still():
                return
            for command in commands:
                await self._write(command)
            status = await self._status_now()
        if not check(status):
            raise OutcomeUnknown(f"the massager did not take {commands}: it reports {status}")

    async def _power_off(self) -> None:
        await self._apply([aa55.power(False)], lambda s: not s.running)

    # --- the plan -------------------------------------------------------------------

    def _level_for(self, step: PlanStep) -> int:
        """The step's level: the highest within its pressure (scaled to the intensity the
        person chose) and the cap; 0: it cannot run.

        A step gentler than the gentlest level runs at level 1 if the cap allows level 1
        (the plan's pressures are targets, the caps are limits); a rest step is 0.
        """
        if not step.peak_mmhg:
            return 0
        cap = self.description.level_for(self._caps.max_pressure_mmhg)
        wanted = step.peak_mmhg * self._intensity // FULL_INTENSITY
        return min(cap, max(1, self.description.level_for(wanted)))

    def _heat_for(self, step: PlanStep) -> bool:
        return bool(self._warmth and step.heat_dc and not self.warmth_refusal(step.heat_dc))

    def check_plan(self, plan: Plan) -> None:
        """Raise CapExceeded for what cannot be capped on this device, before anything is sent."""
        for i, step in enumerate(plan.steps):
            if step.peak_mmhg and self._level_for(step) == 0:
                lowest = self.description.capabilities.level_mmhg[0]
                raise CapExceeded(
                    f"step {i + 1}: the gentlest level of this massager makes about {lowest} "
                    f"mmHg, above your cap of {self._caps.max_pressure_mmhg} mmHg"
                )
            mode = self.description.capabilities.modes.get(step.pattern.name.lower())
            if step.peak_mmhg and mode is None:
                pattern = step.pattern.name.lower()
                raise CapExceeded(f"step {i + 1}: this massager has no mode for {pattern}")

    async def run(self, plan: Plan) -> None:
        """Run `plan` from its start at full intensity, with its warmth."""
        self._intensity, self._warmth = FULL_INTENSITY, True
        await self._start(plan, self._caps.max_session_s, "start_program")

    async def _start(self, plan: Plan, left_s: int, what: str) -> None:
        self.check_plan(plan)
        if not self.is_connected:
            raise NotConnected(f"{self.address} is not connected (or is being stopped)")
        if self._runner is not None and not self._runner.done():
            await self.stop()
        self._paused = False
        total_s = min(plan.duration_s, left_s)
        # The device's own timer as a backstop behind Thenar's, rounded up to a minute.
        minutes = max(1, -(-total_s // 60))
        await self._apply([aa55.timer(minutes)], lambda s: True)
        self._stop_reason = ""
        self._plan, self._done_s, self._left_s = plan, 0, total_s
        try:  # the first step is on (confirmed) before run() returns, or run() raises
            await self._enter(plan.steps[0])
        except MassagerError as exc:
            self._audit(what, {"id": plan.plan_id}, type(exc).__name__)
            with contextlib.suppress(MassagerError):
                await self._power_off()
            raise
        self._audit(what, {"id": plan.plan_id, "minutes": minutes}, "success")
        self._runner = asyncio.get_running_loop().create_task(self._run(plan))

    async def finished(self) -> None:
        """Wait until the running plan ended (by itself, by the caps or by a stop)."""
        if self._runner is not None:
            await asyncio.gather(self._runner, return_exceptions=True)

    async def _run(self, plan: Plan) -> None:
        loop = asyncio.get_running_loop()
        try:
            for i, step in enumerate(plan.steps):
                if self._left_s <= 0:
                    break
                if i:  # the first one was entered by run()
                    await self._enter(step)
                duration = min(step.duration_s, self._left_s)
                self._step_started = loop.time()
                await self._sleep(duration)
                self._done_s += duration
                self._left_s -= duration
            ran_out = self._done_s < plan.duration_s
            self._stop_reason = StopReason.LIMIT if ran_out else StopReason.COMPLETED
            self._plan = None
            await self._power_off()
        except asyncio.CancelledError:
            raise
        except MassagerError as exc:
            log.warning("plan stopped: %s", exc)
            self._stop_reason = StopReason.FAULT
            self._plan = None
            with contextlib.suppress(MassagerError):
                await self._power_off()
        finally:
            self._step = None

    async def _enter(self, step: PlanStep, still: Callable[[], bool] = lambda: True) -> None:
        self._step = step
        level = self._level_for(step)
        if level == 0:  # a rest step: this device cannot run without pressing, so it rests off
            await self._power_off()
            return
        mode = self.description.capabilities.modes[step.pattern.name.lower()]
        heat = self._heat_for(step)
        await self._apply(  # POWER on is a no-op while running
            [aa55.power(True), aa55.mode(mode), aa55.level(level), aa55.heat(heat)],
            lambda s: s.running and s.level == level and s.mode == mode and s.heat_on == heat,
            still,
        )

    async def _reenter(self) -> None:
        """The running step again, under what changed (caps, intensity, warmth)."""
        step, runner = self._step, self._runner
        if step is None or runner is None or runner.done() or not self.is_connected:
            return
        if step.peak_mmhg and self._level_for(step) == 0:
            await self.stop()
            return

        def still_running() -> bool:  # a Stop that got the link first wins
            return self._runner is runner and not runner.done() and self._step is step

        await self._enter(step, still_running)

    # --- adjusting what runs ------------------------------------------------------------

    async def set_intensity(self, tenths: int) -> None:
        """Gentler or firmer: the running step's level is chosen again, within the caps."""
        self._intensity = max(1, min(FULL_INTENSITY, tenths))
        try:
            await self._reenter()
        except MassagerError as exc:
            self._audit("set_intensity", {"level": tenths}, type(exc).__name__)
            raise
        self._audit("set_intensity", {"level": tenths}, "success")

    async def set_heat(self, heat_dc: int) -> None:
        """Warmth on (any `heat_dc` > 0: the device has one setting) or off."""
        refusal = self.warmth_refusal(heat_dc)
        if refusal:
            raise CapExceeded(refusal)
        self._warmth = heat_dc > 0
        try:
            await self._reenter()
        except MassagerError as exc:
            self._audit("set_heat", {"on": self._warmth}, type(exc).__name__)
            raise
        self._audit("set_heat", {"on": self._warmth}, "success")

    async def pause(self) -> None:
        """The device off, Thenar's timer held where the plan was (confirmed by status)."""
        runner, plan = self._runner, self._plan
        if runner is None or runner.done() or plan is None:
            raise MassagerError("Nothing is running to pause.")
        ran = int(asyncio.get_running_loop().time() - self._step_started)
        step = self._step
        if step is not None:
            ran = min(ran, step.duration_s - 1)
            self._done_s += max(0, ran)
            self._left_s -= max(0, ran)
        self._runner, self._step = None, None
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
        self._paused = True
        try:
            await self._power_off()
        except MassagerError as exc:
            self._audit("pause", {}, type(exc).__name__)
            raise
        self._audit("pause", {"at_s": self._done_s}, "success")

    async def resume(self) -> None:
        """What was left of the plan, at the intensity and warmth the person had chosen."""
        plan = self._plan
        if not self._paused or plan is None:
            raise MassagerError("Nothing is paused to resume.")
        await self._start(remaining_plan(plan, self._done_s), self._left_s, "resume")

    # --- caps, stop, close ---------------------------------------------------------------

    async def set_caps(self, caps: Limits) -> None:
        """Stricter caps hold at once: the running step is brought down to them (or stopped)."""
        self._caps = caps
        await self._reenter()

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        self._step = None  # nothing may re-enter a step from here on
        self._plan, self._paused = None, False
        if runner is not None and not runner.done():
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)
        self._stop_reason = StopReason.USER
        try:
            await self._power_off()
        except MassagerError as exc:
            self._audit("stop", {}, type(exc).__name__)
            raise
        self._audit("stop", {}, "success")

    async def read_status(self) -> DeviceStatus:
        async with self._lock:
            return device_status(await self._status_now(), self._stop_reason, self._paused)

    async def close(self) -> bool:
        """Stop (confirmed by a status frame), then disconnect; False if not confirmed."""
        confirmed = True
        if self.is_connected:
            try:
                await self.stop()
            except MassagerError as exc:
                log.warning("stop on close not confirmed: %s", exc)
                confirmed = False
        self._closing = True
        if self._recovery is not None:
            self._recovery.cancel()
            await asyncio.gather(self._recovery, return_exceptions=True)
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(BleakError, TimeoutError, OSError):
                async with asyncio.timeout(2.0):
                    await client.disconnect()
        return confirmed
