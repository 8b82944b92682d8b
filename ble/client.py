"""MassagerClient: the one typed asyncio API the app uses to drive a massager.

Connection trouble, lost commands and the user's safety caps are handled here
once: commands wait for their indication and fail typed; an unanswered command
is `OutcomeUnknown` (never success) and forces a status read before the next
one; caps are checked before anything is written and written to the device's
Limits on every connect; a lost link is reported and re-established to the
pinned device only, without ever resuming a session by itself.

Why this module is long: one connection's state machine. Connecting and retrying, the
heartbeat and silence watch, indications matched to the pending command, the resync
after an unknown outcome and the caps written on every connect all act on the same link
and pending-command state, which is safest checked in one class; the command methods
themselves are a few lines each.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from collections.abc import Callable, Collection, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from bleak import BleakClient, BleakScanner
from bleak.exc import BleakError, BleakGATTProtocolError

from ble import protocol as p
from ble.bumble_bleak.errors import BondNotAccepted
from ble.connection_policy import RetryPolicy, classify
from ble.errors import (
    BadArgument,
    BondRejected,
    CapExceeded,
    ConnectFailed,
    DeviceNotFound,
    LimitsMismatch,
    MalformedReply,
    MassagerError,
    NotConnected,
    NotPaired,
    OutcomeUnknown,
    WrongDevice,
    refusal_for,
    require_protocol,
    write_refused,
)
from ble.observers import Observers
from massage import ZONE_COUNT, ZONE_NAMES

if TYPE_CHECKING:
    from bleak.backends.characteristic import BleakGATTCharacteristic

    from ble.backends import Backend
    from ble.observers import Stream, Subscription
    from ble.pinning import PinnedDevice
    from massage import Limits, Zone

log = logging.getLogger(__name__)

COMMAND_TIMEOUT_S = 2.0  # docs/gatt-profile.md: the app waits about 2 s for each indication
HEARTBEAT_INTERVAL_S = 1.0  # profile: about once a second; the device's watchdog is 2 s
STATUS_SILENCE_S = 3.0  # status comes at least once a second: three missed frames is "silent"
SCAN_TIMEOUT_S = 2.0  # adverts every 20-100 ms; 2 s is many intervals, still a short wait
DISCONNECT_TIMEOUT_S = 2.0  # bounded so shutdown never hangs on a peer that never answers

T = TypeVar("T")


class EventKind(enum.Enum):
    CONNECT_ATTEMPT_FAILED = "connect attempt failed"
    CONNECTED = "connected"
    LINK_LOST = "link lost"
    RECONNECTED = "reconnected"
    RECONNECT_GAVE_UP = "reconnect gave up"
    OUTCOME_UNKNOWN = "outcome unknown"
    DEVICE_SILENT = "device silent"
    DEVICE_BACK = "device back"
    STOP_UNACKNOWLEDGED = "stop unacknowledged"
    DISCONNECTED = "disconnected"


@dataclass(frozen=True)
class ClientEvent:
    kind: EventKind
    detail: str = ""
    error: BaseException | None = None


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit trail: what was sent or happened, its parameters and result.

    `what` is a command ("start_program", "limits", ...) or a link event ("connected").
    `command_id` is the control point request id when there is one.
    """

    at: datetime
    what: str
    params: dict[str, object]
    result: str
    command_id: int | None = None


@dataclass(frozen=True)
class DiscoveredMassager:
    """A massager in range, with what tells look-alikes apart before pairing."""

    address: str
    name: str
    rssi: int
    bonded: bool | None  # None: the platform keeps bonds and does not tell
    model: str = ""  # from the scan response (docs/gatt-profile.md), when the device says
    serial: str = ""
    pairs: bool = True  # False: a device that takes no pairing (anyone nearby can control it)


@dataclass(frozen=True)
class DeviceInfo:
    manufacturer: str
    model_number: str
    serial_number: str
    firmware_revision: str


class _LinkLost(Exception):
    """Set on a pending command's future when the link goes."""


