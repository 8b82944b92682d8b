"""The driver interface: the one way the app reaches a massager, whatever its protocol.

A driver owns one connection to one device. It takes the person's caps (in mmHg,
tenths of °C and seconds, whatever the device's own units) and a device-neutral
plan, and reports a device-neutral status, its link's events and an audit trail of
what it sent. What the device cannot confirm or enforce, the driver says
(`Description.protections`) and makes up for where it can. docs/drivers.md.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # bleak loads on the first connect, not with the window (issue 13)
    from ble.client import AuditEntry, DeviceInfo
    from ble.observers import Observers
    from drivers.description import Description
    from massage import Limits, Zone
    from therapy.plan import Plan

class StopReason(StrEnum):
    """Why a massager stopped, as every driver names it in `DeviceStatus.stop_reason`
    (Thenar's own wire code for it is `ble.protocol.StopReason`; a driver translates)."""

    USER = "user"
    LIMIT = "limit"
    WATCHDOG = "watchdog"
    LINK_LOST = "link_lost"
    OVER_TEMPERATURE = "over_temperature"
    BATTERY = "battery"
    AUTO_OFF = "auto_off"
    COMPLETED = "completed"
    FAULT = "fault"


FULL_INTENSITY = 10  # `set_intensity`: tenths of the plan; 10 runs it as planned


@dataclass(frozen=True)
class DeviceStatus:
    """What the device last said about itself; None where it does not report a value."""

    running: bool  # a plan is under way (paused included)
    level: int | None = None  # on the device's own scale (Description.capabilities.levels)
    pressures_mmhg: tuple[int, ...] | None = None  # measured, per zone
    heat_on: bool | None = None
    temperature_dc: int | None = None
    battery: int | None = None
    stop_reason: str = ""  # "user", "auto_off", "link_lost", "completed", ... ("" while running)
    paused: bool = False
    elapsed_s: int | None = None  # how far the plan got, when the device counts it
    remaining_s: int | None = None
    step_index: int | None = None
    heat_setpoint_dc: int | None = None  # the warmth asked for (0: off)


@dataclass(frozen=True)
class LinkEvent:
    """A change of the link the app should show.

    `kind`: "connected", "link_lost", "reconnected", "reconnect_gave_up",
    "disconnected", "stop_unacknowledged", ... (`error`: what made it, if anything).
    """

    kind: str
    detail: str = ""
    error: BaseException | None = None


class Driver(Protocol):
    """Implemented by `drivers.thenar.ThenarDriver` and `drivers.aa55.Aa55Driver`."""

    description: Description
    address: str
    statuses: Observers[DeviceStatus]
    links: Observers[LinkEvent]
    audits: Observers[AuditEntry]  # every command and link event, as it happens

    @property
    def is_connected(self) -> bool:
        """Connected and usable: a session may start."""
        ...

    @property
    def caps(self) -> Limits:
        """The caps this driver enforces now."""
        ...

    @property
    def pause_refusal(self) -> str:
        """Why this device cannot pause a running plan, in plain words ("": it can)."""
        ...

    def warmth_refusal(self, heat_dc: int) -> str:
        """Why warmth `heat_dc` cannot be turned on within the caps ("": it can)."""
        ...

    @property
    def spare_refusal(self) -> str:
        """Why this device cannot spare single zones, in plain words ("": it can;
        `Description.capabilities.spare_zones` says which)."""
        ...

    async def connect(self) -> None:
        """Connect and hand the device the caps (where it takes them) before anything else."""

    async def device_info(self) -> DeviceInfo:
        """Maker, model, serial and firmware, as far as the device tells."""
        ...

    async def battery(self) -> int | None:
        """Charge in percent (None: the device does not say)."""
        ...

    async def set_caps(self, caps: Limits) -> None:
        """New caps; stricter ones hold at once, even for what is already running."""

    async def run(self, plan: Plan) -> None:
        """Start `plan` at full intensity within the caps; refuse (CapExceeded) what
        cannot be capped."""

    async def set_intensity(self, tenths: int) -> None:
        """Gentler or firmer: the plan's pressures scaled to `tenths`/10 (never past the caps)."""

    async def set_heat(self, heat_dc: int) -> None:
        """Warmth at `heat_dc` (0: off) for what runs; refused above the caps."""

    async def spare_zones(self, zones: Collection[Zone]) -> None:
        """Keep exactly `zones` empty for the rest of this run (empty: give all back);
        returns once the device confirmed, raises otherwise (or if it cannot spare)."""

    async def pause(self) -> None:
        """Hold the plan with nothing pressing; raise if the device cannot."""

    async def resume(self) -> None:
        """Go on from where `pause` held the plan."""

    async def stop(self) -> None:
        """Stop now; raise if the device did not confirm."""

    async def read_status(self) -> DeviceStatus: ...

    async def close(self) -> bool:
        """Stop, then disconnect; False if the stop was not confirmed."""
        ...
