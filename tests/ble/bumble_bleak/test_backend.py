"""The Bumble bleak backend, driven only through bleak's public API.

The peripheral is a plain Bumble GATT server built here (not the massager
simulator), on the same in-process virtual radio as the backend's adapter.
Every wait is on an event; the only timeouts are upper bounds.
"""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from collections.abc import AsyncIterator, Coroutine
from pathlib import Path
from typing import Any

import pytest
from bleak import BleakClient, BleakScanner
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import (
    BleakBluetoothNotAvailableError,
    BleakError,
    BleakGATTProtocolError,
    BleakGATTProtocolErrorCode,
)
from bumble import att, hci, pairing
from bumble.device import Connection, Device
from bumble.gatt import (
    GATT_SERVICE_CHANGED_CHARACTERISTIC,
    Characteristic,
    CharacteristicValue,
    Service,
)
from bumble.transport.tcp_server import open_tcp_server_transport_with_socket

from ble.bumble_bleak.adapter import BumbleAdapter
from ble.bumble_bleak.radio import VirtualLink, detach_controller, host_for, new_controller

SERVICE = "7e4a0001-5f3c-4b8e-9d2a-6c1b0e7f4a10"
READ_CHAR = "7e4a0002-5f3c-4b8e-9d2a-6c1b0e7f4a10"
WRITE_CHAR = "7e4a0003-5f3c-4b8e-9d2a-6c1b0e7f4a10"
NOTIFY_CHAR = "7e4a0004-5f3c-4b8e-9d2a-6c1b0e7f4a10"
INDICATE_CHAR = "7e4a0005-5f3c-4b8e-9d2a-6c1b0e7f4a10"
SECURE_CHAR = "7e4a0006-5f3c-4b8e-9d2a-6c1b0e7f4a10"
SLOW_CHAR = "7e4a0007-5f3c-4b8e-9d2a-6c1b0e7f4a10"
OTHER_SERVICE = "9b1d0001-2c4e-4f6a-8b0c-1d2e3f405162"
CCCD = "00002902-0000-1000-8000-00805f9b34fb"

PERIPHERAL_ADDRESS = "F1:5E:00:00:00:01"
OTHER_ADDRESS = "F1:5E:00:00:00:02"
NAME = "TestPad"
READ_VALUE = b"hello"
SECURE_VALUE = b"secret"
# Upper bound for any single wait: generous for a loaded 2-core machine.
WAIT = 5.0

Perm = Characteristic.Permissions
Prop = Characteristic.Properties


def _advertising_data(service_uuid: str, name: str) -> bytes:
    """Flags, one 128-bit service UUID and a short name: 3 + 18 + 2 + len(name) <= 31.

    Pitfall 1: the emulated controller sends no scan response, so all of it must
    be in the advert itself.
    """
    uuid_le = uuid.UUID(service_uuid).bytes[::-1]
    encoded = name.encode()
    data = bytes([2, 0x01, 0x06, 17, 0x07]) + uuid_le + bytes([len(encoded) + 1, 0x09]) + encoded
    assert len(data) <= 31
    return data


def _refuse_read(_connection: Connection) -> bytes:
    raise att.ATT_Error(att.ErrorCode.READ_NOT_PERMITTED)


def _refuse_write(_connection: Connection, _value: bytes) -> None:
    raise att.ATT_Error(att.ErrorCode.WRITE_NOT_PERMITTED)


