"""A simulated "AA 55" massager on the virtual radio: a Bumble GATT server for `Aa55Firmware`.

One vendor service (0xFFE0): a command characteristic written without response
(0xFFE1) and a notify characteristic (0xFFE2). No pairing, no encryption. The
advert carries the name, the 16-bit service UUID and manufacturer data, which is
how Thenar's device descriptions recognise the model (docs/aa55-protocol.md).

Bumble pitfalls handled as in `device_sim.peripheral` (docs/bumble-pitfalls.md):
both callbacks on every value, a fixed address, advertising stopped before the
controller leaves the link, notifications scheduled rather than awaited.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
from dataclasses import dataclass, field
from typing import Any

from bumble import att, hci
from bumble.controller import Controller
from bumble.core import UUID, AdvertisingData
from bumble.device import Connection, Device, DeviceConfiguration
from bumble.gatt import Characteristic, CharacteristicValue, Service
from bumble.link import LocalLink

from ble import aa55
from ble.bumble_bleak.radio import DEFAULT_RSSI, detach_controller, host_for, new_controller
from device_sim.aa55_model import Aa55Firmware, Aa55Spec
from device_sim.clock import Clock, monotonic_clock

log = logging.getLogger(__name__)

TICK_S = 0.05
ADVERTISING_INTERVAL_MS = 20.0
COMPANY_ID = 0x0A55  # the manufacturer data's company id (made up: no SIG number is ours)

Props = Characteristic.Properties
Perms = att.Attribute.Permissions


@dataclass(frozen=True)
class Aa55Identity:
    """How the device advertises itself."""

    address: str = "F0:7E:4A:00:55:01"
    name: str = "Palma P5"
    model_code: bytes = b"P5"  # in the manufacturer data, after the company id
    spec: Aa55Spec = field(default_factory=Aa55Spec)


class SimulatedAa55:
    """A Bumble peripheral with a consumer massager's firmware; counts every write."""

    def __init__(
        self,
        link: LocalLink,
        identity: Aa55Identity | None = None,
        clock: Clock = monotonic_clock,
        autotick: bool = True,
        rssi: int = DEFAULT_RSSI,
    ) -> None:
        self.identity = identity or Aa55Identity()
        self.link = link
        self.clock = clock
        self.rssi = rssi
        self.firmware = Aa55Firmware(clock, self.identity.spec)
        self.subscriptions = 0  # CCCD writes to our notify characteristic: writes too
        self.connections: list[Connection] = []
        self._autotick = autotick
        self._controller: Controller | None = None
        self._device: Device | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._stopping = False

        def refuse_read(_conn: Connection) -> bytes:
            raise att.ATT_Error(att.ErrorCode.READ_NOT_PERMITTED)

        self.command_char: Characteristic[bytes] = Characteristic(
            UUID(aa55.COMMAND_UUID),
            Props.WRITE_WITHOUT_RESPONSE,
            Perms.READABLE | Perms.WRITEABLE,
            CharacteristicValue(read=refuse_read, write=self._on_write),
        )
        self.notify_char: Characteristic[bytes] = Characteristic(
            UUID(aa55.NOTIFY_UUID),
            Props.NOTIFY,
            Perms.READABLE | Perms.WRITEABLE,
            CharacteristicValue(read=refuse_read, write=self._refuse_write),
        )
        self.services = [Service(UUID(aa55.SERVICE_UUID), [self.command_char, self.notify_char])]

    @property
    def writes(self) -> int:
        """Every write the device received: command frames and subscriptions."""
        return self.firmware.frames + self.subscriptions

    def _refuse_write(self, _conn: Connection, _value: bytes) -> None:
        self.firmware.frames += 1  # refused, but it was a write
        raise att.ATT_Error(att.ErrorCode.WRITE_NOT_PERMITTED)

    def _on_write(self, _conn: Connection, value: bytes) -> None:
        status = self.firmware.receive(bytes(value))
        if status is not None:
            self._schedule(self._notify(bytes(status)))

    async def _notify(self, data: bytes) -> None:
        device = self._device
        if device is not None:
            await device.notify_subscribers(self.notify_char, data)

    def _schedule(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- lifecycle --------------------------------------------------------------

    async def start(self) -> None:
        ident = self.identity
        self._controller = new_controller(self.link, f"sim-{ident.address}")
        self._controller.rssi = self.rssi
        config = DeviceConfiguration(name=ident.name)
        device = Device(
            name=ident.name, address=hci.Address(ident.address), config=config,
            host=host_for(self._controller),
        )
        for service in self.services:
            device.add_service(service)
        device.on(device.EVENT_CONNECTION, self._on_connection)
        device.gatt_server.on(
            device.gatt_server.EVENT_CHARACTERISTIC_SUBSCRIPTION, self._on_subscription
        )
        self._device = device
        await asyncio.wait_for(device.power_on(), timeout=5)
        await self.start_advertising()
        if self._autotick:
            self._ticker = asyncio.create_task(self._tick_forever(), name="aa55-ticker")

    def _on_subscription(self, _conn: object, characteristic: object, *_flags: object) -> None:
        # The central's host stack subscribes to Service Changed by itself on connect (as
        # BlueZ, CoreBluetooth and WinRT do): that is not the app writing to the massager.
        if characteristic is self.notify_char:
            self.subscriptions += 1

    def _on_connection(self, conn: Connection) -> None:
        self.connections.append(conn)
        self.firmware.connected()

        def on_disconnection(_reason: int) -> None:
            if conn in self.connections:
                self.connections.remove(conn)
            self.firmware.disconnected()
            if not self._stopping:
                self._schedule(self._restart_advertising())

        conn.on(conn.EVENT_DISCONNECTION, on_disconnection)

    async def start_advertising(self) -> None:
        ident = self.identity
        advert = AdvertisingData(
            [
                (AdvertisingData.FLAGS, bytes([0x06])),
                (
                    AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
                    struct.pack("<H", 0xFFE0),
                ),
                (AdvertisingData.COMPLETE_LOCAL_NAME, ident.name.encode()[:12]),
                (
                    AdvertisingData.MANUFACTURER_SPECIFIC_DATA,
                    struct.pack("<H", COMPANY_ID) + ident.model_code,
                ),
            ]
        )
        if len(bytes(advert)) > 31:
            raise ValueError(f"the advert is {len(bytes(advert))} bytes, more than 31")
        assert self._device is not None
        await self._device.start_advertising(
            advertising_data=bytes(advert),
            auto_restart=False,
            advertising_interval_min=ADVERTISING_INTERVAL_MS,
            advertising_interval_max=ADVERTISING_INTERVAL_MS,
        )

    async def _restart_advertising(self) -> None:
        try:
            await self.start_advertising()
        except Exception:
            log.exception("could not restart advertising")

    async def stop(self) -> None:
        """Leave the radio: advertising off first (pitfall 9), links dropped, then detach."""
        self._stopping = True
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=2.0)
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
        self._device = self._controller = None

    async def __aenter__(self) -> SimulatedAa55:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            self.firmware.update()

    async def advance(self, seconds: float) -> None:
        """Move a `ManualClock` on (tests): the firmware sees the time pass."""
        advance = getattr(self.clock, "advance", None)
        if advance is None:
            raise TypeError("advance() needs a ManualClock")
        advance(seconds)
        self.firmware.update()

    async def send_raw_notification(self, data: bytes) -> None:
        """Notify any bytes (fault injection: a central must count bad frames, not crash)."""
        if self._device is not None:
            await self._device.notify_subscribers(self.notify_char, data)

    async def drop_link(self) -> None:
        """Drop every link as a radio fade would (supervision timeout)."""
        for conn in list(self.connections):
            with contextlib.suppress(Exception):
                await conn.disconnect(hci.HCI_CONNECTION_TIMEOUT_ERROR)
