"""Issue 11 benchmark: what the ATT transaction rule and the request id cost a command.

In one run, interleaved in blocks so machine noise hits both alike: client heartbeat
round trips with the backend's shielded transaction (the rule: a request whose
caller is cancelled keeps the ATT slot) beside the same round trips with a plain,
unshielded request. The request id costs one byte each way and a tuple compare; its
codec time is measured beside the round trip. Target: <= 5 % of the round trip at p99.
Prints one figure a line as `name: value unit`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bench_client import p50_p99, report  # benchmarks/ is the script's folder

from ble import protocol as p
from ble.backends import choose_backend
from ble.bumble_bleak.client import BumbleClient
from ble.bumble_bleak.radio import VirtualLink
from ble.client import MassagerClient
from ble.pinning import PinnedDevice
from device_sim.peripheral import SimulatedMassager
from massage import Limits

T = TypeVar("T")
BLOCK = 50
BLOCKS = 60
CAPS = Limits(60, 420, 900)


async def _unshielded(
    self: BumbleClient, operation: Callable[[], Awaitable[T]], what: str = "GATT request"
) -> T:
    """The backend's request without the transaction rule (the old behaviour), for comparison."""
    self._require_connection()
    return await operation()


async def block(client: MassagerClient) -> list[float]:
    samples = []
    for _ in range(BLOCK):
        started = time.perf_counter()
        await client.heartbeat()
        samples.append(time.perf_counter() - started)
    return samples


async def main() -> None:
    link = VirtualLink()
    async with SimulatedMassager(link) as sim, choose_backend("sim", link=link) as backend:
        client = MassagerClient(
            backend,
            PinnedDevice(sim.identity.address),
            CAPS,
            heartbeat_interval_s=None,  # the measured calls are the heartbeats
            allow_pairing=True,
        )
        await client.connect()
        shielded_run: Any = BumbleClient._run
        ruled: list[float] = []
        plain: list[float] = []
        await block(client)  # warm up
        try:
            for _ in range(BLOCKS):
                BumbleClient._run = shielded_run  # type: ignore[method-assign]
                ruled += await block(client)
                BumbleClient._run = _unshielded  # type: ignore[method-assign]
                plain += await block(client)
        finally:
            BumbleClient._run = shielded_run  # type: ignore[method-assign]
        await client.close()

    plain_p50, plain_p99 = p50_p99(plain)
    ruled_p50, ruled_p99 = p50_p99(ruled)
    report("round_trip_plain_request_p50", plain_p50, "ms")
    report("round_trip_plain_request_p99", plain_p99, "ms")
    report("round_trip_transaction_rule_p50", ruled_p50, "ms")
    report("round_trip_transaction_rule_p99", ruled_p99, "ms")
    report("transaction_rule_cost_p50", (ruled_p50 / plain_p50 - 1) * 100, "%")
    report("transaction_rule_cost_p99", (ruled_p99 / plain_p99 - 1) * 100, "%")

    n = 20_000
    started = time.perf_counter()
    for i in range(n):
        frame = bytes(p.Heartbeat().with_seq(i % 255 + 1))
        answer = p.ControlResponse(p.Opcode(frame[0]), p.ResultCode.SUCCESS, seq=frame[1])
        p.ControlResponse.from_bytes(bytes(answer))
    codec_ms = (time.perf_counter() - started) / n * 1000
    report("request_id_codec_per_command", codec_ms * 1000, "us")
    report("request_id_codec_share_of_p99", codec_ms / ruled_p99 * 100, "%")


if __name__ == "__main__":
    asyncio.run(main())
