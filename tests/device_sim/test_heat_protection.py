"""Issue 10: the firmware's heat and time protection, on the real model and a manual clock."""

from __future__ import annotations

import pytest

from ble import protocol as p
from device_sim.clock import ManualClock
from device_sim.model import PHYSICS_STEP_S, HeatLog, MassagerModel
from massage import Limits, Pattern

ME = "me"
R = p.ResultCode
DAY_S = 24 * 60 * 60


def command(model: MassagerModel, cmd: p.Command) -> p.ResultCode:
    response = model.handle_control(ME, bytes(cmd))
    assert response.request_opcode == cmd.opcode
    return response.result


def run(
    model: MassagerModel,
    clock: ManualClock,
    seconds: float,
    tick: float = 1.0,
    heartbeat: bool = True,
) -> float:
    """Advance in ticks with a heartbeat about every second; the hottest the pad was at a tick."""
    hottest = model.heater.temperature_c
    every = max(1, round(1.0 / tick))
    for i in range(round(seconds / tick)):
        clock.advance(tick)
        model.update()
        hottest = max(hottest, model.heater.temperature_c)
        if heartbeat and i % every == 0:
            assert command(model, p.Heartbeat()) == R.SUCCESS
    return hottest


def massager(limits: Limits, program: p.Program) -> tuple[MassagerModel, ManualClock]:
    """A model under control with these Limits and this program uploaded."""
    clock = ManualClock()
    model = MassagerModel(clock)
    model.connected(ME)
    assert command(model, p.RequestControl()) == R.SUCCESS
    model.write_limits(ME, p.encode_limits(limits))
    for chunk in p.chunk_program(program, 23):
        model.write_program_chunk(ME, bytes(chunk))
    return model, clock


def hold(seconds: int, heat_dc: int) -> p.Program:
    return p.Program(1, (p.ProgramStep(seconds, Pattern.HOLD, heat_dc, (20,) * 6),))


@pytest.mark.parametrize(
    ("limit_dc", "cut_out_c"),
    [(0, 38.0), (380, 39.0), (420, 43.0), (450, 45.0)],
    ids=["heat-off", "38C", "42C", "45C"],
)
def test_runaway_is_cut_before_the_limit_plus_margin(limit_dc: int, cut_out_c: float) -> None:
    model, clock = massager(Limits(60, limit_dc, 1800), hold(1800, limit_dc))
    assert command(model, p.StartProgram(1)) == R.SUCCESS
    model.inject_overheat()
    hottest = run(model, clock, 300, tick=PHYSICS_STEP_S)  # every physics step is seen
    assert hottest <= cut_out_c
    assert hottest < 45.0
    assert hottest > cut_out_c - 0.1  # the runaway really drove the pad up to the cut-out
    status = model.status()
    assert status.state == p.State.FAULT
    assert status.stop_reason == p.StopReason.OVER_TEMPERATURE
    assert p.FaultFlags.OVER_TEMPERATURE in status.faults
    assert (model.heater.runaway, model.heater.enabled, model.heater.power) == (False, False, 0)
    assert status.pressures_mmhg == (0,) * 6  # vented
    assert model.heater.temperature_c < hottest - 10  # and it has been cooling since


def test_pad_cooling_from_a_lowered_limit_is_no_fault_but_a_rise_is() -> None:
    model, clock = massager(Limits(60, 450, 1800), hold(1800, 450))
    assert command(model, p.StartProgram(1)) == R.SUCCESS
    run(model, clock, 300)
    assert model.heater.temperature_c > 43.0
    # heat off now: its cut-out is 38 °C
    model.write_limits(ME, p.encode_limits(Limits(60, 0, 1800)))
    run(model, clock, 5, tick=PHYSICS_STEP_S)
    assert model.heater.temperature_c > 40.0
    assert model.status().state == p.State.RUNNING
    assert model.faults == p.FaultFlags.NONE
    injected_at = model.heater.temperature_c
    model.inject_overheat()
    hottest = run(model, clock, 5, tick=PHYSICS_STEP_S)
    assert model.status().stop_reason == p.StopReason.OVER_TEMPERATURE
    assert hottest - injected_at < 0.1  # cut within a step or two of starting to rise


