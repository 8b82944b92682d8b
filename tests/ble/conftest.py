"""The real stack in one process: bleak -> our Bumble backend -> virtual radio -> simulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from bleak import BleakClient, BleakScanner
from bleak.backends.device import BLEDevice

from ble import protocol as p
from ble.bumble_bleak.adapter import BumbleAdapter
from ble.bumble_bleak.radio import VirtualLink
from device_sim.clock import ManualClock
from device_sim.peripheral import SimulatedMassager
from massage import Limits


@pytest.fixture
def link() -> VirtualLink:
    return VirtualLink()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def sim(link: VirtualLink, clock: ManualClock) -> AsyncIterator[SimulatedMassager]:
    massager = SimulatedMassager(link, clock=clock, autotick=False)
    await massager.start()
    yield massager
    await massager.stop()


@pytest.fixture
async def adapter(link: VirtualLink) -> AsyncIterator[BumbleAdapter]:
    async with BumbleAdapter(link) as a:
        yield a


async def find_massager(adapter: BumbleAdapter, address: str, timeout: float = 5.0) -> BLEDevice:
    device = await BleakScanner.find_device_by_filter(
        lambda d, _adv: d.address == address,
        timeout=timeout,
        backend=adapter.scanner_backend(),
        service_uuids=[p.SERVICE_UUID],
    )
    assert device is not None, f"{address} not found"
    return device


class Central:
    """A thin test central on bleak's public API: indications and status frames as queues."""

    def __init__(self, client: BleakClient) -> None:
        self.client = client
        self.responses: asyncio.Queue[bytes] = asyncio.Queue()
        self.statuses: asyncio.Queue[bytes] = asyncio.Queue()
        self.disconnected = asyncio.Event()
        self._seq = 0

    async def subscribe(self) -> None:
        await self.client.start_notify(
            p.CONTROL_POINT_UUID, lambda _c, data: self.responses.put_nowait(bytes(data))
        )
        await self.client.start_notify(
            p.STATUS_UUID, lambda _c, data: self.statuses.put_nowait(bytes(data))
        )

    async def command(self, cmd: p.Command, timeout: float = 2.0) -> p.ControlResponse:
        """Send `cmd` with the next request id (1..255) and check the answer echoes it."""
        self._seq = self._seq % 255 + 1
        cmd = cmd.with_seq(self._seq)
        await self.client.write_gatt_char(p.CONTROL_POINT_UUID, bytes(cmd), response=True)
        response = p.ControlResponse.from_bytes(
            await asyncio.wait_for(self.responses.get(), timeout)
        )
        assert (response.request_opcode, response.seq) == (cmd.opcode, cmd.seq)
        return response

    async def upload(self, program: p.Program) -> None:
        for chunk in p.chunk_program(program, self.client.mtu_size):
            await self.client.write_gatt_char(p.PROGRAM_UUID, bytes(chunk), response=True)

    async def status_where(self, predicate: object, timeout: float = 5.0) -> p.Status:
        """The next decodable status frame that satisfies `predicate`."""
        async with asyncio.timeout(timeout):
            while True:
                try:
                    status = p.Status.from_bytes(await self.statuses.get())
                except p.ProtocolError:
                    continue
                if callable(predicate) and predicate(status):
                    return status

    async def read_status(self) -> p.Status:
        return p.Status.from_bytes(bytes(await self.client.read_gatt_char(p.STATUS_UUID)))


async def connect(
    adapter: BumbleAdapter, sim: SimulatedMassager, pair: bool = True
) -> tuple[Central, BleakClient]:
    device = await find_massager(adapter, sim.identity.address)
    holder: list[Central] = []
    client = BleakClient(
        device,
        backend=adapter.client_backend(),
        disconnected_callback=lambda _c: holder[0].disconnected.set(),
        pair=pair,
    )
    central = Central(client)
    holder.append(central)
    await client.connect()
    return central, client


@pytest.fixture
async def central(adapter: BumbleAdapter, sim: SimulatedMassager) -> AsyncIterator[Central]:
    """Connected, paired, subscribed and in control, with factory limits rewritten."""
    c, client = await connect(adapter, sim)
    try:
        await c.subscribe()
        assert (await c.command(p.RequestControl())).result == p.ResultCode.SUCCESS
        caps = p.encode_limits(Limits(60, 420, 900))
        await client.write_gatt_char(p.LIMITS_UUID, caps, response=True)
        yield c
    finally:
        if client.is_connected:
            await client.disconnect()


async def run_with_heartbeats(central: Central, sim: SimulatedMassager, seconds: float) -> None:
    """Advance simulated time as a well-behaved app would live through it."""
    for _ in range(round(seconds / 0.5)):
        await sim.advance(0.5)
        assert (await central.command(p.Heartbeat())).result == p.ResultCode.SUCCESS
