"""Helpers for the app-core tests."""

from __future__ import annotations

from appcore.massager import Massager
from ble.client import MassagerClient
from device_sim.peripheral import SimulatedMassager
from drivers.thenar import ThenarDriver


def thenar_client(massager: Massager) -> MassagerClient:
    """The client under a connected Thenar-profile massager's driver (to drive it by hand)."""
    driver = massager.driver
    assert isinstance(driver, ThenarDriver), driver
    return driver.client


async def massage_time(massager: Massager, sim: SimulatedMassager, seconds: float) -> None:
    """Device time passes as in the app: stepped by half seconds, heartbeats keep coming."""
    client = thenar_client(massager)
    for _ in range(round(seconds / 0.5)):
        await sim.advance(0.5)
        await client.heartbeat()