def identity_from_advert(manufacturer_data: dict[int, bytes]) -> tuple[str, str]:
    """(model, serial) from the scan response (`p.ScanIdentity`); ("", "") if absent or bad."""
    raw = manufacturer_data.get(p.TESTING_COMPANY_ID)
    if raw is None:
        return "", ""
    try:
        identity = p.ScanIdentity.from_bytes(bytes(raw))
    except p.ProtocolError:
        return "", ""

    def shown(text: str) -> str:  # a look-alike could send anything: printable only
        return "".join(c for c in text if c.isprintable()).strip()

    return shown(identity.model), shown(identity.serial)


async def discover(backend: Backend, timeout: float = SCAN_TIMEOUT_S) -> list[DiscoveredMassager]:
    """Massagers in range (our service UUID only), strongest signal first."""
    found = await BleakScanner.discover(
        timeout=timeout, return_adv=True, service_uuids=[p.SERVICE_UUID], **backend.scanner_kwargs()
    )
    result = []
    for address, (device, adv) in found.items():
        if p.SERVICE_UUID not in adv.service_uuids:
            continue
        name = adv.local_name or device.name or ""
        bonded = await backend.is_bonded(address)
        model, serial = identity_from_advert(adv.manufacturer_data)
        result.append(DiscoveredMassager(address, name, adv.rssi, bonded, model, serial))
    return sorted(result, key=lambda d: -d.rssi)