class Peripheral:
    """A plain Bumble GATT server: one characteristic per behaviour under test.

    Pitfall 2: every value has both callbacks, the unsupported direction
    raising the proper ATT error, or the client would hang until its timeout.
    """

    def __init__(
        self,
        link: VirtualLink,
        address: str = PERIPHERAL_ADDRESS,
        name: str = NAME,
        service_uuid: str = SERVICE,
    ) -> None:
        self.controller = new_controller(link, f"peripheral-{address}")
        self.device = Device(
            name=name, address=hci.Address(address), host=host_for(self.controller)
        )
        self.device.pairing_config_factory = lambda _c: pairing.PairingConfig(
            sc=True, mitm=False, bonding=True
        )
        self.advertising_data = _advertising_data(service_uuid, name)
        self.writes: asyncio.Queue[bytes] = asyncio.Queue()
        self.subscriptions: asyncio.Queue[tuple[str, bool, bool]] = asyncio.Queue()
        self.service_changed_subscribed = asyncio.Event()
        self.slow_read_started = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self.notify_char = Characteristic[bytes](
            NOTIFY_CHAR, Prop.NOTIFY | Prop.READ, Perm.READABLE,
            CharacteristicValue(read=lambda _c: b"", write=_refuse_write),
        )  # fmt: skip
        self.indicate_char = Characteristic[bytes](
            INDICATE_CHAR, Prop.INDICATE | Prop.READ, Perm.READABLE,
            CharacteristicValue(read=lambda _c: b"", write=_refuse_write),
        )  # fmt: skip
        characteristics = [
            Characteristic[bytes](
                READ_CHAR, Prop.READ, Perm.READABLE,
                CharacteristicValue(read=lambda _c: READ_VALUE, write=_refuse_write),
            ),
            Characteristic[bytes](
                WRITE_CHAR, Prop.WRITE | Prop.WRITE_WITHOUT_RESPONSE, Perm.WRITEABLE,
                CharacteristicValue(read=_refuse_read, write=self._on_write),
            ),
            self.notify_char,
            self.indicate_char,
            Characteristic[bytes](
                SECURE_CHAR, Prop.READ | Prop.WRITE,
                Perm.READ_REQUIRES_ENCRYPTION | Perm.WRITE_REQUIRES_ENCRYPTION,
                CharacteristicValue(read=lambda _c: SECURE_VALUE, write=self._on_secure_write),
            ),
            Characteristic[bytes](
                SLOW_CHAR, Prop.READ, Perm.READABLE,
                CharacteristicValue(read=self._slow_read, write=_refuse_write),
            ),
        ]  # fmt: skip
        self.device.add_service(Service(service_uuid, characteristics))
        self.device.on("characteristic_subscription", self._on_subscription)
        self._link_down = asyncio.Event()
        self.device.on("connection", self._on_connection)

    async def start(self) -> None:
        await asyncio.wait_for(self.device.power_on(), WAIT)
        await self.start_advertising()

    async def start_advertising(self) -> None:
        # 20 ms: the advert also paces connection setup on this radio.
        await self.device.start_advertising(
            advertising_data=self.advertising_data,
            scan_response_data=b"",
            advertising_interval_min=20,
            advertising_interval_max=20,
            auto_restart=True,
        )

    def _on_connection(self, connection: Connection) -> None:
        self._link_down.clear()
        connection.on("disconnection", lambda _reason: self._link_down.set())

    async def stop(self) -> None:
        # With a hop delay the central's disconnect reaches us later; powering off
        # before it does races Bumble's advertising auto-restart (a command
        # completes on a flushed host: InvalidStateError in Host.on_packet).
        if self.device.connections:
            await asyncio.wait_for(self._link_down.wait(), WAIT)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.device.stop_advertising()
        await self.device.power_off()
        detach_controller(self.controller)

    @property
    def connection(self) -> Connection:
        (connection,) = self.device.connections.values()
        return connection

    async def drop_link(self) -> None:
        await self.connection.disconnect(hci.HCI_REMOTE_USER_TERMINATED_CONNECTION_ERROR)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _on_write(self, _connection: Connection, value: bytes) -> None:
        self.writes.put_nowait(bytes(value))
        # Echo as a notification. Pitfall 6: schedule it, never await in a handler.
        self._spawn(self.device.notify_subscribers(self.notify_char, bytes(value)))

    def _on_secure_write(self, _connection: Connection, value: bytes) -> None:
        self.writes.put_nowait(bytes(value))

    async def _slow_read(self, _connection: Connection) -> bytes:
        self.slow_read_started.set()
        await asyncio.Event().wait()  # never answers: the link drops first
        raise AssertionError("unreachable")

    def indicate(self, value: bytes) -> None:
        # Pitfall 6: indicate_subscribers waits for the confirmation, so schedule it.
        self._spawn(self.device.indicate_subscribers(self.indicate_char, value))

    def service_changed(self) -> None:
        """Tell subscribed centrals that the whole database may have changed."""
        gatt_service = self.device.gatt_service
        assert gatt_service is not None
        changed = gatt_service.service_changed_characteristic
        assert changed is not None
        self._spawn(self.device.indicate_subscribers(changed, bytes([1, 0, 0xFF, 0xFF])))

    def _on_subscription(
        self, _bearer: object, characteristic: Characteristic[bytes], notify: bool, indicate: bool
    ) -> None:
        if characteristic.uuid == GATT_SERVICE_CHANGED_CHARACTERISTIC:
            self.service_changed_subscribed.set()  # every central does this on connect
            return
        self.subscriptions.put_nowait(
            (characteristic.uuid.to_hex_str("-").lower(), notify, indicate)
        )


