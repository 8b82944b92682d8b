"""Find massagers in range by their descriptions, and open the driver a description names.

Discovery scans without a service filter (a consumer device may advertise no
service at all) and keeps what a description recognises; everything else is
"unknown", which the Device page offers to capture (`drivers.capture`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bleak import BleakScanner

from drivers.aa55 import Aa55Driver
from drivers.description import identify
from drivers.thenar import ThenarDriver

if TYPE_CHECKING:
    from bleak.backends.device import BLEDevice
    from bleak.backends.scanner import AdvertisementData

    from ble.backends import Backend
    from drivers.base import Driver
    from drivers.description import Description
    from massage import Limits

SCAN_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class Found:
    """A device in range; `description` is None when no description recognises it."""

    address: str
    name: str
    rssi: int
    description: Description | None


async def discover(
    backend: Backend, descriptions: list[Description], timeout: float = SCAN_TIMEOUT_S
) -> list[Found]:
    """Every device in range, recognised or not, strongest signal first."""
    seen = await BleakScanner.discover(timeout=timeout, return_adv=True, **backend.scanner_kwargs())
    found = []
    for address, (device, adv) in seen.items():
        name = adv.local_name or device.name or ""
        description = identify(descriptions, name, adv.service_uuids, adv.manufacturer_data)
        found.append(Found(address, name, adv.rssi, description))
    return sorted(found, key=lambda f: -f.rssi)


async def identify_address(
    backend: Backend,
    descriptions: list[Description],
    address: str,
    timeout: float = SCAN_TIMEOUT_S,
) -> Found | None:
    """What the device at `address` is, from its next advertisement (None: not heard)."""
    seen: list[Found] = []

    def check(device: BLEDevice, adv: AdvertisementData) -> bool:
        if device.address.upper() != address.upper():
            return False
        name = adv.local_name or device.name or ""
        description = identify(descriptions, name, adv.service_uuids, adv.manufacturer_data)
        seen.append(Found(device.address, name, adv.rssi, description))
        return True

    await BleakScanner.find_device_by_filter(check, timeout=timeout, **backend.scanner_kwargs())
    return seen[-1] if seen else None


def open_driver(
    description: Description,
    backend: Backend,
    address: str,
    caps: Limits,
    *,
    name: str = "",
    pair: bool = False,
) -> Driver:
    """The driver the description names, for the device at `address` (not connected yet)."""
    if description.driver == "thenar":
        return ThenarDriver.open(description, backend, address, caps, name=name, pair=pair)
    return Aa55Driver(description, backend, address, caps)