class MassagerClient:
    """Drive the pinned massager; see the module docstring for the guarantees."""

    def __init__(
        self,
        backend: Backend,
        device: PinnedDevice,
        caps: Limits,
        *,
        policy: RetryPolicy | None = None,
        command_timeout_s: float = COMMAND_TIMEOUT_S,
        heartbeat_interval_s: float | None = HEARTBEAT_INTERVAL_S,
        status_silence_s: float | None = STATUS_SILENCE_S,
        scan_timeout_s: float = SCAN_TIMEOUT_S,
        auto_reconnect: bool = True,
        allow_pairing: bool = False,
    ) -> None:
        self.backend = backend
        self.device = device
        self._caps = caps  # what this client enforces, and what the device was last told
        self._wanted_caps = caps  # the latest caps asked for: written on every (re)connect
        self.policy = policy or RetryPolicy()
        self.command_timeout_s = command_timeout_s
        self.heartbeat_interval_s = heartbeat_interval_s
        self.status_silence_s = status_silence_s
        self.scan_timeout_s = scan_timeout_s
        self.auto_reconnect = auto_reconnect
        # Pair only on the person's word, and only for the first connect: afterwards the
        # bond must encrypt the link, or the connect fails (never a silent re-pairing).
        self.allow_pairing = allow_pairing
        self.status: p.Status | None = None  # the last decoded frame: what we believe
        self.needs_resync = False
        # Counters for diagnostics and tests.
        self.malformed_notifications = 0
        self.unexpected_indications = 0
        self.subscriptions = 0  # status subscriptions made, one per connection
        self.resyncs = 0
        self._statuses: Observers[p.Status] = Observers()
        self._events: Observers[ClientEvent] = Observers()
        self._audit: Observers[AuditEntry] = Observers()
        self._last_command_id: int | None = None  # the request id of the last command sent
        self._client: BleakClient | None = None
        self._ready = False
        self._closing = False
        # The command awaiting its indication: (opcode, future, request id).
        self._pending: tuple[p.Opcode, asyncio.Future[p.ControlResponse], int] | None = None
        self._cp_lock = asyncio.Lock()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._last_status_at = 0.0
        self._silent = False

    # --- streams ------------------------------------------------------------

    def statuses(self) -> Stream[p.Status]:
        """Decoded status frames from now on, as an async iterator (`close()` it when done)."""
        return self._statuses.stream()

    def events(self) -> Stream[ClientEvent]:
        return self._events.stream()

    def on_status(self, callback: Callable[[p.Status], None]) -> Subscription:
        """Call `callback` for each status frame until the subscription is closed."""
        return self._statuses.subscribe(callback)

    def on_event(self, callback: Callable[[ClientEvent], None]) -> Subscription:
        return self._events.subscribe(callback)

    def on_audit(self, callback: Callable[[AuditEntry], None]) -> Subscription:
        """Every command, limits write, upload and link event, as it happens."""
        return self._audit.subscribe(callback)

    def _record(
        self, what: str, params: dict[str, object], result: str, command_id: int | None = None
    ) -> None:
        self._audit.publish(AuditEntry(datetime.now(UTC), what, params, result, command_id))

    @property
    def caps(self) -> Limits:
        """The caps this client enforces now (read-only: change them with `set_caps`)."""
        return self._caps

    @property
    def is_connected(self) -> bool:
        return self._ready and self._client is not None and self._client.is_connected

    def _emit(self, kind: EventKind, detail: str = "", error: BaseException | None = None) -> None:
        log.info("%s: %s %s", self.device.address, kind.value, detail)
        self._record(kind.name.lower(), {"detail": detail} if detail else {}, "event")
        self._events.publish(ClientEvent(kind, detail, error))

    # --- connection ---------------------------------------------------------

    async def connect(self) -> None:
        """Connect to the pinned device with retries and backoff under the policy's budget."""
        self._closing = False
        await self._connect_with_retry()
        self.allow_pairing = False
        self._emit(EventKind.CONNECTED)

    async def _connect_with_retry(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.policy.budget_s
        attempt = 0
        while True:
            remaining = deadline - loop.time()
            try:
                await self._attempt(self.policy.attempt_timeout(remaining))
                return
            except (BleakError, TimeoutError, OSError, EOFError, DeviceNotFound) as exc:
                await self._drop_client()
                attempt += 1
                kind = classify(exc)
                self._emit(EventKind.CONNECT_ATTEMPT_FAILED, f"#{attempt} {kind.value}: {exc}", exc)
                delay = self.policy.next_delay(kind, attempt, deadline - loop.time())
                if delay is None or self._closing:
                    raise ConnectFailed(
                        f"could not connect to {self.device.address} "
                        f"after {attempt} attempts: {exc}",
                        attempt,
                        exc,
                    ) from exc
                await asyncio.sleep(delay)
            except BaseException:
                await self._drop_client()
                raise

    async def _attempt(self, timeout: float) -> None:
        """One attempt: find the pinned address, connect, pair/encrypt, set up."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        device = await BleakScanner.find_device_by_filter(
            lambda d, _adv: self.device.matches(d.address),
            timeout=max(0.05, min(self.scan_timeout_s, timeout)),
            service_uuids=[p.SERVICE_UUID],
            **self.backend.scanner_kwargs(),
        )
        if device is None:
            raise DeviceNotFound(f"{self.device.address} is not advertising")
        client = BleakClient(
            device,
            disconnected_callback=self._on_disconnected,
            timeout=max(0.5, timeout - (loop.time() - started)),
            pair=self.allow_pairing,
            **self.backend.client_kwargs(),
        )
        if not self.device.matches(client.address):  # defence in depth: never another device
            raise WrongDevice(f"refusing {client.address}: pinned to {self.device.address}")
        self._client = client
        try:
            await client.connect()
        except BondNotAccepted as exc:
            raise BondRejected("The massager no longer recognises this computer.", None) from exc
        if not self.allow_pairing and await self.backend.is_bonded(self.device.address) is False:
            raise NotPaired(f"This computer is not paired with {self.device.address}.")
        await self._setup(client)  # only now, on a link encrypted with our bond, is anything sent

    async def _setup(self, client: BleakClient) -> None:
        """After every (re)connect: subscribe once, take control, write caps, read status."""
        if client.mtu_size < p.MIN_MTU:
            log.warning(
                "MTU %d is below %d: status frames will not fit", client.mtu_size, p.MIN_MTU
            )
        require_protocol(bytes(await client.read_gatt_char(p.FEATURES_UUID)))  # before any write
        await client.start_notify(p.CONTROL_POINT_UUID, self._on_indication)
        await client.start_notify(p.STATUS_UUID, self._on_status_data)
        self.subscriptions += 1
        await self._send(p.RequestControl(), client=client)
        while True:  # caps asked for while this write was on its way are written too
            wanted = self._wanted_caps
            await self._write_limits(client, wanted)
            if wanted == self._wanted_caps:
                break
        self._caps = wanted
        await self._resync(client)
        self._last_status_at = asyncio.get_running_loop().time()
        self._silent = False
        self._ready = True
        self._start_task("heartbeat", self._heartbeat_loop())
        self._start_task("silence", self._silence_loop())

    async def _drop_client(self) -> None:
        client, self._client = self._client, None
        self._ready = False
        if client is not None and client.is_connected:
            with contextlib.suppress(BleakError, TimeoutError, OSError):
                async with asyncio.timeout(DISCONNECT_TIMEOUT_S):
                    await client.disconnect()

    def _on_disconnected(self, client: BleakClient) -> None:
        """bleak's callback: runs at once when the link goes (ours or theirs)."""
        if client is not self._client:
            return  # a failed attempt's client, or one we already dropped
        was_ready = self._ready
        self._ready = False
        self._client = None
        self.needs_resync = True
        self._fail_pending()
        self._cancel_task("heartbeat")
        self._cancel_task("silence")
        if self._closing or not was_ready:
            return
        self._emit(EventKind.LINK_LOST)
        if self.auto_reconnect:
            self._start_task("reconnect", self._reconnect())

    async def _reconnect(self) -> None:
        try:
            await self._connect_with_retry()
        except ConnectFailed as exc:
            self._emit(EventKind.RECONNECT_GAVE_UP, str(exc), exc)
        except MassagerError as exc:  # control refused, caps not kept, ...
            self._emit(EventKind.RECONNECT_GAVE_UP, str(exc), exc)
        except Exception as exc:  # never a silent death of the reconnect task
            log.exception("reconnecting failed unexpectedly")
            self._emit(EventKind.RECONNECT_GAVE_UP, f"{type(exc).__name__}: {exc}", exc)
        else:
            self._emit(EventKind.RECONNECTED)

    def _fail_pending(self) -> None:
        pending = self._pending
        if pending is not None and not pending[1].done():
            pending[1].set_exception(_LinkLost())

    def _start_task(self, name: str, coro: Coroutine[Any, Any, None]) -> None:
        self._cancel_task(name)
        self._tasks[name] = asyncio.get_running_loop().create_task(coro, name=f"massager-{name}")

    def _cancel_task(self, name: str) -> None:
        task = self._tasks.pop(name, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    async def close(self) -> bool:
        """Stop (waiting at most ~2 s for the ack), then disconnect. True if the stop was acked.

        An unacknowledged stop is reported as a STOP_UNACKNOWLEDGED event too.
        """
        self._closing = True
        tasks = [self._tasks.pop(n) for n in list(self._tasks)]
        for task in tasks:
            if task is not asyncio.current_task():
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        acknowledged = False
        if self._client is not None and self._ready:
            try:
                await self._send(p.Stop())
                acknowledged = True
            except MassagerError as exc:
                self._emit(EventKind.STOP_UNACKNOWLEDGED, str(exc), exc)
        else:
            self._emit(EventKind.STOP_UNACKNOWLEDGED, "not connected: the stop could not be sent")
        await self._drop_client()
        self._emit(EventKind.DISCONNECTED)
        return acknowledged

    async def __aenter__(self) -> MassagerClient:
        await self.connect()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    # --- background tasks ---------------------------------------------------

    async def _heartbeat_loop(self) -> None:
        """Runs on the event loop itself, so a frozen loop trips the device's watchdog."""
        interval = self.heartbeat_interval_s
        if interval is None:
            return
        while not self._closing:
            await asyncio.sleep(interval)
            try:
                await self._send(p.Heartbeat())
            except MassagerError as exc:
                # close() cancels this task; if the cancel lands just as the command's
                # own timeout fires, Python 3.11's asyncio.timeout can turn it into a
                # TimeoutError (so an OutcomeUnknown here) and the cancel is lost.
                # `_closing` ends the loop either way, so close() never waits forever.
                if self._closing:
                    return
                log.warning("heartbeat failed: %s", exc)

    async def _silence_loop(self) -> None:
        silence = self.status_silence_s
        if silence is None:
            return
        loop = asyncio.get_running_loop()
        while not self._closing:
            await asyncio.sleep(silence / 4)
            if not self._silent and loop.time() - self._last_status_at > silence:
                self._silent = True
                self._emit(EventKind.DEVICE_SILENT, f"no status for {silence:.1f} s")

    # --- notifications --------------------------------------------------------

    def _on_indication(self, _char: BleakGATTCharacteristic, data: bytearray) -> None:
        try:
            response = p.ControlResponse.from_bytes(bytes(data))
        except p.ProtocolError as exc:
            self.malformed_notifications += 1
            log.warning("malformed control point indication %s: %s", bytes(data).hex(), exc)
            return
        pending = self._pending
        if (
            pending is None
            or pending[1].done()
            or (response.request_opcode, response.seq) != (pending[0], pending[2])
        ):
            # Late (its command timed out), for another request id, or never asked for.
            self.unexpected_indications += 1
            log.warning("unexpected indication %s (late or unasked): ignored", response)
            return
        pending[1].set_result(response)

    def _on_status_data(self, _char: BleakGATTCharacteristic, data: bytearray) -> None:
        try:
            status = p.Status.from_bytes(bytes(data))
        except p.ProtocolError as exc:
            self.malformed_notifications += 1
            log.warning("malformed status notification %s: %s", bytes(data).hex(), exc)
            return
        self._accept_status(status)

    def _accept_status(self, status: p.Status) -> None:
        previous = self.status
        if status.faults and (previous is None or previous.faults != status.faults):
            self._record(
                "fault",
                {"faults": str(status.faults), "stop_reason": status.stop_reason.name.lower()},
                "reported",
            )
        self._last_status_at = asyncio.get_running_loop().time()
        if self._silent:
            self._silent = False
            self._emit(EventKind.DEVICE_BACK)
        self.status = status
        self._statuses.publish(status)

    # --- commands -------------------------------------------------------------

    async def _send(
        self,
        cmd: p.Command,
        *,
        client: BleakClient | None = None,
        detail: dict[str, Any] | None = None,
    ) -> p.ControlResponse:
        """`_command`, with the command, its id and its result in the audit trail
        (`detail`: what the parameters mean, in words the log keeps beside them)."""
        what = cmd.opcode.name.lower()
        params = {
            k: v.hex() if isinstance(v, bytes) else v for k, v in vars(cmd).items() if k != "seq"
        }
        params.update(detail or {})
        try:
            response = await self._command(cmd, client=client)
        except MassagerError as exc:
            self._record(what, params, _result_words(exc), self._last_command_id)
            raise
        self._record(what, params, response.result.name.lower(), self._last_command_id)
        return response

    def _require_client(self) -> BleakClient:
        client = self._client
        if client is None or not client.is_connected:
            raise NotConnected(f"{self.device.address} is not connected")
        return client

    async def _command(
        self, cmd: p.Command, *, client: BleakClient | None = None
    ) -> p.ControlResponse:
        """Write one control point command and wait for its indication; raise if not success."""
        async with self._cp_lock:
            client = client or self._require_client()
            if self.needs_resync:
                await self._resync(client)
            # A fresh request id per command (1..255, wrapping): the answer must echo it.
            cmd = cmd.with_seq((self._last_command_id or 0) % 255 + 1)
            self._last_command_id = cmd.seq
            future: asyncio.Future[p.ControlResponse] = asyncio.get_running_loop().create_future()
            self._pending = (cmd.opcode, future, cmd.seq)
            try:
                async with asyncio.timeout(self.command_timeout_s):
                    await client.write_gatt_char(p.CONTROL_POINT_UUID, bytes(cmd), response=True)
                    response = await future
            except BleakGATTProtocolError as exc:
                raise write_refused(cmd.opcode.name, int(exc.args[0])) from exc
            except (TimeoutError, BleakError, _LinkLost, OSError) as exc:
                self.needs_resync = True
                why = "no answer in time" if isinstance(exc, TimeoutError) else "link lost"
                self._emit(EventKind.OUTCOME_UNKNOWN, f"{cmd.opcode.name}: {why}", exc)
                raise OutcomeUnknown(
                    f"{cmd.opcode.name}: {why}; it may or may not have been applied", cmd.opcode
                ) from exc
            finally:
                self._pending = None
        if response.result != p.ResultCode.SUCCESS:
            raise refusal_for(cmd.opcode, response.result)
        return response

    async def _resync(self, client: BleakClient) -> p.Status:
        """Read the device's status: what it is really doing, after an unknown outcome."""
        try:
            async with asyncio.timeout(self.command_timeout_s):
                data = await client.read_gatt_char(p.STATUS_UUID)
            status = p.Status.from_bytes(bytes(data))
        except (TimeoutError, BleakError, p.ProtocolError) as exc:
            raise NotConnected(
                f"could not read the status of {self.device.address}: {exc}"
            ) from exc
        self.resyncs += 1
        self.needs_resync = False
        self._accept_status(status)
        return status

    async def read_status(self) -> p.Status:
        async with self._cp_lock:
            return await self._resync(self._require_client())

    async def heartbeat(self) -> None:
        """One heartbeat now (the background task sends one every interval anyway)."""
        await self._send(p.Heartbeat())

    async def request_control(self) -> None:
        await self._send(p.RequestControl())

    async def start(self, program_id: int) -> None:
        await self._send(p.StartProgram(program_id))

    async def pause(self) -> None:
        await self._send(p.Pause())

    async def resume(self) -> None:
        await self._send(p.Resume())

    async def stop(self) -> None:
        await self._send(p.Stop())

    async def clear_fault(self) -> None:
        await self._send(p.ClearFault())

    async def set_intensity(self, level: int) -> None:
        if not 1 <= level <= 10:
            raise BadArgument(f"intensity {level} is outside 1..10")
        await self._send(p.SetIntensity(level))

    async def set_heat(self, heat_dc: int) -> None:
        """Set the heater (tenths of °C; 0 = off). Refused here if above the caps."""
        if heat_dc < 0:
            raise BadArgument(f"heat {heat_dc} dC is negative")
        if heat_dc > self.caps.max_heat_dc:
            cap = self.caps.max_heat_dc / 10
            raise CapExceeded(f"heat {heat_dc / 10:.1f} °C is above the cap of {cap:.1f} °C")
        await self._send(p.SetHeat(heat_dc))

    async def spare_zones(self, zones: Collection[Zone]) -> None:
        """Keep exactly `zones` empty for the rest of this session (none: give all back).

        Returns once the device acknowledged it; a refusal or no answer raises, and the
        audit trail keeps the mask, the zones' names and the result either way."""
        unknown = [int(z) for z in zones if not 0 <= int(z) < ZONE_COUNT]
        if unknown:
            raise BadArgument(f"zones {unknown} are not among the {ZONE_COUNT} of this massager")
        names = [ZONE_NAMES[zone] for zone in sorted(set(zones))]
        await self._send(p.SpareZones(p.zone_mask(zones)), detail={"zones": names})

    def check_program(self, program: p.Program) -> None:
        """Raise CapExceeded if any step, or the whole program, goes beyond the caps."""
        caps = self.caps
        for i, step in enumerate(program.steps):
            if max(step.pressures_mmhg) > caps.max_pressure_mmhg:
                raise CapExceeded(
                    f"step {i + 1}: {max(step.pressures_mmhg)} mmHg is above the cap of "
                    f"{caps.max_pressure_mmhg} mmHg"
                )
            if step.heat_dc > caps.max_heat_dc:
                raise CapExceeded(
                    f"step {i + 1}: {step.heat_dc / 10:.1f} °C is above the cap of "
                    f"{caps.max_heat_dc / 10:.1f} °C"
                )
        if program.duration_s > caps.max_session_s:
            raise CapExceeded(
                f"the program lasts {program.duration_s} s, the cap is {caps.max_session_s} s"
            )

    async def upload_program(self, program: p.Program) -> None:
        """Check the program against the caps, then write it in chunks (one ATT write each)."""
        params: dict[str, object] = {
            "program_id": program.program_id,
            "steps": len(program.steps),
            "duration_s": program.duration_s,
            "max_pressure_mmhg": max((max(s.pressures_mmhg) for s in program.steps), default=0),
            "max_heat_dc": max((s.heat_dc for s in program.steps), default=0),
        }
        try:
            await self._upload(program)
        except MassagerError as exc:
            self._record("upload_program", params, type(exc).__name__)
            raise
        self._record("upload_program", params, "ok")

    async def _upload(self, program: p.Program) -> None:
        self.check_program(program)
        async with self._cp_lock:
            client = self._require_client()
            if self.needs_resync:
                await self._resync(client)
            for chunk in p.chunk_program(program, client.mtu_size):
                try:
                    await client.write_gatt_char(p.PROGRAM_UUID, bytes(chunk), response=True)
                except BleakGATTProtocolError as exc:
                    raise write_refused("program upload", int(exc.args[0])) from exc
                except (TimeoutError, BleakError) as exc:
                    self.needs_resync = True
                    raise OutcomeUnknown(f"program upload interrupted: {exc}") from exc

    async def set_caps(self, caps: Limits) -> None:
        """New caps: lower ones hold in this client at once; all of them are written to the
        device's Limits and read back before they count as the device's.

        Not connected: they are written (and then count) on the next connect. If the
        write fails, this client keeps the stricter of old and new, and the next
        (re)connect writes `caps`.
        """
        old = self._caps
        self._wanted_caps = caps
        self._caps = old.stricter(caps)
        if not self.is_connected:
            return  # `_setup` writes them, then they count
        async with self._cp_lock:
            await self._write_limits(self._require_client(), caps)
        self._caps = caps

    async def _write_limits(self, client: BleakClient, limits: Limits) -> None:
        """Write Limits and read them back; both go into the audit trail."""
        written = _limits_json(limits)
        try:
            back = await self._write_and_read_limits(client, limits)
        except MassagerError as exc:
            self._record("limits", {"written": written}, type(exc).__name__)
            raise
        ok = back == limits
        self._record(
            "limits",
            {"written": written, "read_back": _limits_json(back)},
            "ok" if ok else "mismatch",
        )
        if not ok:
            raise LimitsMismatch(f"wrote {limits}, the device reports {back}")

    async def _write_and_read_limits(self, client: BleakClient, limits: Limits) -> Limits:
        try:
            async with asyncio.timeout(self.command_timeout_s):
                await client.write_gatt_char(p.LIMITS_UUID, p.encode_limits(limits), response=True)
                data = await client.read_gatt_char(p.LIMITS_UUID)
        except BleakGATTProtocolError as exc:
            raise write_refused("limits", int(exc.args[0])) from exc
        except (TimeoutError, BleakError, OSError) as exc:
            self.needs_resync = True
            raise OutcomeUnknown(f"limits write not confirmed: {exc}") from exc
        try:
            return p.decode_limits(bytes(data))
        except p.ProtocolError as exc:
            raise LimitsMismatch(f"wrote {limits}, the device's answer is malformed") from exc

    # --- reads ----------------------------------------------------------------

    async def _read(self, uuid: str) -> bytes:
        client = self._require_client()
        try:
            async with asyncio.timeout(self.command_timeout_s):
                return bytes(await client.read_gatt_char(uuid))
        except (TimeoutError, BleakError) as exc:
            raise NotConnected(f"reading {uuid} failed: {exc}") from exc

    async def features(self) -> p.Features:
        return p.Features.from_bytes(await self._read(p.FEATURES_UUID))

    async def device_info(self) -> DeviceInfo:
        async def text(uuid: str) -> str:
            return (await self._read(uuid)).decode("utf-8", "replace")

        return DeviceInfo(
            await text(p.MANUFACTURER_NAME_UUID),
            await text(p.MODEL_NUMBER_UUID),
            await text(p.SERIAL_NUMBER_UUID),
            await text(p.FIRMWARE_REVISION_UUID),
        )

    async def battery(self) -> int:
        """Battery level in percent; `MalformedReply` unless the device sent one byte 0-100
        (an empty read is not an empty battery)."""
        data = await self._read(p.BATTERY_LEVEL_UUID)
        if len(data) != 1 or data[0] > 100:
            raise MalformedReply(f"the battery level read {data.hex() or 'nothing'}")
        return data[0]


def _result_words(exc: MassagerError) -> str:
    """A refused or lost command's result, as the audit trail stores it."""
    refused = getattr(exc, "result", None)
    if isinstance(refused, p.ResultCode):
        return refused.name.lower()
    if isinstance(exc, OutcomeUnknown):
        return "no_answer"
    return type(exc).__name__


def _limits_json(limits: Limits) -> dict[str, int]:
    return {
        "max_pressure_mmhg": limits.max_pressure_mmhg,
        "max_heat_dc": limits.max_heat_dc,
        "max_session_s": limits.max_session_s,
    }
