"""Helpers for the app-core tests."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from appcore.massager import Massager
from ble.client import MassagerClient
from device_sim.peripheral import SimulatedMassager
from drivers.thenar import ThenarDriver


class DayClock:
    """A simulated wall clock the whole app reads: fixed until a test moves it to a day."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at

    def to(self, day: dt.date, hour: int = 9) -> None:
        zone = self.at.tzinfo
        assert isinstance(zone, ZoneInfo)
        self.at = dt.datetime.combine(day, dt.time(hour), tzinfo=zone)


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