# -- fixtures ------------------------------------------------------------------------


@pytest.fixture(autouse=True)
async def _fail_on_loop_errors() -> AsyncIterator[None]:
    """An exception in a loop callback (Bumble's event handlers) fails the test."""
    loop = asyncio.get_running_loop()
    errors: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    yield
    loop.set_exception_handler(previous)
    assert not errors, [context.get("message") for context in errors]


@pytest.fixture
async def radio() -> AsyncIterator[VirtualLink]:
    link = VirtualLink()
    yield link
    link.close()


@pytest.fixture
async def peripheral(radio: VirtualLink) -> AsyncIterator[Peripheral]:
    p = Peripheral(radio)
    await p.start()
    yield p
    await p.stop()


@pytest.fixture
async def adapter(radio: VirtualLink) -> AsyncIterator[BumbleAdapter]:
    async with BumbleAdapter(radio) as a:
        yield a


async def _find(adapter: BumbleAdapter, service_uuid: str = SERVICE) -> BLEDevice:
    device = await BleakScanner.find_device_by_filter(
        lambda _d, _ad: True,
        timeout=WAIT,
        service_uuids=[service_uuid],
        backend=adapter.scanner_backend(),
    )
    assert device is not None, "peripheral not found"
    return device


async def _connected(
    adapter: BumbleAdapter, *, pair: bool = False, disconnected: asyncio.Event | None = None
) -> BleakClient:
    device = await _find(adapter)
    client = BleakClient(
        device,
        disconnected_callback=(lambda _c: disconnected.set()) if disconnected else None,
        timeout=WAIT,
        pair=pair,
        backend=adapter.client_backend(),
    )
    await client.connect()
    return client


# -- discovery -----------------------------------------------------------------------


async def test_discovery_reports_name_rssi_and_deduplicated_uuid(
    adapter: BumbleAdapter, peripheral: Peripheral
) -> None:
    async with BleakScanner(service_uuids=[SERVICE], backend=adapter.scanner_backend()) as scanner:
        adverts = scanner.advertisement_data()
        device, adv = await asyncio.wait_for(anext(adverts), WAIT)
        await adverts.aclose()
    assert device.address == PERIPHERAL_ADDRESS
    assert device.name == NAME
    assert adv.local_name == NAME
    assert adv.service_uuids == [SERVICE]  # once, although the controller repeats it
    assert -127 <= adv.rssi < 0
    assert isinstance(device.details, hci.Address)
    assert device.details == hci.Address(PERIPHERAL_ADDRESS)


async def _scan_addresses(adapter: BumbleAdapter, service_uuid: str, count: int) -> list[str]:
    """Addresses of the first ``count`` adverts the scanner lets through."""
    seen: list[str] = []
    enough = asyncio.Event()

    def on_adv(device: BLEDevice, _adv: AdvertisementData) -> None:
        seen.append(device.address)
        if len(seen) >= count:
            enough.set()

    async with BleakScanner(
        on_adv, service_uuids=[service_uuid], backend=adapter.scanner_backend()
    ):
        await asyncio.wait_for(enough.wait(), WAIT)
    return seen


