"""Issue 3 benchmarks: reconnect after a link drop, and command round trip through
MassagerClient beside the same command through bare bleak calls, in one run.

In process (virtual radio, real-clock simulator). Prints one figure a line as
`name: value unit`. Targets: overhead <= 20 %, reconnect < 1 s.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks.common

from bleak import BleakClient, BleakScanner

from benchmarks.common import p50_p99, report
from ble import protocol as p
from ble.backends import Backend, choose_backend
from ble.bumble_bleak.radio import VirtualLink
from ble.client import EventKind, MassagerClient
from ble.connection_policy import RetryPolicy
from ble.pinning import PinnedDevice
from device_sim.peripheral import SimulatedMassager
from massage import Limits

ITERATIONS = 500
WARMUP = 20
RECONNECTS = 10
CAPS = Limits(60, 420, 900)


async def bare_round_trips(backend: Backend, address: str, n: int) -> list[float]:
    """Write a heartbeat and wait for its indication, with bleak calls only."""
    device = await BleakScanner.find_device_by_filter(
        lambda d, _a: d.address == address, timeout=10, **backend.scanner_kwargs()
    )
    assert device is not None
    answers: asyncio.Queue[bytes] = asyncio.Queue()
    async with BleakClient(device, pair=True, **backend.client_kwargs()) as client:
        await client.start_notify(p.CONTROL_POINT_UUID, lambda _c, d: answers.put_nowait(bytes(d)))
        await client.write_gatt_char(p.CONTROL_POINT_UUID, bytes(p.RequestControl()), True)
        await answers.get()
        samples = []
        for i in range(n + WARMUP):
            started = time.perf_counter()
            await client.write_gatt_char(p.CONTROL_POINT_UUID, bytes(p.Heartbeat()), True)
            p.ControlResponse.from_bytes(await asyncio.wait_for(answers.get(), 2))
            if i >= WARMUP:
                samples.append(time.perf_counter() - started)
        await client.write_gatt_char(p.CONTROL_POINT_UUID, bytes(p.ReleaseControl()), True)
        await answers.get()
    return samples


async def client_round_trips(client: MassagerClient, n: int) -> list[float]:
    samples = []
    for i in range(n + WARMUP):
        started = time.perf_counter()
        await client.heartbeat()
        if i >= WARMUP:
            samples.append(time.perf_counter() - started)
    return samples


async def connected_client(backend: Backend, address: str) -> MassagerClient:
    """Thenar's client, connected; no heartbeats of its own (the measured calls are)."""
    client = MassagerClient(
        backend,
        PinnedDevice(address),
        CAPS,
        policy=RetryPolicy(base_s=0.01, max_backoff_s=0.2),
        allow_pairing=True,
        heartbeat_interval_s=None,
    )
    await client.connect()
    return client


async def main() -> None:
    link = VirtualLink()
    async with SimulatedMassager(link) as sim, choose_backend("sim", link=link) as backend:
        address = sim.identity.address
        bare = await bare_round_trips(backend, address, ITERATIONS // 2)
        client = await connected_client(backend, address)
        ours = await client_round_trips(client, ITERATIONS // 2)
        await client.close()
        bare += await bare_round_trips(backend, address, ITERATIONS // 2)  # both sides of ours
        client = await connected_client(backend, address)
        ours += await client_round_trips(client, ITERATIONS // 2)
        bare_p50, bare_p99 = p50_p99(bare)
        our_p50, our_p99 = p50_p99(ours)
        report("command_round_trip_bare_bleak_p50", bare_p50, "ms")
        report("command_round_trip_bare_bleak_p99", bare_p99, "ms")
        report("command_round_trip_client_p50", our_p50, "ms")
        report("command_round_trip_client_p99", our_p99, "ms")
        report("command_round_trip_overhead_p50", (our_p50 / bare_p50 - 1) * 100, "%")

        reconnects = []
        events = client.events()
        for _ in range(RECONNECTS):
            started = time.perf_counter()
            await sim.drop_link()
            async with asyncio.timeout(10):
                async for event in events:
                    if event.kind is EventKind.RECONNECTED:
                        break
            reconnects.append(time.perf_counter() - started)
        events.close()
        report("reconnect_after_drop_p50", statistics.median(reconnects) * 1000, "ms")
        report("reconnect_after_drop_max", max(reconnects) * 1000, "ms")
        await client.close()


if __name__ == "__main__":
    asyncio.run(main())
