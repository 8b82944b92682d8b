"""The firmware of a simulated "AA 55" massager: levels, modes, heat on/off, its own timer.

Pure and clock-driven like `device_sim.model`, but modelled on what consumer
massagers do (docs/aa55-protocol.md): a command with a bad checksum is ignored
without a word, nothing stops when the link drops, there is no watchdog and no
limit to write; the only protection is the auto-off timer. The model counts every
frame it receives, so tests can prove that a central wrote nothing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ble import aa55
from device_sim.clock import Clock


@dataclass(frozen=True)
class Aa55Spec:
    """What one model of this family can do."""

    levels: int = 5
    modes: int = 3
    auto_off_min: int = 15  # at power on; TIMER can set 1..max_timer_min
    max_timer_min: int = 30
    battery: int = 80


class StopCause(enum.Enum):
    NONE = "none"
    POWER_OFF = "power off"
    AUTO_OFF = "auto-off"


class Aa55Firmware:
    """What the device does with each frame, and with time."""

    def __init__(self, clock: Clock, spec: Aa55Spec | None = None) -> None:
        self.clock = clock
        self.spec = spec or Aa55Spec()
        self.running = False
        self.level = 1
        self.mode = 1
        self.heat_on = False
        self.timer_min = self.spec.auto_off_min
        self.started_at = 0.0
        self.stopped_at: float | None = None
        self.stop_cause = StopCause.NONE
        self.frames = 0  # every write the device received, good or bad
        self.bad_frames = 0  # ignored: bad header, length or checksum, unknown command
        self.links = 0  # centrals connected now

    def receive(self, data: bytes) -> aa55.Status | None:
        """Apply one written frame; the status to notify when it asked for one."""
        self.update()
        self.frames += 1
        try:
            command = aa55.Command.from_bytes(data)
        except aa55.FrameError:
            self.bad_frames += 1
            return None
        arg = command.params[0] if command.params else None
        match command.cmd, arg:
            case aa55.Cmd.STATUS_REQUEST, None:
                return self.status()
            case aa55.Cmd.POWER, 1:
                if not self.running:
                    self.running, self.level, self.mode, self.heat_on = True, 1, 1, False
                    self.started_at = self.clock()
                    self.stop_cause = StopCause.NONE
            case aa55.Cmd.POWER, 0:
                self._stop(StopCause.POWER_OFF)
            case aa55.Cmd.LEVEL, int(n) if self.running and 1 <= n <= self.spec.levels:
                self.level = n
            case aa55.Cmd.MODE, int(n) if self.running and 1 <= n <= self.spec.modes:
                self.mode = n
            case aa55.Cmd.HEAT, 0 | 1 if self.running:
                self.heat_on = bool(arg)
            case aa55.Cmd.TIMER, int(n) if 1 <= n <= self.spec.max_timer_min:
                self.timer_min = n
            case _:
                self.bad_frames += 1  # out of range or while off: ignored, as such devices do
        return None

    def _stop(self, cause: StopCause) -> None:
        if self.running:
            self.running, self.heat_on = False, False
            self.stopped_at = self.clock()
            self.stop_cause = cause

    def update(self) -> None:
        """The device's own auto-off: the one protection it has."""
        if self.running and self.clock() - self.started_at >= self.timer_min * 60:
            self._stop(StopCause.AUTO_OFF)

    def minutes_left(self) -> int:
        if not self.running:
            return 0
        left = self.timer_min * 60 - (self.clock() - self.started_at)
        return max(0, -int(-left // 60))

    def status(self) -> aa55.Status:
        self.update()
        return aa55.Status(
            self.running, self.level, self.mode, self.heat_on, self.spec.battery,
            self.minutes_left(),
        )

    def connected(self) -> None:
        self.links += 1

    def disconnected(self) -> None:
        self.links -= 1  # and nothing else: this family keeps running without its app