async def test_scanner_filters_by_service_uuid(
    radio: VirtualLink, adapter: BumbleAdapter, peripheral: Peripheral
) -> None:
    other = Peripheral(radio, address=OTHER_ADDRESS, name="Other", service_uuid=OTHER_SERVICE)
    await other.start()
    try:
        # Both advertise every 20 ms: by the 5th matching advert the other one
        # has advertised several times too.
        assert set(await _scan_addresses(adapter, SERVICE, 5)) == {PERIPHERAL_ADDRESS}
        assert set(await _scan_addresses(adapter, OTHER_SERVICE, 5)) == {OTHER_ADDRESS}
    finally:
        await other.stop()


async def test_scans_share_one_bumble_scan(adapter: BumbleAdapter, peripheral: Peripheral) -> None:
    first = BleakScanner(service_uuids=[SERVICE], backend=adapter.scanner_backend())
    second = BleakScanner(service_uuids=[SERVICE], backend=adapter.scanner_backend())
    await first.start()
    await second.start()
    await first.stop()
    assert adapter.device.is_scanning  # still needed by the second scanner
    await second.stop()
    assert not adapter.device.is_scanning


# -- connect, MTU, discovery ---------------------------------------------------------------


async def test_connect_exchanges_mtu_and_discovers_services(
    adapter: BumbleAdapter, peripheral: Peripheral
) -> None:
    client = await _connected(adapter)
    try:
        assert client.is_connected
        assert client.mtu_size == 517
        service = client.services.get_service(SERVICE)
        assert service is not None
        assert service.uuid == SERVICE
        uuids = {c.uuid for c in service.characteristics}
        assert uuids == {READ_CHAR, WRITE_CHAR, NOTIFY_CHAR, INDICATE_CHAR, SECURE_CHAR, SLOW_CHAR}
        # Standard services come back as lower-case 128-bit strings too (pitfall 8).
        assert client.services.get_service("1800") is not None
        assert "00001800-0000-1000-8000-00805f9b34fb" in {s.uuid for s in client.services}
        notify = client.services.get_characteristic(NOTIFY_CHAR)
        assert notify is not None
        assert "notify" in notify.properties
        assert [d.uuid for d in notify.descriptors] == [CCCD]
        write = client.services.get_characteristic(WRITE_CHAR)
        assert write is not None
        assert set(write.properties) == {"write", "write-without-response"}
        assert write.max_write_without_response_size == 514
    finally:
        await client.disconnect()
    assert not client.is_connected


async def test_connect_by_address_string(adapter: BumbleAdapter, peripheral: Peripheral) -> None:
    await _find(adapter)  # the adapter learns the address type from the advert
    async with BleakClient(PERIPHERAL_ADDRESS, timeout=WAIT, backend=adapter.client_backend()) as c:
        assert await c.read_gatt_char(READ_CHAR) == READ_VALUE


async def test_connect_while_a_scan_is_running(
    adapter: BumbleAdapter, peripheral: Peripheral
) -> None:
    async with BleakScanner(service_uuids=[SERVICE], backend=adapter.scanner_backend()) as scanner:
        adverts = scanner.advertisement_data()
        device, _adv = await asyncio.wait_for(anext(adverts), WAIT)
        await adverts.aclose()
        async with BleakClient(device, timeout=WAIT, backend=adapter.client_backend()) as client:
            assert await client.read_gatt_char(READ_CHAR) == bytearray(READ_VALUE)
        assert adapter.device.is_scanning


async def test_services_filter(adapter: BumbleAdapter, peripheral: Peripheral) -> None:
    device = await _find(adapter)
    async with BleakClient(
        device, services=[SERVICE], timeout=WAIT, backend=adapter.client_backend()
    ) as client:
        assert [s.uuid for s in client.services] == [SERVICE]


# -- read, write, notify, indicate -----------------------------------------------------------


