"""The app's massager: which backend, which device, and the connection state a person sees.

One place owns the `MassagerClient`, so the Device page, the Session page and
shutdown all talk to the same connection. Every state change is turned into a
short plain sentence for the window's header and the screen reader.
"""

from __future__ import annotations

import contextlib
import enum
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bumble.link import LocalLink

from appcore.context import AppContext
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
from ble.pinning import PinnedDevice
from ble.sim_process import simulator_process
from data import devices as device_log

log = logging.getLogger(__name__)

# Conservative caps until a screening gives the person's own: the design defaults.
DEFAULT_CAPS = p.Limits(max_pressure_mmhg=50, max_heat_dc=420, max_session_s=15 * 60)


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
        if self.detail and self.state != LinkState.CONNECTED:
            text += f". {self.detail}"
        return text

    async def connect(self, address: str, name: str, caps: p.Limits | None = None) -> None:
        """Pin this massager and connect; caps are the profile's (or the design defaults)."""
        if self.client is not None:
            await self.disconnect()
        self._set_state(LinkState.CONNECTING)
        backend = await self.backend()
        client = MassagerClient(backend, PinnedDevice(address, name), caps or DEFAULT_CAPS)
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

    async def set_caps(self, caps: p.Limits) -> None:
        """New caps (a new screening or today's check-in): the client checks and writes them."""
        if self.client is not None:
            await self.client.write_limits(caps)

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
