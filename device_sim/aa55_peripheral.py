"""A simulated "AA 55" massager on the virtual radio: a Bumble GATT server for `Aa55Firmware`.

One vendor service (0xFFE0): a command characteristic written without response
(0xFFE1) and a notify characteristic (0xFFE2). No pairing, no encryption. The
advert carries the name, the 16-bit service UUID and manufacturer data, which is
how Thenar's device descriptions recognise the model (docs/aa55-protocol.md).

Joining the radio, advertising, connections and stopping are `RadioPeripheral`'s
(docs/bumble-pitfalls.md); here: both callbacks on every value, notifications
scheduled rather than awaited.
"""

from __future__ import annotations

import asyncio
import struct
from dataclasses import dataclass, field
from typing import Any

from bumble import att
from bumble.core import UUID, AdvertisingData
from bumble.device import Connection
from bumble.gatt import Characteristic, CharacteristicValue, Service
from bumble.link import LocalLink

from ble import aa55
from ble.bumble_bleak.radio import DEFAULT_RSSI
from device_sim.aa55_model import Aa55Firmware, Aa55Spec
from device_sim.clock import Clock, monotonic_clock
from device_sim.radio_peripheral import RadioPeripheral

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


class SimulatedAa55(RadioPeripheral):
    """A Bumble peripheral with a consumer massager's firmware; counts every write."""

    TICKER = "aa55-ticker"

    def __init__(
        self,
        link: LocalLink,
        identity: Aa55Identity | None = None,
        clock: Clock = monotonic_clock,
        autotick: bool = True,
        rssi: int = DEFAULT_RSSI,
    ) -> None:
        self.identity = identity or Aa55Identity()
        super().__init__(link, self.identity.address, self.identity.name, clock, autotick, rssi)
        self.firmware = Aa55Firmware(clock, self.identity.spec)
        self.subscriptions = 0  # CCCD writes to our notify characteristic: writes too

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

    # --- what this family adds to the radio peripheral --------------------------------

    def _on_subscription(self, _conn: object, characteristic: object, *_flags: object) -> None:
        # The central's host stack subscribes to Service Changed by itself on connect (as
        # BlueZ, CoreBluetooth and WinRT do): that is not the app writing to the massager.
        if characteristic is self.notify_char:
            self.subscriptions += 1

    def _connected(self, conn: Connection) -> None:
        self.firmware.connected()

    def _disconnected(self, conn: Connection) -> None:
        self.firmware.disconnected()

    def _waits_on_stop(self, task: asyncio.Task[Any]) -> bool:
        return True  # a notification on its way, or an advertising restart: let it end

    def _adverts(self) -> tuple[AdvertisingData, AdvertisingData | None]:
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
        return advert, None

    async def tick(self) -> None:
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