async def test_read_and_write(adapter: BumbleAdapter, peripheral: Peripheral) -> None:
    client = await _connected(adapter)
    try:
        assert await client.read_gatt_char(READ_CHAR) == bytearray(READ_VALUE)
        await client.write_gatt_char(WRITE_CHAR, b"\x01\x02", response=True)
        assert await asyncio.wait_for(peripheral.writes.get(), WAIT) == b"\x01\x02"
        await client.write_gatt_char(WRITE_CHAR, b"\x03", response=False)
        assert await asyncio.wait_for(peripheral.writes.get(), WAIT) == b"\x03"
        # A value longer than one PDU goes through Bumble's long write.
        long_value = bytes(range(256)) * 2
        await client.write_gatt_char(WRITE_CHAR, long_value, response=True)
        assert await asyncio.wait_for(peripheral.writes.get(), WAIT) == long_value
        # Cached read: the last value Bumble saw for the handle.
        assert await client.read_gatt_char(READ_CHAR, use_cached=True) == bytearray(READ_VALUE)
    finally:
        await client.disconnect()


async def test_att_errors_surface_as_bleak_protocol_errors(
    adapter: BumbleAdapter, peripheral: Peripheral
) -> None:
    client = await _connected(adapter)
    try:
        with pytest.raises(BleakGATTProtocolError) as raised:
            await client.write_gatt_char(READ_CHAR, b"x", response=True)
        assert raised.value.code == BleakGATTProtocolErrorCode.WRITE_NOT_PERMITTED
        with pytest.raises(BleakGATTProtocolError) as raised:
            await client.read_gatt_char(WRITE_CHAR)
        assert raised.value.code == BleakGATTProtocolErrorCode.READ_NOT_PERMITTED
        assert client.is_connected
    finally:
        await client.disconnect()


async def test_notifications_and_indications(
    adapter: BumbleAdapter, peripheral: Peripheral
) -> None:
    client = await _connected(adapter)
    try:
        notified: asyncio.Queue[tuple[str, bytearray]] = asyncio.Queue()

        def on_value(char: BleakGATTCharacteristic, data: bytearray) -> None:
            notified.put_nowait((char.uuid, data))

        await client.start_notify(NOTIFY_CHAR, on_value)
        assert await asyncio.wait_for(peripheral.subscriptions.get(), WAIT) == (
            NOTIFY_CHAR, True, False,
        )  # fmt: skip
        await client.write_gatt_char(WRITE_CHAR, b"ping", response=True)
        assert await asyncio.wait_for(notified.get(), WAIT) == (NOTIFY_CHAR, bytearray(b"ping"))

        await client.start_notify(INDICATE_CHAR, on_value)
        assert await asyncio.wait_for(peripheral.subscriptions.get(), WAIT) == (
            INDICATE_CHAR, False, True,
        )  # fmt: skip
        peripheral.indicate(b"ind")
        assert await asyncio.wait_for(notified.get(), WAIT) == (INDICATE_CHAR, bytearray(b"ind"))

        await client.stop_notify(NOTIFY_CHAR)
        assert await asyncio.wait_for(peripheral.subscriptions.get(), WAIT) == (
            NOTIFY_CHAR, False, False,
        )  # fmt: skip
        await client.stop_notify(INDICATE_CHAR)
        assert await asyncio.wait_for(peripheral.subscriptions.get(), WAIT) == (
            INDICATE_CHAR, False, False,
        )  # fmt: skip
        assert notified.empty()
    finally:
        await client.disconnect()


async def test_async_notification_callback(adapter: BumbleAdapter, peripheral: Peripheral) -> None:
    client = await _connected(adapter)
    try:
        received: asyncio.Future[bytearray] = asyncio.get_running_loop().create_future()

        async def on_value(_char: BleakGATTCharacteristic, data: bytearray) -> None:
            received.set_result(data)

        await client.start_notify(NOTIFY_CHAR, on_value)
        await client.write_gatt_char(WRITE_CHAR, b"async", response=True)
        assert await asyncio.wait_for(received, WAIT) == bytearray(b"async")
    finally:
        await client.disconnect()


# -- security ---------------------------------------------------------------------------------


async def test_unpaired_access_to_encrypted_char_is_insufficient_encryption(
    adapter: BumbleAdapter, peripheral: Peripheral
) -> None:
    client = await _connected(adapter)
    try:
        with pytest.raises(BleakGATTProtocolError) as raised:
            await client.read_gatt_char(SECURE_CHAR)
        assert raised.value.code == BleakGATTProtocolErrorCode.INSUFFICIENT_ENCRYPTION
        assert int(raised.value.code) == 0x0F
        with pytest.raises(BleakGATTProtocolError) as raised:
            await client.write_gatt_char(SECURE_CHAR, b"x", response=True)
        assert raised.value.code == 0x0F
        assert peripheral.writes.empty()
        assert client.is_connected
    finally:
        await client.disconnect()


