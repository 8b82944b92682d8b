"""Issue 11 item 10 (and the simulator side of item 5): the simulator's GAP and GATT
services answer every request, refuse writes no central should make, and Service
Changed reaches the centrals that subscribed. Over GATT with bleak's public API."""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import AsyncIterator, Awaitable

import pytest
from bleak import BleakClient
from bleak.exc import BleakGATTProtocolError
from bumble import gatt, hci
from bumble.device import Device, Peer

from ble import protocol as p
from ble.bumble_bleak.adapter import BumbleAdapter
from ble.bumble_bleak.radio import VirtualLink, detach_controller, host_for, new_controller
from device_sim.peripheral import SimulatedMassager

from .conftest import connect

DEVICE_NAME = p.sig_uuid(0x2A00)
APPEARANCE = p.sig_uuid(0x2A01)
SERVICE_CHANGED = p.sig_uuid(0x2A05)
CLIENT_FEATURES = p.sig_uuid(0x2B29)
DATABASE_HASH = p.sig_uuid(0x2B2A)
PROMPT_S = 2.0  # Bumble's own Database Hash never answered a write: the client waited 30 s

READ_NOT_PERMITTED = 0x02
WRITE_NOT_PERMITTED = 0x03
INVALID_ATTRIBUTE_VALUE_LENGTH = 0x0D
VALUE_NOT_ALLOWED = 0x13


async def refused_with(coro: Awaitable[object]) -> int:
    """Await a request that must be refused promptly; return its ATT error code."""
    with pytest.raises(BleakGATTProtocolError) as err:
        async with asyncio.timeout(PROMPT_S):
            await coro
    return int(err.value.args[0])


@pytest.fixture
async def unpaired(adapter: BumbleAdapter, sim: SimulatedMassager) -> AsyncIterator[BleakClient]:
    _central, client = await connect(adapter, sim, pair=False)
    yield client
    await client.disconnect()


async def test_gap_and_gatt_services_are_there_once(
    unpaired: BleakClient, sim: SimulatedMassager
) -> None:
    uuids = [s.uuid for s in unpaired.services]
    assert uuids.count(p.sig_uuid(0x1800)) == 1
    assert uuids.count(p.sig_uuid(0x1801)) == 1
    gatt_service = unpaired.services.get_service(p.sig_uuid(0x1801))
    assert gatt_service is not None
    assert {c.uuid for c in gatt_service.characteristics} == {
        SERVICE_CHANGED,
        CLIENT_FEATURES,
        DATABASE_HASH,
    }
    assert bytes(await unpaired.read_gatt_char(DEVICE_NAME)) == sim.identity.name.encode()
    assert bytes(await unpaired.read_gatt_char(APPEARANCE)) == b"\x00\x00"


async def test_write_to_database_hash_is_refused_promptly(unpaired: BleakClient) -> None:
    before = bytes(await unpaired.read_gatt_char(DATABASE_HASH))
    assert len(before) == 16
    code = await refused_with(unpaired.write_gatt_char(DATABASE_HASH, b"\x00" * 16, True))
    assert code == WRITE_NOT_PERMITTED
    assert bytes(await unpaired.read_gatt_char(DATABASE_HASH)) == before


async def test_device_name_and_appearance_refuse_writes_and_keep_their_values(
    unpaired: BleakClient, sim: SimulatedMassager
) -> None:
    for uuid, payload in ((DEVICE_NAME, b""), (DEVICE_NAME, b"Hacked"), (APPEARANCE, b"\x41\x03")):
        assert await refused_with(unpaired.write_gatt_char(uuid, payload, True)) == (
            WRITE_NOT_PERMITTED
        )
    assert (
        bytes(await unpaired.read_gatt_char(DEVICE_NAME)) == b"Thenar" == sim.identity.name.encode()
    )
    assert bytes(await unpaired.read_gatt_char(APPEARANCE)) == b"\x00\x00"