def test_clear_fault_waits_two_degrees_below_the_heat_off_cut_out() -> None:
    model, clock = massager(Limits(60, 0, 1800), hold(1800, 0))
    assert command(model, p.StartProgram(1)) == R.SUCCESS
    model.inject_overheat()
    for _ in range(round(60 / PHYSICS_STEP_S)):  # until the cut-out trips, no longer
        if model.state == p.State.FAULT:
            break
        run(model, clock, PHYSICS_STEP_S, tick=PHYSICS_STEP_S)
    assert model.status().stop_reason == p.StopReason.OVER_TEMPERATURE
    run(model, clock, 4)
    assert 36.0 < model.heater.temperature_c < 38.0
    assert command(model, p.ClearFault()) == R.OPERATION_FAILED
    run(model, clock, 10)
    assert model.heater.temperature_c < 36.0
    assert command(model, p.ClearFault()) == R.SUCCESS
    assert model.status().state == p.State.IDLE


def test_start_after_auto_off_is_refused_for_15_minutes() -> None:
    model, clock = massager(Limits(60, 420, 1800), hold(3000, 400))
    assert command(model, p.StartProgram(1)) == R.SUCCESS
    run(model, clock, 1801)
    assert model.status().stop_reason == p.StopReason.AUTO_OFF
    assert command(model, p.StartProgram(1)) == R.INVALID_STATE
    run(model, clock, 15 * 60 - 3, heartbeat=False)  # 1 s before the cool-down ends
    assert command(model, p.StartProgram(1)) == R.INVALID_STATE
    assert model.status().state == p.State.STOPPED
    run(model, clock, 3, heartbeat=False)
    assert command(model, p.StartProgram(1)) == R.SUCCESS
    assert model.status().state == p.State.RUNNING


def test_heat_stops_after_20_minutes_of_heat_in_a_session_massage_goes_on() -> None:
    model, clock = massager(Limits(60, 420, 1800), hold(1800, 400))
    assert command(model, p.StartProgram(1)) == R.SUCCESS
    assert command(model, p.SetHeat(0)) == R.SUCCESS
    run(model, clock, 300)  # unheated time does not count
    assert command(model, p.SetHeat(400)) == R.SUCCESS
    run(model, clock, 20 * 60 - 10)
    assert model.status().heat_setpoint_dc == 400
    assert model.heater.power > 0
    run(model, clock, 20)
    status = model.status()
    assert status.heat_setpoint_dc == 0
    assert status.state == p.State.RUNNING
    assert status.pressures_mmhg == (20,) * 6
    assert command(model, p.SetHeat(400)) == R.LIMIT_EXCEEDED
    assert command(model, p.SetHeat(0)) == R.SUCCESS
    run(model, clock, 5)
    assert model.heater.power == 0
    assert model.status().heat_setpoint_dc == 0


@pytest.mark.slow
def test_heat_stops_after_60_minutes_a_day() -> None:
    model, clock = massager(Limits(60, 420, 1800), hold(1800, 400))
    for _ in range(3):
        assert command(model, p.StartProgram(1)) == R.SUCCESS
        run(model, clock, 20 * 60 - 10)
        assert model.status().heat_setpoint_dc == 400  # the day's budget is not spent early
        run(model, clock, 20)
        assert model.status().heat_setpoint_dc == 0
        assert command(model, p.Stop()) == R.SUCCESS
    assert command(model, p.StartProgram(1)) == R.SUCCESS  # a fresh session, a spent day
    run(model, clock, 5)
    status = model.status()
    assert status.state == p.State.RUNNING
    assert status.heat_setpoint_dc == 0
    assert model.heater.power == 0
    assert command(model, p.SetHeat(400)) == R.LIMIT_EXCEEDED


def test_daily_heat_rolls_off_after_24_hours() -> None:
    log = HeatLog(DAY_S)
    log.add(0.0, 600.0)
    log.add(600.0, 1200.0)  # touching spans merge
    log.add(5000.0, 5600.0)
    assert log.used(5600.0) == pytest.approx(1800.0)
    assert log.used(DAY_S + 300.0) == pytest.approx(900.0 + 600.0)  # the first 300 s rolled off
    assert log.used(DAY_S + 5600.0) == pytest.approx(0.0)
