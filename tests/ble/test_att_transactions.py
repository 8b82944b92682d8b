"""Issue 11, item 1: a cancelled GATT request keeps the ATT slot until its response.

ATT allows one outstanding request per bearer and has no request ids: if the slot
were freed when the waiter is cancelled, the next request would be matched with the
stale response, and a write the device refused would be reported as a success.
A link with a hop delay keeps the first response in flight while we cancel.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from bleak import BleakClient
from bleak.exc import BleakGATTProtocolError

from ble import protocol as p
from ble.bumble_bleak.adapter import BumbleAdapter
from ble.bumble_bleak.radio import VirtualLink
from device_sim.peripheral import SimulatedMassager
from device_sim.process import simulator_process
from massage import HARD_MAX_PRESSURE_MMHG, Limits

from .conftest import find_massager

HOP_S = 0.02  # each link hop; a request and its response take several


def gatt_client(client: BleakClient) -> object:
    backend = client._backend  # the Bumble connection under bleak's public client
    return backend._connection.gatt_client  # type: ignore[attr-defined]


def requests_sent(client: BleakClient) -> asyncio.Event:
    """An event set whenever the client puts an ATT PDU on the link."""
    gatt = gatt_client(client)
    sent = asyncio.Event()
    original = gatt.send_gatt_pdu  # type: ignore[attr-defined]

    def send(pdu: bytes) -> None:
        original(pdu)
        sent.set()

    gatt.send_gatt_pdu = send  # type: ignore[attr-defined]
    return sent


async def race(client: BleakClient) -> None:
    """Cancel a write that will succeed, then send one the device refuses (0xFF)."""
    await client.write_gatt_char(p.CONTROL_POINT_UUID, bytes(p.RequestControl()), response=True)
    sent = requests_sent(client)
    good = asyncio.create_task(
        client.write_gatt_char(p.LIMITS_UUID, p.encode_limits(Limits(40, 400, 600)), response=True)
    )
    async with asyncio.timeout(5):
        await sent.wait()  # the write is on the link; its response takes a few hops
    assert gatt_client(client).pending_request is not None  # type: ignore[attr-defined]
    good.cancel()
    with pytest.raises(asyncio.CancelledError):
        await good
    too_high = Limits(HARD_MAX_PRESSURE_MMHG + 1, 400, 600)
    with pytest.raises(BleakGATTProtocolError) as refused:
        await client.write_gatt_char(p.LIMITS_UUID, p.encode_limits(too_high), response=True)
    assert int(refused.value.args[0]) == p.ATT_VALUE_OUT_OF_RANGE
    # And the slot is free again afterwards: a plain read gets its own answer.
    limits = p.decode_limits(bytes(await client.read_gatt_char(p.LIMITS_UUID)))
    assert limits == Limits(40, 400, 600)  # the cancelled write did happen


@pytest.fixture
async def slow_link() -> AsyncIterator[tuple[VirtualLink, SimulatedMassager]]:
    link = VirtualLink(hop_delay=HOP_S)
    sim = SimulatedMassager(link)
    await sim.start()
    yield link, sim
    await sim.stop()


async def test_cancelled_request_keeps_the_slot_in_process(
    slow_link: tuple[VirtualLink, SimulatedMassager],
) -> None:
    link, sim = slow_link
    async with BumbleAdapter(link) as adapter:
        device = await find_massager(adapter, sim.identity.address)
        async with BleakClient(device, backend=adapter.client_backend(), pair=True) as client:
            for _ in range(3):
                await race(client)


async def test_cancelled_request_keeps_the_slot_over_tcp() -> None:
    async with (
        simulator_process(interval_ms=HOP_S * 1000) as spec,
        BumbleAdapter(spec) as adapter,
    ):
        device = await find_massager(adapter, "F0:7E:4A:00:00:01")
        async with BleakClient(device, backend=adapter.client_backend(), pair=True) as client:
            for _ in range(3):
                await race(client)