async def test_service_changed_is_indicate_only(unpaired: BleakClient) -> None:
    assert await refused_with(unpaired.read_gatt_char(SERVICE_CHANGED)) == READ_NOT_PERMITTED
    code = await refused_with(unpaired.write_gatt_char(SERVICE_CHANGED, b"\x01\x00\xff\xff", True))
    assert code == WRITE_NOT_PERMITTED


async def test_client_supported_features_follow_the_core_rules(unpaired: BleakClient) -> None:
    assert bytes(await unpaired.read_gatt_char(CLIENT_FEATURES)) == b"\x00"
    await unpaired.write_gatt_char(CLIENT_FEATURES, b"\x01", True)  # robust caching
    assert bytes(await unpaired.read_gatt_char(CLIENT_FEATURES)) == b"\x01"
    code = await refused_with(unpaired.write_gatt_char(CLIENT_FEATURES, b"\x00", True))
    assert code == VALUE_NOT_ALLOWED  # a client may not clear a bit it has set
    code = await refused_with(unpaired.write_gatt_char(CLIENT_FEATURES, b"", True))
    assert code == INVALID_ATTRIBUTE_VALUE_LENGTH
    await unpaired.write_gatt_char(CLIENT_FEATURES, b"\x03", True)
    assert bytes(await unpaired.read_gatt_char(CLIENT_FEATURES)) == b"\x03"


async def test_every_request_to_every_characteristic_is_answered(
    unpaired: BleakClient, sim: SimulatedMassager
) -> None:
    """Reads and writes everywhere, from an unpaired central: each gets an answer (a value,
    a write response or an ATT error) within the prompt limit, and nothing moves."""
    before = (sim.model.limits, sim.model.program, sim.model.state, sim.model.controller)
    for service in unpaired.services:
        for char in service.characteristics:
            for request in (
                unpaired.read_gatt_char(char),
                unpaired.write_gatt_char(char, b"\x00", True),
            ):
                with contextlib.suppress(BleakGATTProtocolError):
                    async with asyncio.timeout(PROMPT_S):
                        await request
            for descriptor in char.descriptors:
                async with asyncio.timeout(PROMPT_S):
                    await unpaired.read_gatt_descriptor(descriptor.handle)
    assert (sim.model.limits, sim.model.program, sim.model.state, sim.model.controller) == before
    assert bytes(await unpaired.read_gatt_char(DEVICE_NAME)) == sim.identity.name.encode()
    assert unpaired.is_connected


async def test_service_changed_reaches_subscribed_centrals(
    link: VirtualLink, sim: SimulatedMassager
) -> None:
    """A plain Bumble central, so that what is subscribed is exactly what this test did."""
    controller = new_controller(link, "plain-central")
    device = Device(
        name="plain", address=hci.Address("C0:00:00:00:00:5C"), host=host_for(controller)
    )
    await device.power_on()
    conn = await device.connect(hci.Address(sim.identity.address))
    try:
        peer = Peer(conn)
        await peer.discover_services()
        for service in peer.services:
            await service.discover_characteristics()
        (changed,) = peer.get_characteristics_by_uuid(gatt.GATT_SERVICE_CHANGED_CHARACTERISTIC)
        await changed.discover_descriptors()
        assert await sim.indicate_service_changed() == 0  # nobody subscribed yet

        received: list[bytes] = []
        await peer.subscribe(
            changed, lambda value: received.append(bytes(value)), prefer_notify=False
        )
        assert await sim.indicate_service_changed(0x0010, 0x0020) == 1
        # It returns once the central confirmed, so the value has arrived.
        assert received == [struct.pack("<HH", 0x0010, 0x0020)]
        assert await sim.indicate_service_changed() == 1
        assert received[-1] == b"\x01\x00\xff\xff"
        with pytest.raises(ValueError, match="not valid"):
            await sim.indicate_service_changed(0x0020, 0x0010)
        await peer.unsubscribe(changed)
        assert await sim.indicate_service_changed() == 0
        assert len(received) == 2
    finally:
        await conn.disconnect()
        detach_controller(controller)
