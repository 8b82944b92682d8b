"""The virtual massager's firmware: a pure state machine stepped by a clock.

It takes the same bytes a real device would (decoded with `ble.protocol`) and
holds its own safety rules whatever a central sends: hard limits, the written
Limits, a heartbeat watchdog, an over-temperature cut-out relative to the heat
limit, stuck-valve faults, an absolute auto-off with a cool-down, a heat-time
budget, and "never restart by itself". No asyncio and no Bumble here;
`device_sim.peripheral` adapts it to a GATT server.

Why this module is long: the firmware's safety rules (hard limits, written Limits,
watchdog, over-temperature cut-out, stuck valves, auto-off, heat budget) all act on one
state stepped by one clock; in one class a reader can check that every path ends in a
safe state.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable

from ble import protocol as p
from device_sim import patterns
from device_sim.clock import Clock
from device_sim.physics import HEATER_TAU_S, RUNAWAY_GAIN_C, AirZones, Battery, Heater
from massage import (
    ABSOLUTE_AUTO_OFF_S,
    DEFAULT_LIMITS,
    DEFAULT_MAX_HEAT_TIME_S,
    HARD_MAX_HEAT_DC,
    HARD_MAX_PRESSURE_MMHG,
    MAX_INTENSITY,
    MIN_HEAT_DC,
    MIN_INTENSITY,
    ZONE_COUNT,
    ZONE_NAMES,
    Pattern,
)

# Heartbeats: the app sends one about every second; after 2 s without one the
# device stops, and venting (<= 0.5 s at 160 mmHg/s) makes it safe within 3 s.
WATCHDOG_TIMEOUT_S = 2.0
# 45 °C, the hard limit the pad never reaches: burns start at a 44 °C basal layer.
OVER_TEMPERATURE_C = HARD_MAX_HEAT_DC / 10
FAULT_CLEAR_BELOW_C = 40.0  # an over-temperature fault is never cleared above this
LOW_BATTERY_PCT = 5.0
HEAT_STEP_DC = 5
PHYSICS_STEP_S = 0.05  # 20 Hz integration: fine enough for 0.5 s pulses
DEFAULT_INTENSITY = MAX_INTENSITY  # the program as uploaded

# Heat and time protection (issue 10; docs/gatt-profile.md lists these with their reasons).
# Core body temperature: a pad on a hand (skin 30-35 °C) or in the sim's 22 °C room
# (physics.AMBIENT_C) cannot get warmer than this without its heater.
SKIN_NEUTRAL_C = 37.0
# The heater's proportional control never overshoots its setpoint; 1 °C covers sensor tolerance.
OVER_LIMIT_MARGIN_C = 1.0
# The fastest the pad can heat in one physics step (full runaway power from ambient, the steepest
# part of its curve): the cut-out trips when the NEXT step could pass it, never after.
MAX_RISE_PER_STEP_C = RUNAWAY_GAIN_C / HEATER_TAU_S * PHYSICS_STEP_S
# A fault may be cleared only this far below its cut-out, so it cannot flicker at the trip point.
FAULT_CLEAR_HYSTERESIS_C = 2.0
# After the 30-minute auto-off no new start for this long: no chaining runs into an unbroken hour.
AUTO_OFF_COOLDOWN_S = 15 * 60
# The design note: heat time per session at most 20 minutes (the default heat-time cap).
HEAT_PER_SESSION_S = DEFAULT_MAX_HEAT_TIME_S
# Three fully heated sessions a day; rolling, as the device has a clock but no calendar.
HEAT_PER_DAY_S = 60 * 60
HEAT_DAY_WINDOW_S = 24 * 60 * 60
FACTORY_LIMITS = DEFAULT_LIMITS  # until the app writes the person's (docs/gatt-profile.md)
SUPPORTED_OPCODES = (
    p.Opcode.REQUEST_CONTROL,
    p.Opcode.START_PROGRAM,
    p.Opcode.PAUSE,
    p.Opcode.RESUME,
    p.Opcode.STOP,
    p.Opcode.SET_INTENSITY,
    p.Opcode.SET_HEAT,
    p.Opcode.HEARTBEAT,
    p.Opcode.CLEAR_FAULT,
    p.Opcode.RELEASE_CONTROL,
    p.Opcode.SPARE_ZONES,
)

# The firmware speaks protocol version 2 only (request ids on the control point).
SUPPORTED_PROTOCOL_VERSIONS = (p.PROTOCOL_VERSION,)

Conn = Hashable
R = p.ResultCode


class AttRefusal(Exception):
    """A write refused with an ATT error code; the GATT adapter sends it as the ATT error."""

    def __init__(self, code: int, why: str) -> None:
        super().__init__(f"ATT error 0x{code:02x}: {why}")
        self.code = code


class HeatLog:
    """Heater-on spans on the device clock, summed over a rolling window: the daily heat budget."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self._spans: list[tuple[float, float]] = []

    def add(self, start: float, end: float) -> None:
        """Record heat from `start` to `end`; touching spans merge, spans out of the window go."""
        if self._spans and start - self._spans[-1][1] < 1e-6:
            start = self._spans.pop()[0]
        self._spans.append((start, end))
        while self._spans[0][1] <= end - self.window_s:
            self._spans.pop(0)

    def used(self, now: float) -> float:
        """Seconds of heat in the window that ends at `now`."""
        since = now - self.window_s
        return sum(max(0.0, end - max(start, since)) for start, end in self._spans)


