"""Issue 2 benchmarks: scan-to-ready, and control-point write -> status notification round trip.

Our stack (bleak + the Bumble backend) and a plain Bumble GATT client are timed
in the same run, in process and against `python -m device_sim` over loopback
TCP, so the overhead is a ratio that machine noise mostly cancels out of.
Prints one figure a line as `name: value unit`.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks.common

from bleak import BleakClient, BleakScanner
from bumble import hci
from bumble.core import UUID
from bumble.device import Device, Peer
from bumble.transport import open_transport

from benchmarks.common import p50_p99, report
from ble import protocol as p
from ble.bumble_bleak.adapter import BumbleAdapter
from ble.bumble_bleak.radio import VirtualLink, host_for, new_controller
from device_sim.peripheral import SimulatedMassager
from device_sim.process import simulator_process

ITERATIONS = 1000
SIM_ADDRESS = "F0:7E:4A:00:00:01"


async def round_trips(
    write: Callable[[bytes], Awaitable[None]], statuses: asyncio.Queue[bytes], n: int
) -> list[float]:
    """Time SET_INTENSITY writes until the status notification that shows the new level."""
    samples = []
    for i in range(n + 20):
        level = 3 + i % 2
        while not statuses.empty():
            statuses.get_nowait()
        started = time.perf_counter()
        await write(bytes(p.SetIntensity(level)))
        while True:
            data = await statuses.get()
            if len(data) == p.STATUS_SIZE and p.Status.from_bytes(data).intensity == level:
                break
        if i >= 20:  # warm-up excluded
            samples.append(time.perf_counter() - started)
    return samples


async def ours(transport: VirtualLink | str, label: str) -> list[float]:
    async with BumbleAdapter(transport) as adapter:
        started = time.perf_counter()
        device = await BleakScanner.find_device_by_filter(
            lambda d, _a: d.address == SIM_ADDRESS,
            timeout=10,
            backend=adapter.scanner_backend(),
            service_uuids=[p.SERVICE_UUID],
        )
        assert device is not None
        async with BleakClient(device, backend=adapter.client_backend(), pair=True) as client:
            report(f"scan_to_ready_{label}", (time.perf_counter() - started) * 1000, "ms")
            statuses: asyncio.Queue[bytes] = asyncio.Queue()
            await client.start_notify(p.CONTROL_POINT_UUID, lambda _c, _d: None)
            await client.start_notify(p.STATUS_UUID, lambda _c, d: statuses.put_nowait(bytes(d)))

            async def write(data: bytes) -> None:
                await client.write_gatt_char(p.CONTROL_POINT_UUID, data, response=True)

            await write(bytes(p.RequestControl()))
            return await round_trips(write, statuses, ITERATIONS)


async def plain_bumble(device: Device) -> list[float]:
    """The same round trip with Bumble's own GATT client: the floor our stack is compared to."""
    await device.power_on()
    conn = await device.connect(hci.Address(SIM_ADDRESS))
    await conn.pair()
    peer = Peer(conn)
    await peer.request_mtu(517)
    await peer.discover_services()
    for service in peer.services:
        await service.discover_characteristics()
    control = peer.get_characteristics_by_uuid(UUID(p.CONTROL_POINT_UUID))[0]
    status = peer.get_characteristics_by_uuid(UUID(p.STATUS_UUID))[0]
    for char in (control, status):
        await char.discover_descriptors()
    statuses: asyncio.Queue[bytes] = asyncio.Queue()
    await peer.subscribe(control, lambda _v: None, prefer_notify=False)
    await peer.subscribe(status, lambda v: statuses.put_nowait(bytes(v)))

    async def write(data: bytes) -> None:
        await control.write_value(data, with_response=True)

    await write(bytes(p.RequestControl()))
    samples = await round_trips(write, statuses, ITERATIONS)
    await conn.disconnect()
    return samples


def compare(label: str, our: list[float], plain: list[float]) -> None:
    our50, our99 = p50_p99(our)
    plain50, plain99 = p50_p99(plain)
    report(f"roundtrip_{label}_ours_p50", our50, "ms")
    report(f"roundtrip_{label}_ours_p99", our99, "ms")
    report(f"roundtrip_{label}_plain_bumble_p50", plain50, "ms")
    report(f"roundtrip_{label}_plain_bumble_p99", plain99, "ms")
    report(f"overhead_{label}_p50_ratio", our50 / plain50, "x")
    report(f"overhead_{label}_p99_ratio", our99 / plain99, "x")


async def main() -> None:
    link = VirtualLink()
    sim = SimulatedMassager(link)
    await sim.start()
    try:
        our = await ours(link, "in_process")
        controller = new_controller(link, "plain")
        plain = await plain_bumble(
            Device(
                name="plain", address=hci.Address("C0:00:00:00:00:0B"), host=host_for(controller)
            )
        )
        compare("in_process", our, plain)
    finally:
        await sim.stop()

    async with simulator_process(interval_ms=0) as spec:
        our = await ours(spec, "tcp")
        async with await open_transport(spec) as transport:
            device = Device.with_hci(
                "plain", hci.Address("C0:00:00:00:00:0C"), transport.source, transport.sink
            )
            plain = await plain_bumble(device)
        compare("tcp", our, plain)


if __name__ == "__main__":
    asyncio.run(main())