async def test_connect_with_pair_gives_access(
    adapter: BumbleAdapter, peripheral: Peripheral
) -> None:
    client = await _connected(adapter, pair=True)
    try:
        assert await client.read_gatt_char(SECURE_CHAR) == bytearray(SECURE_VALUE)
        await client.write_gatt_char(SECURE_CHAR, b"ok", response=True)
        assert await asyncio.wait_for(peripheral.writes.get(), WAIT) == b"ok"
    finally:
        await client.disconnect()


async def test_pair_after_connect_gives_access(
    adapter: BumbleAdapter, peripheral: Peripheral
) -> None:
    client = await _connected(adapter)
    try:
        with pytest.raises(BleakGATTProtocolError):
            await client.read_gatt_char(SECURE_CHAR)
        await client.pair()
        assert await client.read_gatt_char(SECURE_CHAR) == bytearray(SECURE_VALUE)
    finally:
        await client.disconnect()


async def test_bond_survives_a_new_adapter_with_a_file_key_store(
    radio: VirtualLink, peripheral: Peripheral, tmp_path: Path
) -> None:
    keys = tmp_path / "bonds.json"
    async with BumbleAdapter(radio, key_store_path=keys) as first:
        client = await _connected(first, pair=True)
        await client.disconnect()
    stored = json.loads(keys.read_text())
    assert any(PERIPHERAL_ADDRESS in peers for peers in stored.values())

    async with BumbleAdapter(radio, key_store_path=keys) as second:
        client = await _connected(second)  # no pairing: the stored bond encrypts the link
        try:
            assert await client.read_gatt_char(SECURE_CHAR) == bytearray(SECURE_VALUE)
            await client.unpair()
            assert not client.is_connected
        finally:
            await client.disconnect()
    stored = json.loads(keys.read_text())
    assert not any(PERIPHERAL_ADDRESS in peers for peers in stored.values())


async def test_peripheral_security_request_is_answered(
    adapter: BumbleAdapter, peripheral: Peripheral
) -> None:
    # Pitfall 11: the request can arrive before Device.connect() returns.
    paired = asyncio.Event()

    def on_connection(connection: Connection) -> None:
        connection.on("pairing", lambda _keys: paired.set())
        peripheral.device.request_pairing(connection)

    peripheral.device.on("connection", on_connection)
    client = await _connected(adapter, pair=True)  # the app allowed pairing on this link
    try:
        await asyncio.wait_for(paired.wait(), WAIT)
        assert await client.read_gatt_char(SECURE_CHAR) == bytearray(SECURE_VALUE)
    finally:
        await client.disconnect()


async def test_peripheral_security_request_never_pairs_unasked(
    adapter: BumbleAdapter, peripheral: Peripheral
) -> None:
    """Issue 11, item 3: a device asking for security does not get a new bond by itself."""
    asked = asyncio.Event()

    def on_connection(connection: Connection) -> None:
        connection.on("pairing", lambda _keys: pytest.fail("paired without being asked"))
        peripheral.device.request_pairing(connection)
        asked.set()

    peripheral.device.on("connection", on_connection)
    client = await _connected(adapter)  # pair=False: e.g. a reconnect that needs our bond
    try:
        await asyncio.wait_for(asked.wait(), WAIT)
        with pytest.raises(BleakGATTProtocolError):  # not encrypted: refused, nothing paired
            await client.read_gatt_char(SECURE_CHAR)
        keystore = adapter.device.keystore
        assert keystore is not None
        assert await keystore.get(PERIPHERAL_ADDRESS) is None
    finally:
        await client.disconnect()


# -- link loss, timeouts ------------------------------------------------------------------------


