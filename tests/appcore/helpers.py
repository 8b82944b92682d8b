"""Helpers for the app-core tests."""

from __future__ import annotations

from appcore.massager import Massager
from device_sim.peripheral import SimulatedMassager


async def massage_time(massager: Massager, sim: SimulatedMassager, seconds: float) -> None:
    """Device time passes as in the app: stepped by half seconds, heartbeats keep coming."""
    client = massager.client
    assert client is not None
    for _ in range(round(seconds / 0.5)):
        await sim.advance(0.5)
        await client.heartbeat()
