"""Driver one: Thenar's own profile (docs/gatt-profile.md), through `ble.client.MassagerClient`.

The device enforces caps, a watchdog, link-loss stop and auto-off itself; the client
writes caps and reads them back, numbers every command and keeps the audit trail.
This driver only translates: a plan to an uploaded program, a status frame to a
`DeviceStatus`. It adds no round trip (benchmarks/bench_drivers.py measures it).
"""

from __future__ import annotations

from ble import protocol as p
from ble.backends import Backend
from ble.client import ClientEvent, MassagerClient
from ble.observers import Observers
from ble.pinning import PinnedDevice
from drivers.base import DeviceStatus, LinkEvent
from drivers.description import Description
from drivers.thenar_program import thenar_program
from massage import Limits
from therapy.plan import Plan

_RUNNING = (p.State.RUNNING, p.State.PAUSED)


def device_status(status: p.Status) -> DeviceStatus:
    running = status.state in _RUNNING
    return DeviceStatus(
        running=running,
        level=status.intensity,
        pressures_mmhg=tuple(status.pressures_mmhg),
        heat_on=status.heat_setpoint_dc > 0,
        temperature_dc=status.heater_dc,
        stop_reason="" if running else status.stop_reason.name.lower(),
    )


class ThenarDriver:
    """A `drivers.base.Driver` over `MassagerClient`; `client` stays reachable for the audit."""

    def __init__(
        self,
        description: Description,
        client: MassagerClient,
    ) -> None:
        self.description = description
        self.client = client
        self.statuses: Observers[DeviceStatus] = Observers()
        self.links: Observers[LinkEvent] = Observers()
        self._subs = [
            client.on_status(lambda s: self.statuses.publish(device_status(s))),
            client.on_event(self._on_event),
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
        self.links.publish(LinkEvent(event.kind.name.lower(), event.detail))

    @property
    def is_connected(self) -> bool:
        return self.client.is_connected

    @property
    def caps(self) -> Limits:
        return self.client.caps

    async def connect(self) -> None:
        await self.client.connect()

    async def set_caps(self, caps: Limits) -> None:
        await self.client.set_caps(caps)

    async def run(self, plan: Plan) -> None:
        program = thenar_program(plan)
        await self.client.upload_program(program)  # checked against the caps first
        await self.client.start(program.program_id)

    async def stop(self) -> None:
        await self.client.stop()

    async def read_status(self) -> DeviceStatus:
        return device_status(await self.client.read_status())

    async def close(self) -> bool:
        acknowledged = await self.client.close()
        for sub in self._subs:
            sub.close()
        return acknowledged