async def test_disconnect_callback_fires_when_peripheral_drops_link(
    adapter: BumbleAdapter, peripheral: Peripheral
) -> None:
    disconnected = asyncio.Event()
    client = await _connected(adapter, disconnected=disconnected)
    await peripheral.drop_link()
    await asyncio.wait_for(disconnected.wait(), WAIT)
    assert not client.is_connected
    with pytest.raises(BleakError):
        await client.read_gatt_char(READ_CHAR)


async def test_pending_request_on_link_loss_raises_bleak_error(
    adapter: BumbleAdapter, peripheral: Peripheral
) -> None:
    client = await _connected(adapter)
    read = asyncio.create_task(client.read_gatt_char(SLOW_CHAR))
    await asyncio.wait_for(peripheral.slow_read_started.wait(), WAIT)
    await peripheral.drop_link()
    # Pitfall 12: Bumble cancels the request; it must not surface as CancelledError.
    with pytest.raises(BleakError, match="link lost"):
        await asyncio.wait_for(read, WAIT)


async def test_our_own_cancellation_still_cancels(
    adapter: BumbleAdapter, peripheral: Peripheral
) -> None:
    client = await _connected(adapter)
    try:
        read = asyncio.create_task(client.read_gatt_char(SLOW_CHAR))
        await asyncio.wait_for(peripheral.slow_read_started.wait(), WAIT)
        read.cancel()
        with pytest.raises(asyncio.CancelledError):
            await read
    finally:
        await peripheral.drop_link()  # the server is stuck in the slow read


async def test_connect_timeout_then_a_later_connect_works(
    adapter: BumbleAdapter, peripheral: Peripheral
) -> None:
    device = await _find(adapter)
    await peripheral.device.stop_advertising()
    client = BleakClient(device, timeout=0.2, backend=adapter.client_backend())
    with pytest.raises(TimeoutError):
        await client.connect()
    assert not client.is_connected
    # Pitfall 3: without the controller fix, this connect fails with COMMAND_DISALLOWED.
    await peripheral.start_advertising()
    client = BleakClient(device, timeout=WAIT, backend=adapter.client_backend())
    await client.connect()
    try:
        assert await client.read_gatt_char(READ_CHAR) == bytearray(READ_VALUE)
    finally:
        await client.disconnect()


async def test_connect_cancelled_by_the_caller_then_a_later_connect_works(
    adapter: BumbleAdapter, peripheral: Peripheral
) -> None:
    device = await _find(adapter)
    await peripheral.device.stop_advertising()
    client = BleakClient(device, timeout=WAIT, backend=adapter.client_backend())
    cancelled_in_controller = asyncio.Event()
    adapter.device.once("connection_failure", lambda _error: cancelled_in_controller.set())
    # The app's own, shorter timeout cancels connect() while it is pending in the
    # controller (issuing the command takes a few ms; 0.2 s is far above).
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(client.connect(), 0.2)
    await asyncio.wait_for(cancelled_in_controller.wait(), WAIT)
    await peripheral.start_advertising()
    await client.connect()
    try:
        assert await client.read_gatt_char(READ_CHAR) == bytearray(READ_VALUE)
    finally:
        await client.disconnect()


async def test_reconnect_after_disconnect(adapter: BumbleAdapter, peripheral: Peripheral) -> None:
    device = await _find(adapter)
    client = BleakClient(device, timeout=WAIT, backend=adapter.client_backend())
    for _ in range(3):
        await client.connect()
        assert await client.read_gatt_char(READ_CHAR) == bytearray(READ_VALUE)
        await client.disconnect()
        assert not client.is_connected


async def test_hop_delay_emulates_a_connection_interval() -> None:
    """Pitfall 7: with a per-hop delay, a read costs at least two hops."""
    slow_radio = VirtualLink(hop_delay=0.0075)
    p = Peripheral(slow_radio, address="F1:5E:00:00:00:03")
    await p.start()
    try:
        async with BumbleAdapter(slow_radio) as slow_adapter:
            client = await _connected(slow_adapter)
            try:
                loop = asyncio.get_running_loop()
                started = loop.time()
                assert await client.read_gatt_char(READ_CHAR) == bytearray(READ_VALUE)
                assert loop.time() - started >= 2 * 0.0075
            finally:
                await client.disconnect()
    finally:
        await p.stop()
        slow_radio.close()


