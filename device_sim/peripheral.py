"""The virtual massager on the air: a Bumble GATT server that adapts `MassagerModel`.

The model decides everything; this module only turns ATT reads and writes into
model calls, model refusals into ATT errors, and model status into notifications.
It also carries the link-level fault injection (drop the link, delay or refuse
responses, malformed notifications, stop advertising).

Bumble pitfalls handled here (see docs/bumble-pitfalls.md):
2 - every characteristic value gets both read and write callbacks, and refuses
    the unsupported direction with an ATT error, so no request goes unanswered;
6 - indications are scheduled, never awaited inside a write handler;
1 - flags, the 128-bit service UUID and a short name all fit in the advert itself.
Joining and leaving the radio (a fixed address, advertising stopped before the
controller leaves the link), advertising and connections are `RadioPeripheral`'s.

The GAP and GATT services (Device Name, Appearance, Service Changed, Client
Supported Features, Database Hash) are built here too, instead of Bumble's
defaults, so they follow the same rule: every request answered, and writes no
central should make refused with an ATT error.

Why this module is long: a whole GATT server: the service table, the standard services
with the database hash and Service Changed, the adverts and the link-fault injection all
adapt the same model over the same connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bumble import att, gatt
from bumble.core import UUID, AdvertisingData
from bumble.crypto import aes_cmac  # type: ignore[attr-defined]  # re-exported, not in __all__
from bumble.device import Connection, Device, DeviceConfiguration
from bumble.gatt import Characteristic, CharacteristicValue, Service
from bumble.link import LocalLink
from bumble.pairing import PairingConfig, PairingDelegate
from bumble.profiles.gatt_service import GenericAttributeProfileService

from ble import protocol as p
from ble.bumble_bleak.adapter import ThreadedJsonKeyStore
from ble.bumble_bleak.radio import DEFAULT_RSSI
from device_sim.clock import Clock, monotonic_clock
from device_sim.model import AttRefusal, MassagerModel
from device_sim.radio_peripheral import TICK_S, RadioPeripheral

log = logging.getLogger(__name__)

STATUS_KEEPALIVE_S = 1.0  # a status frame at least once a second, even when nothing changes
ADVERT_NAME_MAX = 8  # 31-byte legacy advert: 3 (flags) + 18 (UUID) + 2 + 8 (name)

APPEARANCE_UNKNOWN = 0x0000  # the Bluetooth SIG lists no category for a hand massager
GAP_NAME_MAX = 248  # Device Name: at most 248 octets (Core Vol 3, Part C, 12.1)

Props = Characteristic.Properties
Perms = att.Attribute.Permissions


@dataclass(frozen=True)
class DeviceIdentity:
    """What a massager tells about itself (Device Information service) and how it is reached."""

    address: str = "F0:7E:4A:00:00:01"
    name: str = "Thenar"
    manufacturer: str = "Thenar Labs (simulated)"
    model_number: str = "TG-1 SIM"
    serial_number: str = "SIM-0001"
    firmware_revision: str = "1.0.0-sim"


@dataclass
class LinkFaults:
    """Link-level fault injection; firmware-level faults live on the model."""

    refuse_commands: bool = False
    response_delay_s: float = 0.0
    # Control point answers wait, in order, until `SimulatedMassager.release_responses()`:
    # a late answer delivered exactly when a test wants it.
    hold_responses: bool = False
    mute_status: bool = False  # "device silent": status notifications stop


def _uuid(text: str) -> UUID:
    return UUID(text)


class SimulatedMassager(RadioPeripheral):
    """A Bumble peripheral that behaves like a careful hand-massager firmware."""

    def __init__(
        self,
        link: LocalLink,
        identity: DeviceIdentity | None = None,
        clock: Clock = monotonic_clock,
        autotick: bool = True,
        rssi: int = DEFAULT_RSSI,
        bond_store: Path | None = None,
    ) -> None:
        self.identity = identity or DeviceIdentity()
        super().__init__(link, self.identity.address, self.identity.name, clock, autotick, rssi)
        # Where the massager keeps its bonds across restarts, as a real one keeps them in
        # flash; None: in memory (a restart is then a factory reset).
        self.bond_store = bond_store
        self.model = MassagerModel(clock)
        self.faults = LinkFaults()
        self._last_status_at = -1e9
        self._last_battery = self.model.battery.percent
        self._held: list[tuple[asyncio.Future[None], asyncio.Task[Any]]] = []  # hold_responses
        self._held_changed = asyncio.Event()
        self._client_features: dict[Connection, bytes] = {}  # GATT Client Supported Features
        self.writes = 0  # every ATT write and subscription a central made
        self._build_gatt()

    # --- GATT database ------------------------------------------------------

    def _value(
        self,
        read: Callable[[Connection], bytes] | None,
        write: Callable[[Connection, bytes], None] | None,
    ) -> CharacteristicValue[bytes]:
        def refuse_read(_conn: Connection) -> bytes:
            raise att.ATT_Error(att.ErrorCode.READ_NOT_PERMITTED)

        def refuse_write(_conn: Connection, _value: bytes) -> None:
            raise att.ATT_Error(att.ErrorCode.WRITE_NOT_PERMITTED)

        def counted(conn: Connection, value: bytes) -> None:
            self.writes += 1  # refused or not, it was a write (capture mode writes none)
            (write or refuse_write)(conn, value)

        return CharacteristicValue(read=read or refuse_read, write=counted)

    def _build_gatt(self) -> None:
        readable = Perms.READABLE | Perms.WRITEABLE  # permissions are checked by our callbacks
        secure = readable | Perms.READ_REQUIRES_ENCRYPTION | Perms.WRITE_REQUIRES_ENCRYPTION
        self.features_char: Characteristic[bytes] = Characteristic(
            _uuid(p.FEATURES_UUID),
            Props.READ,
            readable,
            self._value(lambda _c: bytes(self.model.features()), None),
        )
        self.limits_char: Characteristic[bytes] = Characteristic(
            _uuid(p.LIMITS_UUID),
            Props.READ | Props.WRITE,
            secure,
            self._value(lambda _c: self.model.read_limits(), self._write_limits),
        )
        self.control_char: Characteristic[bytes] = Characteristic(
            _uuid(p.CONTROL_POINT_UUID),
            Props.WRITE | Props.INDICATE,
            secure,
            self._value(None, self._write_control),
        )
        self.program_char: Characteristic[bytes] = Characteristic(
            _uuid(p.PROGRAM_UUID),
            Props.WRITE,
            secure,
            self._value(None, self._write_program),
        )
        self.status_char: Characteristic[bytes] = Characteristic(
            _uuid(p.STATUS_UUID),
            Props.READ | Props.NOTIFY,
            readable,
            self._value(lambda _c: bytes(self._status_for_read()), None),
        )
        self.battery_char: Characteristic[bytes] = Characteristic(
            _uuid(p.BATTERY_LEVEL_UUID),
            Props.READ | Props.NOTIFY,
            readable,
            self._value(lambda _c: bytes([self.model.battery.percent]), None),
        )

        def static(uuid: str, text: str) -> Characteristic[bytes]:
            raw = text.encode()
            return Characteristic(
                _uuid(uuid), Props.READ, readable, self._value(lambda _c: raw, None)
            )

        ident = self.identity
        self.services = [
            *self._standard_services(readable),
            Service(
                _uuid(p.SERVICE_UUID),
                [
                    self.features_char,
                    self.limits_char,
                    self.control_char,
                    self.program_char,
                    self.status_char,
                ],
            ),
            Service(
                _uuid(p.DEVICE_INFORMATION_SERVICE_UUID),
                [
                    static(p.MANUFACTURER_NAME_UUID, ident.manufacturer),
                    static(p.MODEL_NUMBER_UUID, ident.model_number),
                    static(p.SERIAL_NUMBER_UUID, ident.serial_number),
                    static(p.FIRMWARE_REVISION_UUID, ident.firmware_revision),
                ],
            ),
            Service(_uuid(p.BATTERY_SERVICE_UUID), [self.battery_char]),
        ]

    def _standard_services(self, permissions: att.Attribute.Permissions) -> list[Service]:
        """GAP and GATT services that answer every request, unlike Bumble's defaults.

        Device Name and Appearance are read-only (a write gets 0x03); Service Changed
        is indicate-only (0x02 / 0x03); Database Hash is read-only (Bumble's never
        answers a write); Client Supported Features is read/write per connection,
        with the checks of Core Vol 3, Part G, 7.2.
        """
        name = self.identity.name.encode()[:GAP_NAME_MAX]
        self.device_name_char: Characteristic[bytes] = Characteristic(
            gatt.GATT_DEVICE_NAME_CHARACTERISTIC,
            Props.READ,
            permissions,
            self._value(lambda _c: name, None),
        )
        self.appearance_char: Characteristic[bytes] = Characteristic(
            gatt.GATT_APPEARANCE_CHARACTERISTIC,
            Props.READ,
            permissions,
            self._value(lambda _c: struct.pack("<H", APPEARANCE_UNKNOWN), None),
        )
        self.service_changed_char: Characteristic[bytes] = Characteristic(
            gatt.GATT_SERVICE_CHANGED_CHARACTERISTIC,
            Props.INDICATE,
            permissions,
            self._value(None, None),
        )
        self.client_features_char: Characteristic[bytes] = Characteristic(
            gatt.GATT_CLIENT_SUPPORTED_FEATURES_CHARACTERISTIC,
            Props.READ | Props.WRITE,
            permissions,
            self._value(self._read_client_features, self._write_client_features),
        )
        self.database_hash_char: Characteristic[bytes] = Characteristic(
            gatt.GATT_DATABASE_HASH_CHARACTERISTIC,
            Props.READ,
            permissions,
            self._value(lambda _c: self._database_hash(), None),
        )
        return [
            Service(
                gatt.GATT_GENERIC_ACCESS_SERVICE, [self.device_name_char, self.appearance_char]
            ),
            Service(
                gatt.GATT_GENERIC_ATTRIBUTE_SERVICE,
                [self.service_changed_char, self.client_features_char, self.database_hash_char],
            ),
        ]

    def _read_client_features(self, conn: Connection) -> bytes:
        return self._client_features.get(conn, b"\x00")

    def _write_client_features(self, conn: Connection, value: bytes) -> None:
        value = bytes(value)
        if not value:
            raise att.ATT_Error(att.ErrorCode.INVALID_ATTRIBUTE_LENGTH)
        old = int.from_bytes(self._client_features.get(conn, b""), "little")
        if old & ~int.from_bytes(value, "little"):
            raise att.ATT_Error(att.ErrorCode.VALUE_NOT_ALLOWED)  # a client may not clear a bit
        self._client_features[conn] = value

    def _database_hash(self) -> bytes:
        """The Database Hash (Core Vol 3, Part G, 7.3) of this server's attributes."""
        data = b"".join(
            GenericAttributeProfileService.get_attribute_data(attribute)
            for attribute in self._require_device().gatt_server.attributes
        )
        return bytes(aes_cmac(m=data, k=bytes(16)))[::-1]  # a uint128, least significant first

    async def indicate_service_changed(self, start: int = 0x0001, end: int = 0xFFFF) -> int:
        """Indicate Service Changed (0x2A05) for the handles `start`..`end` to every central
        that subscribed to it, and wait for their confirmations. Returns how many were told.

        The database itself does not change: this is for testing that a central
        re-discovers when told to.
        """
        if not 0x0001 <= start <= end <= 0xFFFF:
            raise ValueError(f"handle range 0x{start:04X}..0x{end:04X} is not valid")
        device = self._require_device()
        handle = self.service_changed_char.handle
        subscribed = sum(
            1
            for cccds in device.gatt_server.subscribers.values()
            if (cccd := cccds.get(handle)) and cccd[0] & 0x02
        )
        await device.indicate_subscribers(self.service_changed_char, struct.pack("<HH", start, end))
        return subscribed

    # --- ATT handlers ---------------------------------------------------------

    def _write_limits(self, conn: Connection, value: bytes) -> None:
        try:
            self.model.write_limits(conn, bytes(value))
        except AttRefusal as exc:
            log.info("limits refused: %s", exc)
            raise att.ATT_Error(exc.code) from exc
        self._schedule(self.push_status())

    def _write_program(self, conn: Connection, value: bytes) -> None:
        try:
            self.model.write_program_chunk(conn, bytes(value))
        except AttRefusal as exc:
            log.info("program chunk refused: %s", exc)
            raise att.ATT_Error(exc.code) from exc

    def _write_control(self, conn: Connection, value: bytes) -> None:
        try:
            response = self.model.handle_control(conn, bytes(value), self.faults.refuse_commands)
        except AttRefusal as exc:
            raise att.ATT_Error(exc.code) from exc
        self._schedule(self._indicate(conn, response))
        self._schedule(self.push_status())

    async def _indicate(self, conn: Connection, response: p.ControlResponse) -> None:
        if self.faults.response_delay_s:
            await asyncio.sleep(self.faults.response_delay_s)
        if self.faults.hold_responses:
            gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            task = asyncio.current_task()
            assert task is not None
            self._held.append((gate, task))
            self._held_changed.set()
            await gate
        if conn not in self.connections:
            return
        device = self._require_device()
        with contextlib.suppress(Exception):  # the link may go while we wait for confirmation
            await device.indicate_subscriber(conn, self.control_char, bytes(response))

    async def wait_held(self, count: int) -> None:
        """Wait until `count` control point answers are held (`faults.hold_responses`)."""
        while len(self._held) < count:
            self._held_changed.clear()
            await self._held_changed.wait()

    async def release_responses(self, count: int | None = None) -> None:
        """Send the oldest `count` held answers (all if None), in order, and wait until each
        was confirmed by its central (or its link went)."""
        releasing = self._held[:count] if count is not None else list(self._held)
        del self._held[: len(releasing)]
        for gate, task in releasing:
            gate.set_result(None)
            await asyncio.gather(task, return_exceptions=True)

    def _status_for_read(self) -> p.Status:
        self.model.update()
        return self.model.status()

    # --- Lifecycle ------------------------------------------------------------

    def _device_config(self) -> DeviceConfiguration:
        ident = self.identity
        # A fixed identity resolving key per device, so bonds stay valid across restarts.
        irk = hashlib.sha256(ident.address.encode()).digest()[:16]
        # Bumble's default GAP and GATT services are replaced by ours (`_standard_services`).
        return DeviceConfiguration(
            name=ident.name, irk=irk, gap_service_enabled=False, gatt_service_enabled=False
        )

    async def _prepare(self, device: Device) -> None:
        if self.bond_store is not None:
            # File I/O off the loop, as the app's own key store does.
            device.keystore = await asyncio.to_thread(
                ThreadedJsonKeyStore, self.identity.address, str(self.bond_store)
            )
        device.pairing_config_factory = lambda _conn: PairingConfig(
            sc=True,
            mitm=False,  # Just Works: the glove has no display or keypad
            bonding=True,
            delegate=PairingDelegate(PairingDelegate.IoCapability.NO_OUTPUT_NO_INPUT),
        )

    def _on_subscription(self, _conn: object, characteristic: object, *_flags: object) -> None:
        # The central's host stack subscribes to Service Changed by itself on connect (as
        # BlueZ, CoreBluetooth and WinRT do): that is not the app writing to the massager.
        if characteristic is not self.service_changed_char:
            self.writes += 1

    def _connected(self, conn: Connection) -> None:
        self.model.connected(conn)

    def _disconnected(self, conn: Connection) -> None:
        self._client_features.pop(conn, None)
        self.model.disconnected(conn)
        self._schedule(self.push_status())

    # --- Time -----------------------------------------------------------------

    async def tick(self) -> None:
        """Advance the model to now and publish what changed."""
        self.model.update()
        await self.push_status()
        battery = self.model.battery.percent
        if battery != self._last_battery and self._device is not None:
            self._last_battery = battery
            await self._device.notify_subscribers(self.battery_char, bytes([battery]))

    async def advance(self, seconds: float, step: float = TICK_S) -> None:
        """For a manual clock: move time forward in ticks, letting the radio run between them."""
        advance = getattr(self.clock, "advance", None)
        if advance is None:
            raise TypeError("advance() needs a ManualClock")
        ticks = max(1, round(seconds / step))
        for _ in range(ticks):
            advance(step)
            await self.tick()
            await asyncio.sleep(0)

    async def push_status(self) -> None:
        now = self.clock()
        force = now - self._last_status_at >= STATUS_KEEPALIVE_S
        status = self.model.publish_if_changed(force=force)
        if status is None or self._device is None or self.faults.mute_status:
            return
        self._last_status_at = now
        await self._device.notify_subscribers(self.status_char, bytes(status))

    # --- Link-level fault injection ----------------------------------------

    def _adverts(self) -> tuple[AdvertisingData, AdvertisingData | None]:
        ident = self.identity
        short = ident.name[:ADVERT_NAME_MAX]
        name_type = (
            AdvertisingData.COMPLETE_LOCAL_NAME
            if short == ident.name
            else AdvertisingData.SHORTENED_LOCAL_NAME
        )
        advert = AdvertisingData(
            [
                (AdvertisingData.FLAGS, bytes([0x06])),  # LE general discoverable, no BR/EDR
                (
                    AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
                    _uuid(p.SERVICE_UUID).to_bytes(force_128=True),
                ),
                (name_type, short.encode()),
            ]
        )
        # Model and serial number in the scan response (active scanners get it), so the
        # app can tell massagers with the same name apart before pairing.
        scan_identity = p.ScanIdentity.fitting(ident.model_number, ident.serial_number)
        scan_response = AdvertisingData(
            [
                (
                    AdvertisingData.MANUFACTURER_SPECIFIC_DATA,
                    struct.pack("<H", p.TESTING_COMPANY_ID) + bytes(scan_identity),
                )
            ]
        )
        return advert, scan_response

    async def send_malformed_status(self, count: int = 1) -> None:
        """Notify bytes that are not a status frame: a central must count them, not crash."""
        device = self._require_device()
        for i in range(count):
            await device.notify_subscribers(self.status_char, bytes([0xEE, i & 0xFF, 0x42]))