class MassagerModel:
    """Everything the firmware knows and does, advanced by `update()`."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._last_update = clock()
        self.zones = AirZones()
        self.heater = Heater()
        self.battery = Battery()
        self.limits = FACTORY_LIMITS
        self.state = p.State.IDLE
        self.stop_reason = p.StopReason.NONE
        self.faults = p.FaultFlags.NONE
        self.intensity = DEFAULT_INTENSITY
        self.program: p.Program | None = None
        self._assembler = p.ProgramAssembler()
        self._controller: Conn | None = None
        self._last_heartbeat = clock()
        self._heat_override_dc: int | None = None
        self.spared_mask = 0  # zones kept empty this session (bit n = zone n); Start clears it
        self._run_s = 0.0  # time spent running (pauses excluded)
        self._session_s = 0.0  # wall time since start (pauses included): for the auto-off
        self._session_heat_s = 0.0  # heater-on time this session
        self._heat_log = HeatLog(HEAT_DAY_WINDOW_S)
        self._auto_off_at: float | None = None  # device time of the last auto-off
        self._seq = 0
        self._published: p.Status | None = None
        self.commands_handled = 0

    # --- GATT-facing operations ------------------------------------------

    def features(self) -> p.Features:
        return p.Features(
            protocol_version=p.PROTOCOL_VERSION,
            zone_names=ZONE_NAMES,
            pressure_min_mmhg=0,
            pressure_max_mmhg=HARD_MAX_PRESSURE_MMHG,
            pressure_step_mmhg=1,
            heat_min_dc=MIN_HEAT_DC,
            heat_max_dc=HARD_MAX_HEAT_DC,
            heat_step_dc=HEAT_STEP_DC,
            max_session_s=ABSOLUTE_AUTO_OFF_S,
            opcodes=SUPPORTED_OPCODES,
            protocol_versions=SUPPORTED_PROTOCOL_VERSIONS,
        )

    def connected(self, conn: Conn) -> None:
        """A central connected; it has no control until it asks for it."""

    def disconnected(self, conn: Conn) -> None:
        """The link to `conn` is gone: if it was in control, make everything safe now."""
        if conn != self._controller:
            return
        self._controller = None
        self._assembler.reset()
        if self.state in (p.State.RUNNING, p.State.PAUSED):
            self._stop(p.StopReason.LINK_LOST)

    def write_limits(self, conn: Conn, data: bytes) -> None:
        self._require_control(conn)
        try:
            limits = p.decode_limits(data)
        except p.ProtocolError as exc:
            raise AttRefusal(p.ATT_INVALID_ATTRIBUTE_VALUE_LENGTH, str(exc)) from exc
        if (
            limits.max_pressure_mmhg > HARD_MAX_PRESSURE_MMHG
            or limits.max_heat_dc > HARD_MAX_HEAT_DC
            or limits.max_session_s > ABSOLUTE_AUTO_OFF_S
            or limits.max_session_s == 0
        ):
            raise AttRefusal(p.ATT_VALUE_OUT_OF_RANGE, f"{limits} exceeds the hard limits")
        self.limits = limits  # takes effect at once, also on a running program

    def write_program_chunk(self, conn: Conn, data: bytes) -> None:
        self._require_control(conn)
        if self.state in (p.State.RUNNING, p.State.PAUSED):
            raise AttRefusal(p.AppError.BUSY, "cannot replace the program while it runs")
        try:
            program = self._assembler.feed(p.ProgramChunk.from_bytes(data))
        except p.ChunkOutOfSequence as exc:
            raise AttRefusal(p.AppError.CHUNK_OUT_OF_SEQUENCE, str(exc)) from exc
        except p.ProtocolError as exc:
            raise AttRefusal(p.AppError.INVALID_PROGRAM, str(exc)) from exc
        if program is None:
            return
        unknown = [s.pattern for s in program.steps if s.pattern not in list(Pattern)]
        if unknown:
            raise AttRefusal(p.AppError.INVALID_PROGRAM, f"unknown patterns {unknown}")
        # Steps beyond the Limits are accepted and clamped while they run, so a later,
        # lower Limits write also holds for a program uploaded before it.
        self.program = program

    def read_limits(self) -> bytes:
        return p.encode_limits(self.limits)

    def handle_control(self, conn: Conn, data: bytes, refuse: bool = False) -> p.ControlResponse:
        """Answer one control point write. `refuse` is the fault injection "refuse commands"."""
        if not data:
            raise AttRefusal(p.ATT_INVALID_ATTRIBUTE_VALUE_LENGTH, "empty control point write")
        self.update()
        opcode = p.Opcode(data[0])
        # Every answer echoes the request id, refusals and malformed commands included,
        # so the central can tell which command it answers (0 if the write had none).
        seq = data[1] if len(data) > 1 else 0
        try:
            command = p.decode_command(data)
        except p.ProtocolError:
            return p.ControlResponse(opcode, R.INVALID_PARAMETER, seq=seq)
        if isinstance(command, p.RequestControl):
            return p.ControlResponse(opcode, self._request_control(conn), seq=seq)
        if conn != self._controller:
            return p.ControlResponse(opcode, R.CONTROL_NOT_PERMITTED, seq=seq)
        self._last_heartbeat = self._clock()  # any command from the controller shows it is alive
        self.commands_handled += 1
        if refuse:
            return p.ControlResponse(opcode, R.OPERATION_FAILED, seq=seq)
        return p.ControlResponse(opcode, self._execute(command), seq=seq)

    # --- Commands ---------------------------------------------------------

    def _request_control(self, conn: Conn) -> p.ResultCode:
        if self._controller not in (None, conn):
            return R.CONTROL_NOT_PERMITTED
        self._controller = conn
        self._last_heartbeat = self._clock()
        return R.SUCCESS

    def _execute(self, command: p.Command) -> p.ResultCode:
        match command:
            case p.Heartbeat():
                return R.SUCCESS
            case p.ReleaseControl():
                if self.state in (p.State.RUNNING, p.State.PAUSED):
                    self._stop(p.StopReason.USER)
                self._controller = None
                return R.SUCCESS
            case p.StartProgram(program_id=program_id):
                return self._start(program_id)
            case p.Pause():
                if self.state != p.State.RUNNING:
                    return R.INVALID_STATE
                self.state = p.State.PAUSED
                return R.SUCCESS
            case p.Resume():
                if self.state != p.State.PAUSED:
                    return R.INVALID_STATE
                self.state = p.State.RUNNING
                return R.SUCCESS
            case p.Stop():
                if self.state in (p.State.RUNNING, p.State.PAUSED):
                    self._stop(p.StopReason.USER)
                return R.SUCCESS  # stopping something already stopped is safe, so it succeeds
            case p.SetIntensity(level=level):
                if not MIN_INTENSITY <= level <= MAX_INTENSITY:
                    return R.INVALID_PARAMETER
                self.intensity = level
                return R.SUCCESS
            case p.SetHeat(heat_dc=heat_dc):
                return self._set_heat(heat_dc)
            case p.SpareZones(mask=mask):
                if self.state not in (p.State.RUNNING, p.State.PAUSED):
                    return R.INVALID_STATE  # sparing belongs to a session; Start clears it
                self.spared_mask = mask  # vents from the next physics step on
                return R.SUCCESS
            case p.ClearFault():
                return self._clear_fault()
        return R.OPCODE_NOT_SUPPORTED

    def _start(self, program_id: int) -> p.ResultCode:
        if self.state == p.State.FAULT:
            return R.INVALID_STATE
        if self.state in (p.State.RUNNING, p.State.PAUSED):
            return R.INVALID_STATE
        if self.program is None:
            return R.INVALID_STATE
        if self.program.program_id != program_id:
            return R.INVALID_PARAMETER
        if self.battery.level_pct <= LOW_BATTERY_PCT:
            return R.OPERATION_FAILED
        if (
            self._auto_off_at is not None
            and self._clock() - self._auto_off_at < AUTO_OFF_COOLDOWN_S
        ):
            return R.INVALID_STATE  # cooling down after the absolute auto-off
        self.state = p.State.RUNNING
        self.stop_reason = p.StopReason.NONE
        self._heat_override_dc = None
        self.spared_mask = 0  # a new session spares nothing
        self._run_s = self._session_s = self._session_heat_s = 0.0
        self._last_heartbeat = self._clock()
        return R.SUCCESS

    def _set_heat(self, heat_dc: int) -> p.ResultCode:
        if heat_dc > min(self.limits.max_heat_dc, HARD_MAX_HEAT_DC):
            return R.LIMIT_EXCEEDED
        if heat_dc and self._heat_time_left(self._last_update) <= 0:
            return R.LIMIT_EXCEEDED
        if heat_dc and (heat_dc < MIN_HEAT_DC or heat_dc % HEAT_STEP_DC):
            return R.INVALID_PARAMETER
        self._heat_override_dc = heat_dc
        return R.SUCCESS

    def _clear_fault(self) -> p.ResultCode:
        if self.state != p.State.FAULT:
            return R.SUCCESS
        clear_below = min(FAULT_CLEAR_BELOW_C, self.cut_out_c() - FAULT_CLEAR_HYSTERESIS_C)
        still_hot = self.heater.temperature_c >= clear_below or self.heater.runaway
        still_stuck = self.zones.stuck_zone is not None
        if still_hot or still_stuck or self.battery.level_pct <= LOW_BATTERY_PCT:
            return R.OPERATION_FAILED
        self.faults = p.FaultFlags.NONE
        self.heater.enabled = True
        self.state = p.State.IDLE
        return R.SUCCESS

    def _require_control(self, conn: Conn) -> None:
        if conn != self._controller:
            raise AttRefusal(p.AppError.NOT_IN_CONTROL, "request control first")

    def _stop(self, reason: p.StopReason) -> None:
        self.state = p.State.STOPPED
        self.stop_reason = reason

    def _fault(self, flag: p.FaultFlags, reason: p.StopReason) -> None:
        self.faults |= flag
        if self.state != p.State.FAULT:
            self.state = p.State.FAULT
            self.stop_reason = reason

    # --- Time ---------------------------------------------------------------

    def update(self) -> None:
        """Advance everything to the clock's now, in small fixed steps."""
        now = self._clock()
        remaining = now - self._last_update
        self._last_update = now
        while remaining > 1e-9:
            dt = min(PHYSICS_STEP_S, remaining)
            self._integrate(dt, now - remaining + dt)
            remaining -= dt

    def _integrate(self, dt: float, now: float) -> None:
        if self.state in (p.State.RUNNING, p.State.PAUSED):
            self._session_s += dt
            if self.state == p.State.RUNNING:
                self._run_s += dt
            self._check_session(now)
        targets, heat_dc = self._setpoints(now - dt)
        if heat_dc:
            self._session_heat_s += dt
            self._heat_log.add(now - dt, now)
        self.zones.step(targets, dt)
        self.heater.setpoint_c = heat_dc / 10
        before_c = self.heater.temperature_c
        self.heater.step(dt)
        self.battery.step(dt, self.zones.pumping, self.heater.power)
        self._check_faults(before_c)

    def _check_session(self, now: float) -> None:
        assert self.program is not None
        if now - self._last_heartbeat >= WATCHDOG_TIMEOUT_S:
            self._stop(p.StopReason.WATCHDOG)
        elif self._session_s >= ABSOLUTE_AUTO_OFF_S:
            self._stop(p.StopReason.AUTO_OFF)
            self._auto_off_at = now
        elif self._run_s >= self.program.duration_s:
            self._stop(p.StopReason.COMPLETED)
        elif self._run_s >= self.limits.max_session_s:
            self._stop(p.StopReason.LIMIT)

    def _current_step(self) -> tuple[int, p.ProgramStep, float]:
        assert self.program is not None
        start = 0.0
        for index, step in enumerate(self.program.steps):
            if self._run_s < start + step.duration_s:
                return index, step, self._run_s - start
            start += step.duration_s
        last = len(self.program.steps) - 1
        return last, self.program.steps[last], float(self.program.steps[last].duration_s)

    def _setpoints(self, now: float) -> tuple[tuple[float, ...], int]:
        """Targets per zone and the heater setpoint, clamped by Limits, hard limits, heat time."""
        if self.state != p.State.RUNNING:
            return (0.0,) * ZONE_COUNT, 0
        _, step, into = self._current_step()
        cap = min(self.limits.max_pressure_mmhg, HARD_MAX_PRESSURE_MMHG)
        raw = patterns.targets(step.pattern, step.pressures_mmhg, into)
        targets = tuple(
            0.0 if self.spared_mask & (1 << zone) else min(cap, t * self.intensity / MAX_INTENSITY)
            for zone, t in enumerate(raw)
        )
        heat = step.heat_dc if self._heat_override_dc is None else self._heat_override_dc
        heat = min(heat, self.limits.max_heat_dc, HARD_MAX_HEAT_DC)
        if self._heat_time_left(now) <= 0:
            heat = 0  # heat time used up: the massage goes on without heat
        return targets, heat

    def _heat_time_left(self, now: float) -> float:
        """Heater-on seconds still allowed: the smaller of this session's and the rolling day's."""
        return min(
            HEAT_PER_SESSION_S - self._session_heat_s, HEAT_PER_DAY_S - self._heat_log.used(now)
        )

    def cut_out_c(self) -> float:
        """The over-temperature cut-out for the written heat limit (heat off: skin-neutral)."""
        allowed_c = max(self.limits.max_heat_dc / 10, SKIN_NEUTRAL_C)
        return min(allowed_c + OVER_LIMIT_MARGIN_C, OVER_TEMPERATURE_C)

    def _check_faults(self, before_c: float) -> None:
        next_max_c = self.heater.temperature_c + MAX_RISE_PER_STEP_C  # the next step's worst case
        # A pad still cooling from a lowered limit is no fault; one that rises above it is.
        rising = self.heater.temperature_c > before_c
        if next_max_c >= OVER_TEMPERATURE_C or (rising and next_max_c > self.cut_out_c()):
            self.heater.enabled = False
            self.heater.runaway = False  # firmware opens the heater's safety cut-out
            self._fault(p.FaultFlags.OVER_TEMPERATURE, p.StopReason.OVER_TEMPERATURE)
        if self.zones.stuck_detected:
            self._fault(p.FaultFlags.STUCK_VALVE, p.StopReason.FAULT)
        if self.battery.level_pct <= LOW_BATTERY_PCT:
            self._fault(p.FaultFlags.LOW_BATTERY, p.StopReason.BATTERY)

    # --- Status ------------------------------------------------------------

    def status(self) -> p.Status:
        """The current status, with the sequence number of the last published frame."""
        step_index, remaining = 0, 0
        if self.program is not None and self.state in (p.State.RUNNING, p.State.PAUSED):
            step_index, _, _ = self._current_step()
            left_in_program = self.program.duration_s - self._run_s
            left_in_limit = self.limits.max_session_s - self._run_s
            remaining = max(0, round(min(left_in_program, left_in_limit)))
        _, heat_dc = self._setpoints(self._last_update)
        return p.Status(
            seq=self._seq,
            state=self.state,
            stop_reason=self.stop_reason,
            program_id=self.program.program_id if self.program else 0,
            step_index=step_index,
            elapsed_s=min(0xFFFF, int(self._run_s + 1e-6)),  # float sums: 5.9999 is 6
            remaining_s=min(0xFFFF, remaining),
            pressures_mmhg=self.zones.rounded(),
            heater_dc=max(0, round(self.heater.temperature_c * 10)),
            heat_setpoint_dc=heat_dc,
            intensity=self.intensity,
            faults=self.faults,
        )

    def publish_if_changed(self, force: bool = False) -> p.Status | None:
        """The next status frame (seq + 1) if anything changed since the last one."""
        current = self.status()
        previous = self._published
        if (
            not force
            and previous is not None
            and dataclasses.replace(current, seq=previous.seq) == previous
        ):
            return None
        self._seq = (self._seq + 1) & 0xFFFF
        self._published = dataclasses.replace(current, seq=self._seq)
        return self._published

    @property
    def controller(self) -> Conn | None:
        return self._controller

    # --- Fault injection (firmware-level) -----------------------------------

    def inject_overheat(self) -> None:
        """The heater runs away (a stuck relay); the over-temperature cut-out must catch it."""
        self.heater.runaway = True

    def inject_stuck_valve(self, zone: int) -> None:
        self.zones.stuck_zone = zone

    def release_stuck_valve(self) -> None:
        self.zones.stuck_zone = None

    def set_battery(self, percent: float) -> None:
        self.battery.level_pct = percent
