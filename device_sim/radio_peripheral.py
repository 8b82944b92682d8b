"""What every simulated massager does on the virtual radio, whatever its protocol.

Joining and leaving the radio, advertising (and again after each disconnection),
keeping the list of connected centrals, scheduled tasks and the real-time ticker.
A device family adds its GATT services, its advert, and what its firmware does when
a central connects, leaves or time passes (`device_sim.peripheral` for Thenar's
profile, `device_sim.aa55_peripheral` for the consumer family).

Bumble pitfalls handled here (docs/bumble-pitfalls.md):
1 - the advert and the scan response are each checked against the 31-byte legacy limit;
8 - each peripheral has a fixed random static address;
9 - advertising stops before the controller leaves the link;
10 - power-on has a timeout: it never hangs;
and an advertising restart in flight is let finish before stopping (cancelled
mid-command, Bumble's host would later get an answer it cannot take).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Self

from bumble import hci
from bumble.controller import Controller
from bumble.core import AdvertisingData
from bumble.device import Connection, Device, DeviceConfiguration
from bumble.gatt import Service
from bumble.link import LocalLink

from ble.bumble_bleak.radio import detach_controller, host_for, new_controller
from device_sim.clock import Clock

log = logging.getLogger(__name__)

TICK_S = 0.05  # firmware time in real time, at 20 Hz
ADVERTISING_INTERVAL_MS = 20.0  # the shortest legal interval: quick discovery
LEGACY_ADVERTISING_DATA_MAX = 31  # bytes, advert and scan response each
RESTART_ADVERTISING = "sim-restart-advertising"  # the task's name
RESTART_GRACE_S = 2.0  # in process it takes milliseconds; bounded so stop() never hangs
POWER_ON_TIMEOUT_S = 5.0


class RadioPeripheral:
    """A Bumble peripheral at a fixed address; subclasses fill `services` and the hooks."""

    TICKER = "sim-ticker"  # the ticker task's name

    def __init__(
        self,
        link: LocalLink,
        address: str,
        name: str,
        clock: Clock,
        autotick: bool,
        rssi: int,
    ) -> None:
        self.link = link
        self.clock = clock
        self.rssi = rssi  # how strongly scanners on the virtual radio hear it (dBm)
        self.services: list[Service] = []
        self.connections: list[Connection] = []
        self._address = address
        self._name = name
        self._autotick = autotick
        self._controller: Controller | None = None
        self._device: Device | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._advertising_wanted = False
        self._stopping = False

    # --- what a family adds -------------------------------------------------------

    def _device_config(self) -> DeviceConfiguration:
        return DeviceConfiguration(name=self._name)

    async def _prepare(self, device: Device) -> None:
        """Before power-on: pairing and bonds, for a family that has them."""

    def _adverts(self) -> tuple[AdvertisingData, AdvertisingData | None]:
        """The advert and the scan response (None: none)."""
        raise NotImplementedError

    def _on_subscription(self, _conn: object, characteristic: object, *_flags: object) -> None:
        """A central subscribed to `characteristic` (a write the device counts, or not)."""

    def _connected(self, conn: Connection) -> None: ...

    def _disconnected(self, conn: Connection) -> None: ...

    def _waits_on_stop(self, task: asyncio.Task[Any]) -> bool:
        """Tasks `stop()` lets finish (within the grace) rather than cancelling."""
        return task.get_name() == RESTART_ADVERTISING

    async def tick(self) -> None:
        """Real time passed (the ticker, every TICK_S)."""

    # --- the radio ----------------------------------------------------------------

    async def start(self) -> None:
        """Join the virtual radio and start advertising."""
        self._controller = new_controller(self.link, f"sim-{self._address}")
        self._controller.rssi = self.rssi
        device = Device(
            name=self._name,
            address=hci.Address(self._address),
            config=self._device_config(),
            host=host_for(self._controller),
        )
        await self._prepare(device)
        for service in self.services:
            device.add_service(service)
        device.on(device.EVENT_CONNECTION, self._on_connection)
        device.gatt_server.on(
            device.gatt_server.EVENT_CHARACTERISTIC_SUBSCRIPTION, self._on_subscription
        )
        self._device = device
        await asyncio.wait_for(device.power_on(), timeout=POWER_ON_TIMEOUT_S)
        await self.start_advertising()
        if self._autotick:
            self._ticker = asyncio.create_task(self._tick_forever(), name=self.TICKER)

    async def stop(self) -> None:
        """Leave the radio: stop advertising first, drop links, then detach."""
        self._stopping = True
        if self._ticker:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        finishing = [t for t in self._tasks if self._waits_on_stop(t)]
        if finishing:
            await asyncio.wait(finishing, timeout=RESTART_GRACE_S)
        device = self._device
        if device is not None:
            with contextlib.suppress(Exception):
                await device.stop_advertising()
            for conn in list(self.connections):
                with contextlib.suppress(Exception):
                    await conn.disconnect()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._controller is not None:
            detach_controller(self._controller)
        self._device = None
        self._controller = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    def _on_connection(self, conn: Connection) -> None:
        self.connections.append(conn)
        self._connected(conn)

        def on_disconnection(_reason: int) -> None:
            if conn in self.connections:
                self.connections.remove(conn)
            self._disconnected(conn)
            if self._advertising_wanted and not self._stopping:
                self._schedule(self._restart_advertising(), name=RESTART_ADVERTISING)

        conn.on(conn.EVENT_DISCONNECTION, on_disconnection)

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            try:
                await self.tick()
            except Exception:  # a bug in one tick must not stop time for good
                log.exception("simulator tick failed")

    def _schedule(self, coro: Any, name: str | None = None) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _require_device(self) -> Device:
        if self._device is None:
            raise RuntimeError("the simulated massager is not started")
        return self._device

    # --- advertising and link faults -------------------------------------------------

    async def start_advertising(self) -> None:
        self._advertising_wanted = True
        advert, scan_response = self._adverts()
        response = bytes(scan_response) if scan_response is not None else None
        for what, data in (("advert", bytes(advert)), ("scan response", response or b"")):
            if len(data) > LEGACY_ADVERTISING_DATA_MAX:
                raise ValueError(f"the {what} is {len(data)} bytes, more than 31")
        await self._require_device().start_advertising(
            advertising_data=bytes(advert),
            scan_response_data=response,
            auto_restart=False,  # restarted by `_on_connection`'s handler, so stop() can win
            advertising_interval_min=ADVERTISING_INTERVAL_MS,
            advertising_interval_max=ADVERTISING_INTERVAL_MS,
        )

    async def stop_advertising(self) -> None:
        """Fault injection "stop advertising": the device vanishes from scans."""
        self._advertising_wanted = False
        await self._require_device().stop_advertising()

    async def _restart_advertising(self) -> None:
        try:
            await self.start_advertising()
        except Exception:
            log.exception("could not restart advertising")

    async def drop_link(self, after_s: float = 0.0) -> None:
        """Drop every link as a radio fade would (supervision timeout), after a delay."""
        if after_s:
            await asyncio.sleep(after_s)
        for conn in list(self.connections):
            with contextlib.suppress(Exception):
                await conn.disconnect(hci.HCI_CONNECTION_TIMEOUT_ERROR)
