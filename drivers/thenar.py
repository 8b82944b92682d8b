"""Driver one: Thenar's own profile (docs/gatt-profile.md), through `ble.client.MassagerClient`.

The device enforces caps, a watchdog, link-loss stop and auto-off itself; the client
writes caps and reads them back, numbers every command, sends the heartbeat, stops
with an acknowledgement and keeps the audit trail. This driver only translates: a
plan to an uploaded program, a status frame to a `DeviceStatus`, a client event to a
`LinkEvent`. It adds no round trip (benchmarks/bench_drivers.py measures it).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from ble import protocol as p
from ble.client import MassagerClient
from ble.errors import MassagerError
from ble.observers import Observers
from ble.pinning import PinnedDevice
from drivers.base import FULL_INTENSITY, DeviceStatus, LinkEvent, StopReason
from drivers.thenar_program import thenar_program

if TYPE_CHECKING:
    from ble.backends import Backend
    from ble.client import AuditEntry, ClientEvent, DeviceInfo
    from drivers.description import Description
    from massage import Limits, Zone
    from therapy.plan import Plan

_RUNNING = (p.State.RUNNING, p.State.PAUSED)
_ENDED = (p.State.STOPPED, p.State.FAULT)


def _stop_reason(status: p.Status) -> str:
    """Why the device stopped, once it has ("" while it runs or before it started)."""
    if status.state not in _ENDED:
        return ""
    if status.stop_reason == p.StopReason.NONE:
        return StopReason.FAULT if status.state == p.State.FAULT else StopReason.USER
    return status.stop_reason.name.lower()


def device_status(status: p.Status) -> DeviceStatus:
    return DeviceStatus(
        running=status.state in _RUNNING,
        level=status.intensity,
        pressures_mmhg=tuple(status.pressures_mmhg),
        heat_on=status.heat_setpoint_dc > 0,
        temperature_dc=status.heater_dc,
        stop_reason=_stop_reason(status),
        paused=status.state == p.State.PAUSED,
        elapsed_s=status.elapsed_s,
        remaining_s=status.remaining_s,
        step_index=status.step_index,
        heat_setpoint_dc=status.heat_setpoint_dc,
    )


class ThenarDriver:
    """A `drivers.base.Driver` over `MassagerClient`; `client` stays reachable for tests."""

    def __init__(self, description: Description, client: MassagerClient) -> None:
        self.description = description
        self.client = client
        self.address = client.device.address
        self.statuses: Observers[DeviceStatus] = Observers()
        self.links: Observers[LinkEvent] = Observers()
        self.audits: Observers[AuditEntry] = Observers()
        self._intensity = FULL_INTENSITY  # what the device was last told
        self._subs = [
            client.on_status(lambda s: self.statuses.publish(device_status(s))),
            client.on_event(self._on_event),
            client.on_audit(self.audits.publish),
        ]

    @classmethod
    def open(
        cls,
        description: Description,
        backend: Backend,
        address: str,
        caps: Limits,
        *,
        name: str = "",
        pair: bool = False,
    ) -> ThenarDriver:
        client = MassagerClient(backend, PinnedDevice(address, name), caps, allow_pairing=pair)
        return cls(description, client)

    def _on_event(self, event: ClientEvent) -> None:
        self.links.publish(LinkEvent(event.kind.name.lower(), event.detail, event.error))

    @property
    def is_connected(self) -> bool:
        return self.client.is_connected

    @property
    def caps(self) -> Limits:
        return self.client.caps

    @property
    def pause_refusal(self) -> str:
        return ""  # the device holds the program, vented, and goes on from there

    def warmth_refusal(self, heat_dc: int) -> str:
        if heat_dc > self.client.caps.max_heat_dc:
            return "That much warmth is above your limits."
        return ""

    @property
    def spare_refusal(self) -> str:
        if not self.description.capabilities.spare_zones:
            return "This massager cannot keep a single zone from squeezing."
        return ""

    async def spare_zones(self, zones: Collection[Zone]) -> None:
        refusal = self.spare_refusal
        if refusal:
            raise MassagerError(refusal, "Press Stop if a spot is sore.")
        await self.client.spare_zones(zones)  # acknowledged and audited, or it raises

    async def connect(self) -> None:
        await self.client.connect()

    async def device_info(self) -> DeviceInfo:
        return await self.client.device_info()

    async def battery(self) -> int:
        return await self.client.battery()

    async def set_caps(self, caps: Limits) -> None:
        await self.client.set_caps(caps)

    async def run(self, plan: Plan) -> None:
        program = thenar_program(plan)
        await self.client.upload_program(program)  # checked against the caps first
        if self._intensity != FULL_INTENSITY:  # a gentler last session: this one as planned
            await self.client.set_intensity(FULL_INTENSITY)
            self._intensity = FULL_INTENSITY
        await self.client.start(program.program_id)

    async def set_intensity(self, tenths: int) -> None:
        await self.client.set_intensity(tenths)  # the device scales, within its caps
        self._intensity = tenths

    async def set_heat(self, heat_dc: int) -> None:
        await self.client.set_heat(heat_dc)  # the client refuses above the caps

    async def pause(self) -> None:
        await self.client.pause()

    async def resume(self) -> None:
        await self.client.resume()

    async def stop(self) -> None:
        await self.client.stop()

    async def read_status(self) -> DeviceStatus:
        return device_status(await self.client.read_status())

    async def close(self) -> bool:
        acknowledged = await self.client.close()
        for sub in self._subs:
            sub.close()
        return acknowledged