# -- transports -----------------------------------------------------------------------------------


async def test_tcp_client_transport_reaches_a_controller_on_a_tcp_server(
    radio: VirtualLink, peripheral: Peripheral
) -> None:
    """The topology of ``python -m device_sim``: our controller behind a loopback TCP port."""
    # IPPROTO_TCP, not 0: asyncio only sets TCP_NODELAY on sockets whose proto says
    # TCP, and without it Nagle + delayed ACKs add ~40 ms to every round trip.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = await open_tcp_server_transport_with_socket(sock)
    controller = new_controller(radio, "tcp", host_source=server.source, host_sink=server.sink)
    try:
        async with BumbleAdapter(f"tcp-client:127.0.0.1:{port}") as tcp_adapter:
            client = await _connected(tcp_adapter, pair=True)
            try:
                assert client.mtu_size == 517
                assert await client.read_gatt_char(SECURE_CHAR) == bytearray(SECURE_VALUE)
            finally:
                await client.disconnect()
    finally:
        detach_controller(controller)
        await server.close()
        # Bumble's tcp-server transport does not close its listening socket.
        server.server.close()  # type: ignore[attr-defined]
        await server.server.wait_closed()  # type: ignore[attr-defined]


async def test_power_on_times_out_on_a_silent_transport() -> None:
    """Pitfall 10: a peer that never answers HCI must not hang open() for ever."""
    connected = asyncio.Event()
    hung_up = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connected.set()
        await reader.read()  # swallow the HCI Reset, never answer, until the client leaves
        writer.close()
        await writer.wait_closed()
        hung_up.set()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        adapter = BumbleAdapter(f"tcp-client:127.0.0.1:{port}", power_on_timeout=0.3)
        with pytest.raises(BleakBluetoothNotAvailableError):
            await adapter.open()
        assert connected.is_set()
        assert not adapter.is_open
        await asyncio.wait_for(hung_up.wait(), WAIT)  # open() released its transport
    finally:
        server.close()
        await server.wait_closed()


async def test_bond_survives_disconnecting_right_after_pair_on_a_slow_link() -> None:
    """With a delayed link, our disconnect could overtake the peer's bond storage."""
    slow_radio = VirtualLink(hop_delay=0.0075)
    p = Peripheral(slow_radio, address="F1:5E:00:00:00:04")
    await p.start()
    try:
        async with BumbleAdapter(slow_radio) as slow_adapter:
            client = await _connected(slow_adapter)
            await client.pair()
            await client.disconnect()
            await client.connect()  # the stored bond encrypts the link
            try:
                assert await client.read_gatt_char(SECURE_CHAR) == bytearray(SECURE_VALUE)
            finally:
                await client.disconnect()
    finally:
        await p.stop()
        slow_radio.close()


async def test_service_changed_is_subscribed_and_triggers_rediscovery(
    adapter: BumbleAdapter, peripheral: Peripheral
) -> None:
    """Issue 11, item 5: as BlueZ, CoreBluetooth and WinRT do, on every connect."""
    client = await _connected(adapter)
    try:
        await asyncio.wait_for(peripheral.service_changed_subscribed.wait(), WAIT)
        notified: asyncio.Queue[bytearray] = asyncio.Queue()
        await client.start_notify(NOTIFY_CHAR, lambda _c, data: notified.put_nowait(data))
        await asyncio.wait_for(peripheral.subscriptions.get(), WAIT)
        backend = client._backend
        assert backend.service_changes == 0  # type: ignore[attr-defined]
        peripheral.service_changed()
        # Re-discovery renews the subscription: the peripheral sees it again.
        assert await asyncio.wait_for(peripheral.subscriptions.get(), WAIT) == (
            NOTIFY_CHAR, True, False,
        )  # fmt: skip
        await client.write_gatt_char(WRITE_CHAR, b"after", response=True)  # echoed as a notify
        assert await asyncio.wait_for(notified.get(), WAIT) == bytearray(b"after")
        assert backend.service_changes == 1  # type: ignore[attr-defined]
        assert await client.read_gatt_char(READ_CHAR) == bytearray(READ_VALUE)
    finally:
        await client.disconnect()
