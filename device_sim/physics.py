"""The massager's physical parts: air zones, heater and battery.

Each part integrates its own small model over a time step. Rates are design
values for a small glove: they make pressure rise and fall at believable speeds
(not instantly), so tests can check "vented within 1 s" against real dynamics.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from massage import ZONE_COUNT

PUMP_RATE_MMHG_S = 40.0  # a small diaphragm pump fills one glove zone to 40 mmHg in ~1 s
VENT_RATE_MMHG_S = 160.0  # an open solenoid valve: 80 mmHg vents in 0.5 s
AMBIENT_C = 22.0
HEATER_TAU_S = 60.0  # first-order time constant of a thin heating pad against skin
HEATER_GAIN_C = 30.0  # full power holds the pad 30 °C above ambient
RUNAWAY_GAIN_C = 45.0  # an injected runaway (stuck relay) would reach 67 °C
HEATER_P_GAIN = 0.4  # proportional control, power per °C of error; no overshoot
STUCK_TOLERANCE_MMHG = 5.0
STUCK_DETECT_S = 1.5  # a zone that will not vent for this long is a stuck valve
BATTERY_IDLE_PCT_S = 0.0005
BATTERY_PUMP_PCT_S = 0.004  # per zone pumping
BATTERY_HEATER_PCT_S = 0.01  # at full heater power


@dataclass
class AirZones:
    """Measured pressure per zone, driven toward targets at pump and valve rates."""

    pressures: list[float] = field(default_factory=lambda: [0.0] * ZONE_COUNT)
    stuck_zone: int | None = None  # fault injection: this zone's valve will not open
    _stuck_for: float = 0.0
    pumping: int = 0  # how many zones pumped during the last step (for battery drain)

    def step(self, targets: tuple[float, ...], dt: float) -> None:
        self.pumping = 0
        for zone, target in enumerate(targets):
            current = self.pressures[zone]
            if target > current:
                self.pressures[zone] = min(target, current + PUMP_RATE_MMHG_S * dt)
                self.pumping += 1
            elif target < current and zone != self.stuck_zone:
                self.pressures[zone] = max(target, current - VENT_RATE_MMHG_S * dt)
        stuck = self.stuck_zone
        if stuck is not None and self.pressures[stuck] - targets[stuck] > STUCK_TOLERANCE_MMHG:
            self._stuck_for += dt
        else:
            self._stuck_for = 0.0

    @property
    def stuck_detected(self) -> bool:
        return self._stuck_for >= STUCK_DETECT_S

    def rounded(self) -> tuple[int, ...]:
        return tuple(round(p) for p in self.pressures)


@dataclass
class Heater:
    """A heating pad with a first-order thermal model and a proportional controller."""

    temperature_c: float = AMBIENT_C
    setpoint_c: float = 0.0  # 0 means off
    enabled: bool = True  # cut by firmware on over-temperature
    runaway: bool = False  # fault injection: the heater stays on at a higher power
    power: float = 0.0

    def step(self, dt: float) -> None:
        if self.runaway:
            self.power, gain = 1.0, RUNAWAY_GAIN_C
        elif self.enabled and self.setpoint_c > 0:
            error = self.setpoint_c - self.temperature_c
            self.power, gain = min(1.0, max(0.0, error * HEATER_P_GAIN)), HEATER_GAIN_C
        else:
            self.power, gain = 0.0, HEATER_GAIN_C
        equilibrium = AMBIENT_C + gain * self.power
        # Exact solution of dT/dt = (T_eq - T) / tau over dt: stable for any step size.
        self.temperature_c = equilibrium + (self.temperature_c - equilibrium) * math.exp(
            -dt / HEATER_TAU_S
        )


@dataclass
class Battery:
    level_pct: float = 100.0

    def step(self, dt: float, zones_pumping: int, heater_power: float) -> None:
        drain = (
            BATTERY_IDLE_PCT_S
            + BATTERY_PUMP_PCT_S * zones_pumping
            + BATTERY_HEATER_PCT_S * heater_power
        )
        self.level_pct = max(0.0, self.level_pct - drain * dt)

    @property
    def percent(self) -> int:
        return math.ceil(self.level_pct)
