"""The driver interface: the one way the app reaches a massager, whatever its protocol.

A driver owns one connection to one device. It takes the person's caps (in mmHg,
tenths of °C and seconds, whatever the device's own units) and a device-neutral
plan, and reports a device-neutral status. What the device cannot confirm or
enforce, the driver says (`Description.protections`) and makes up for where it can.
docs/drivers.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ble.observers import Observers
from drivers.description import Description
from massage import Limits
from therapy.plan import Plan


@dataclass(frozen=True)
class DeviceStatus:
    """What the device last said about itself; None where it does not report a value."""

    running: bool
    level: int | None = None  # on the device's own scale (Description.capabilities.levels)
    pressures_mmhg: tuple[int, ...] | None = None  # measured, per zone
    heat_on: bool | None = None
    temperature_dc: int | None = None
    battery: int | None = None
    stop_reason: str = ""  # "user", "auto_off", "link_lost", "completed", ... ("" while running)


@dataclass(frozen=True)
class LinkEvent:
    """A change of the link the app should show: "link_lost", "reconnected", "stopped"..."""

    kind: str
    detail: str = ""


class Driver(Protocol):
    """Implemented by `drivers.thenar.ThenarDriver` and `drivers.aa55.Aa55Driver`."""

    description: Description
    statuses: Observers[DeviceStatus]
    links: Observers[LinkEvent]

    @property
    def is_connected(self) -> bool: ...

    @property
    def caps(self) -> Limits:
        """The caps this driver enforces now."""
        ...

    async def connect(self) -> None:
        """Connect and hand the device the caps (where it takes them) before anything else."""

    async def set_caps(self, caps: Limits) -> None:
        """New caps; stricter ones hold at once, even for what is already running."""

    async def run(self, plan: Plan) -> None:
        """Start `plan` within the caps; refuse (CapExceeded) what cannot be capped."""

    async def stop(self) -> None:
        """Stop now; raise if the device did not confirm."""

    async def read_status(self) -> DeviceStatus: ...

    async def close(self) -> bool:
        """Stop, then disconnect; False if the stop was not confirmed."""
        ...
