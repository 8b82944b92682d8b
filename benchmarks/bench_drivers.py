"""Issue 15 benchmark: what the driver layer costs on top of Thenar's client, in one run.

One connection to the in-process simulator; the same status round trip (a GATT read
of Status, decoded) through `MassagerClient.read_status` and through
`ThenarDriver.read_status` (which also translates to a `DeviceStatus`), and the same
command round trip (Set Intensity: a control-point write and its indication, audited)
through `MassagerClient.set_intensity` and `ThenarDriver.set_intensity` (the app's one
way since the session goes through the driver), in alternating blocks so both see the
same machine load. Target: the driver adds at most 5 % at p99. Also the consumer
family's command-and-confirm round trip (a write without response plus a status
request), for reference. Prints `name: value unit`.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks.common

from benchmarks.common import p50_p99, report
from ble.backends import choose_backend
from ble.bumble_bleak.radio import VirtualLink
from device_sim.aa55_peripheral import SimulatedAa55
from device_sim.peripheral import SimulatedMassager
from drivers.aa55 import Aa55Driver
from drivers.description import load_descriptions
from drivers.registry import open_driver
from drivers.thenar import ThenarDriver
from massage import Limits

BLOCKS = 20
PER_BLOCK = 50
WARMUP = 50
CAPS = Limits(60, 420, 900)


async def timed(call: Callable[[], Awaitable[object]], n: int) -> list[float]:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)
    return samples


async def main() -> None:
    descriptions = {d.key: d for d in load_descriptions()}
    link = VirtualLink()
    async with (
        SimulatedMassager(link) as sim,
        SimulatedAa55(link) as palma,
        choose_backend("sim", link=link) as backend,
    ):
        driver = open_driver(
            descriptions["thenar-tg1"], backend, sim.identity.address, CAPS, pair=True
        )
        assert isinstance(driver, ThenarDriver)
        driver.client.heartbeat_interval_s = None  # only the measured calls on the link
        await driver.connect()
        client = driver.client
        await timed(client.read_status, WARMUP)
        await timed(driver.read_status, WARMUP)
        bare: list[float] = []
        ours: list[float] = []
        bare_cmd: list[float] = []
        ours_cmd: list[float] = []
        for _ in range(BLOCKS):
            bare += await timed(client.read_status, PER_BLOCK)
            ours += await timed(driver.read_status, PER_BLOCK)
            bare_cmd += await timed(lambda: client.set_intensity(10), PER_BLOCK)
            ours_cmd += await timed(lambda: driver.set_intensity(10), PER_BLOCK)
        await driver.close()
        for name, plain, through in (("status", bare, ours), ("command", bare_cmd, ours_cmd)):
            bare_p50, bare_p99 = p50_p99(plain)
            our_p50, our_p99 = p50_p99(through)
            report(f"{name}_round_trip_client_p50", bare_p50, "ms")
            report(f"{name}_round_trip_client_p99", bare_p99, "ms")
            report(f"{name}_round_trip_driver_p50", our_p50, "ms")
            report(f"{name}_round_trip_driver_p99", our_p99, "ms")
            report(f"{name}_driver_layer_overhead_p99", (our_p99 / bare_p99 - 1) * 100, "%")
            report(f"{name}_driver_layer_overhead_p50", (our_p50 / bare_p50 - 1) * 100, "%")

        aa55 = Aa55Driver(descriptions["palma-p5"], backend, palma.identity.address, CAPS)
        await aa55.connect()
        confirm = await timed(aa55.read_status, BLOCKS * PER_BLOCK)
        await aa55.close()
        a50, a99 = p50_p99(confirm)
        report("aa55_status_request_round_trip_p50", a50, "ms")
        report("aa55_status_request_round_trip_p99", a99, "ms")


if __name__ == "__main__":
    asyncio.run(main())
