"""The app's massager: which backend, which device, and the connection state a person sees.

One place owns the `MassagerClient`, so the Device page, the Session page and
shutdown all talk to the same connection. Every state change is turned into a
short plain sentence for the window's header and the screen reader.

The caps on the device follow the safety owner (`appcore.safety`): on every
connect and reconnect, and on every change of the safety state, the caps in force
are written to the device's Limits and read back. While a session runs they never
loosen past the caps it started with (`hold_session_caps`).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bumble.link import LocalLink

from appcore.context import AppContext
from appcore.safety import SafetyChanged, stricter
from ble import protocol as p
from ble.backends import Backend, choose_backend
from ble.client import (
    ClientEvent,
    DeviceInfo,
    DiscoveredMassager,
    EventKind,
    MassagerClient,
    discover,
)
from ble.errors import MassagerError
from ble.pinning import PinnedDevice
from ble.sim_process import simulator_process
from data import devices as device_log

log = logging.getLogger(__name__)

class LinkState(enum.Enum):
    DISCONNECTED = "not connected"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "connection lost, reconnecting"
    FAILED = "could not connect"


_EVENT_STATES = {
    EventKind.CONNECTED: LinkState.CONNECTED,
    EventKind.RECONNECTED: LinkState.CONNECTED,
    EventKind.LINK_LOST: LinkState.RECONNECTING,
    EventKind.RECONNECT_GAVE_UP: LinkState.FAILED,
    EventKind.DISCONNECTED: LinkState.DISCONNECTED,
}


class Massager:
    """Backend + pinned device + client, with listeners for state and status."""

    def __init__(
        self, ctx: AppContext, link: LocalLink | None = None, key_store: Path | None = None
    ) -> None:
        self.ctx = ctx
        self._link = link  # tests and the self-test run the simulator in process
        self._key_store = key_store
        self._backend: Backend | None = None
        self._resources = contextlib.AsyncExitStack()  # the simulator process, the backend
        self.client: MassagerClient | None = None
        self.state = LinkState.DISCONNECTED
        self.detail = ""
        self.info: DeviceInfo | None = None
        self.battery: int | None = None
        self.rssi: int | None = None
        self.state_listeners: list[Callable[[LinkState, str], None]] = []
        self.status_listeners: list[Callable[[p.Status], None]] = []
        self.event_listeners: list[Callable[[ClientEvent], None]] = []
        self.caps_failures = 0  # caps the device did not confirm (each one also stops it)
        self._session_caps: p.Limits | None = None
        self._caps_lock = asyncio.Lock()
        self._syncs: set[asyncio.Task[None]] = set()
        self._safety = ctx.safety.subscribe(self._on_safety)

    # --- backend ------------------------------------------------------------

    async def backend(self) -> Backend:
        """The backend the settings name; "sim" starts the simulator process the first time."""
        if self._backend is not None:
            return self._backend
        setting = self.ctx.settings.transport
        if setting == "sim" and self._link is None:
            setting = await self._resources.enter_async_context(simulator_process())
        backend = choose_backend(setting, link=self._link, key_store_path=self._key_store)
        self._backend = await self._resources.enter_async_context(backend)
        return self._backend

    async def scan(self) -> list[DiscoveredMassager]:
        return await discover(await self.backend())

    # --- connection -----------------------------------------------------------

    def _set_state(self, state: LinkState, detail: str = "") -> None:
        self.state, self.detail = state, detail
        for listener in list(self.state_listeners):
            listener(state, detail)

    def describe(self) -> str:
        name = self.ctx.settings.pinned_name
        text = f"{name}, {self.state.value}" if name else self.state.value
        if self.state == LinkState.CONNECTED and self.battery is not None:
            text += f", battery {self.battery}%"
        if self.detail:
            text += f". {self.detail}"
        return text

    async def connect(self, address: str, name: str) -> None:
        """Pin this massager and connect; it is given the caps in force before anything else."""
        if self.client is not None:
            await self.disconnect()
        self._set_state(LinkState.CONNECTING)
        backend = await self.backend()
        client = MassagerClient(backend, PinnedDevice(address, name), self.caps_in_force())
        client.on_event(self._on_event)
        client.on_status(self._on_status)
        try:
            await client.connect()
        except Exception as exc:
            advice = getattr(exc, "advice", "")
            self._set_state(LinkState.FAILED, f"{exc} {advice}".strip())
            raise
        self.client = client
        if self.ctx.settings.pinned_address != address or self.ctx.settings.pinned_name != name:
            self.ctx.update_settings(pinned_address=address, pinned_name=name)
        self.info = await client.device_info()
        self.battery = await client.battery()
        firmware = self.info.firmware_revision
        await self.ctx.db.run(
            lambda db: device_log.record_device(
                db, address, name, firmware, seen_at=datetime.now(UTC)
            )
        )
        self._set_state(LinkState.CONNECTED)
        await self.sync_caps()  # the safety state may have moved while we connected

    # --- caps -------------------------------------------------------------------

    def caps_in_force(self) -> p.Limits:
        """The owner's caps, never looser than those a running session started with."""
        caps = self.ctx.safety.state.caps
        return caps if self._session_caps is None else stricter(caps, self._session_caps)

    def hold_session_caps(self, caps: p.Limits | None) -> None:
        """A session started with `caps` (None: it ended); they are the ceiling until it ends."""
        self._session_caps = caps
        if caps is None:
            self._spawn_sync()

    def _on_safety(self, _event: SafetyChanged) -> None:
        self._spawn_sync()

    def _spawn_sync(self) -> None:
        task = asyncio.get_running_loop().create_task(self._sync_reported(), name="caps-sync")
        self._syncs.add(task)
        task.add_done_callback(self._syncs.discard)

    async def _sync_reported(self) -> None:
        try:
            await self.sync_caps()
        except MassagerError as exc:
            log.warning("caps not confirmed: %s", exc)

    async def sync_caps(self) -> None:
        """Write the caps in force to the device and read them back.

        If the device does not confirm them, it is told to stop (a running program may
        be above the new caps) and the failure is raised and shown in the header.
        """
        async with self._caps_lock:
            client = self.client
            if client is None:
                return
            try:
                await client.set_caps(self.caps_in_force())
            except MassagerError as exc:
                self.caps_failures += 1
                with contextlib.suppress(MassagerError):
                    await client.stop()
                why = f"The massager did not confirm your new limits ({exc}); it was stopped."
                self._set_state(self.state, why)
                raise

    async def settled(self) -> None:
        """Wait until every caps write started so far has finished (tests, shutdown)."""
        while self._syncs:
            await asyncio.gather(*list(self._syncs), return_exceptions=True)

    def _on_event(self, event: ClientEvent) -> None:
        log.info("massager event: %s %s", event.kind.value, event.detail)
        state = _EVENT_STATES.get(event.kind)
        if state is not None:
            self._set_state(state, event.detail)
        for listener in list(self.event_listeners):
            listener(event)

    def _on_status(self, status: p.Status) -> None:
        for listener in list(self.status_listeners):
            listener(status)

    async def disconnect(self) -> bool:
        """Stop (acknowledged) and disconnect; False if the stop was not acknowledged."""
        client, self.client = self.client, None
        acknowledged = True
        if client is not None:
            acknowledged = await client.close()
        self._set_state(LinkState.DISCONNECTED)
        return acknowledged

    async def forget(self) -> None:
        await self.disconnect()
        self.ctx.update_settings(pinned_address=None, pinned_name=None)

    async def close(self) -> bool:
        acknowledged = await self.disconnect()
        self._backend = None
        try:
            await self._resources.aclose()  # backend first, then the simulator process
        except Exception:
            log.exception("closing the Bluetooth backend failed")
        return acknowledged
