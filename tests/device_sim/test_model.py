"""The simulated firmware on its own, on a manual clock: its safety rules hold."""

from __future__ import annotations

import pytest

from ble import protocol as p
from device_sim.clock import ManualClock
from device_sim.model import WATCHDOG_TIMEOUT_S, AttRefusal, MassagerModel
from massage import Limits, Pattern, Zone

ME, OTHER = "me", "other"


def run(model: MassagerModel, clock: ManualClock, seconds: float, heartbeat: bool = True) -> None:
    """Advance in 0.25 s ticks, sending heartbeats like the app would (if asked to)."""
    ticks = round(seconds / 0.25)
    for i in range(ticks):
        clock.advance(0.25)
        model.update()
        if heartbeat and i % 4 == 0:
            assert model.handle_control(ME, bytes(p.Heartbeat())).result == p.ResultCode.SUCCESS


def upload(model: MassagerModel, program: p.Program, conn: str = ME) -> None:
    for chunk in p.chunk_program(program, 23):
        model.write_program_chunk(conn, bytes(chunk))


def command(model: MassagerModel, cmd: p.Command, conn: str = ME) -> p.ResultCode:
    response = model.handle_control(conn, bytes(cmd))
    assert response.request_opcode == cmd.opcode
    return response.result


def hold(pressure: int, seconds: int = 60, heat_dc: int = 0) -> p.Program:
    return p.Program(1, (p.ProgramStep(seconds, Pattern.HOLD, heat_dc, (pressure,) * 6),))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def model(clock: ManualClock) -> MassagerModel:
    m = MassagerModel(clock)
    m.connected(ME)
    assert command(m, p.RequestControl()) == p.ResultCode.SUCCESS
    m.write_limits(ME, p.encode_limits(Limits(60, 420, 900)))
    return m


def test_pressure_rises_at_pump_rate_not_instantly(
    model: MassagerModel, clock: ManualClock
) -> None:
    upload(model, hold(40))
    assert command(model, p.StartProgram(1)) == p.ResultCode.SUCCESS
    run(model, clock, 0.5)
    assert 15 <= max(model.status().pressures_mmhg) <= 25
    run(model, clock, 1.0)
    assert model.status().pressures_mmhg == (40,) * 6


def test_commands_need_control() -> None:
    m = MassagerModel(ManualClock())
    assert command(m, p.Stop(), OTHER) == p.ResultCode.CONTROL_NOT_PERMITTED
    with pytest.raises(AttRefusal) as err:
        m.write_limits(OTHER, p.encode_limits(Limits(40, 0, 600)))
    assert err.value.code == p.AppError.NOT_IN_CONTROL
    assert command(m, p.RequestControl(), ME) == p.ResultCode.SUCCESS
    assert command(m, p.RequestControl(), OTHER) == p.ResultCode.CONTROL_NOT_PERMITTED


def test_step_beyond_limits_is_clamped_and_command_beyond_is_refused(
    model: MassagerModel, clock: ManualClock
) -> None:
    model.write_limits(ME, p.encode_limits(Limits(30, 400, 900)))
    upload(model, hold(75, heat_dc=450))
    assert command(model, p.StartProgram(1)) == p.ResultCode.SUCCESS
    run(model, clock, 5)
    status = model.status()
    assert max(status.pressures_mmhg) == 30
    assert status.heat_setpoint_dc == 400
    assert command(model, p.SetHeat(410)) == p.ResultCode.LIMIT_EXCEEDED
    assert model.status().heat_setpoint_dc == 400


def test_limits_beyond_hard_limits_are_refused(model: MassagerModel) -> None:
    for bad in (Limits(81, 0, 600), Limits(40, 451, 600), Limits(40, 0, 1801)):
        with pytest.raises(AttRefusal) as err:
            model.write_limits(ME, p.encode_limits(bad))
        assert err.value.code == p.ATT_VALUE_OUT_OF_RANGE
    assert model.limits == Limits(60, 420, 900)


def test_watchdog_stops_and_vents_within_3s(model: MassagerModel, clock: ManualClock) -> None:
    upload(model, hold(60))
    command(model, p.StartProgram(1))
    run(model, clock, 3)
    assert max(model.status().pressures_mmhg) == 60
    run(model, clock, 3, heartbeat=False)
    status = model.status()
    assert status.state == p.State.STOPPED
    assert status.stop_reason == p.StopReason.WATCHDOG
    assert status.pressures_mmhg == (0,) * 6
    assert WATCHDOG_TIMEOUT_S < 3


def test_link_loss_vents_within_1s_and_never_restarts(
    model: MassagerModel, clock: ManualClock
) -> None:
    upload(model, hold(60, heat_dc=400))
    command(model, p.StartProgram(1))
    run(model, clock, 3)
    model.disconnected(ME)
    run(model, clock, 1.0, heartbeat=False)
    status = model.status()
    assert status.pressures_mmhg == (0,) * 6
    assert status.heat_setpoint_dc == 0
    assert model.heater.power == 0
    assert status.stop_reason == p.StopReason.LINK_LOST
    assert model.controller is None
    # Reconnecting and taking control again does not resume anything.
    command(model, p.RequestControl())
    run(model, clock, 5)
    assert model.status().state == p.State.STOPPED


def test_overheat_cuts_heater_and_faults(model: MassagerModel, clock: ManualClock) -> None:
    upload(model, hold(20, seconds=600, heat_dc=400))
    command(model, p.StartProgram(1))
    model.inject_overheat()
    run(model, clock, 300)
    status = model.status()
    assert status.state == p.State.FAULT
    assert status.stop_reason == p.StopReason.OVER_TEMPERATURE
    assert p.FaultFlags.OVER_TEMPERATURE in status.faults
    assert model.heater.power == 0
    assert status.heater_dc <= 455  # cut at 45 °C, a 50 ms step may overshoot slightly
    assert command(model, p.StartProgram(1)) == p.ResultCode.INVALID_STATE
    run(model, clock, 120)  # cooled below the hysteresis point
    assert command(model, p.ClearFault()) == p.ResultCode.SUCCESS
    assert model.status().state == p.State.IDLE


def test_stuck_valve_raises_fault(model: MassagerModel, clock: ManualClock) -> None:
    upload(model, hold(40, seconds=5))
    model.inject_stuck_valve(int(Zone.PALM))
    command(model, p.StartProgram(1))
    run(model, clock, 10)
    status = model.status()
    assert status.state == p.State.FAULT
    assert p.FaultFlags.STUCK_VALVE in status.faults
    assert status.pressures_mmhg[Zone.PALM] == 40
    assert command(model, p.ClearFault()) == p.ResultCode.OPERATION_FAILED
    model.release_stuck_valve()
    assert command(model, p.ClearFault()) == p.ResultCode.SUCCESS


def test_low_battery_shuts_down(model: MassagerModel, clock: ManualClock) -> None:
    upload(model, hold(40))
    command(model, p.StartProgram(1))
    model.set_battery(5.001)
    run(model, clock, 2)
    status = model.status()
    assert status.stop_reason == p.StopReason.BATTERY
    assert status.state == p.State.FAULT
    assert command(model, p.StartProgram(1)) == p.ResultCode.INVALID_STATE


def test_session_limit_and_absolute_auto_off(model: MassagerModel, clock: ManualClock) -> None:
    upload(model, hold(20, seconds=3000))
    model.write_limits(ME, p.encode_limits(Limits(60, 0, 120)))
    command(model, p.StartProgram(1))
    run(model, clock, 121)
    assert model.status().stop_reason == p.StopReason.LIMIT
    model.write_limits(ME, p.encode_limits(Limits(60, 0, 1800)))
    command(model, p.StartProgram(1))
    command(model, p.Pause())  # paused time counts toward the absolute auto-off
    run(model, clock, 1801)
    assert model.status().stop_reason == p.StopReason.AUTO_OFF


def test_program_completes_and_reports_steps(model: MassagerModel, clock: ManualClock) -> None:
    steps = (
        p.ProgramStep(5, Pattern.WAVE, 0, (30,) * 6),
        p.ProgramStep(5, Pattern.REST, 0, (0,) * 6),
    )
    upload(model, p.Program(9, steps))
    assert command(model, p.StartProgram(8)) == p.ResultCode.INVALID_PARAMETER
    command(model, p.StartProgram(9))
    run(model, clock, 6)
    status = model.status()
    assert (status.step_index, status.elapsed_s, status.remaining_s) == (1, 6, 4)
    run(model, clock, 5)
    assert model.status().stop_reason == p.StopReason.COMPLETED


def test_malformed_writes_change_nothing(model: MassagerModel) -> None:
    before = model.status()
    with pytest.raises(AttRefusal):
        model.handle_control(ME, b"")
    assert model.handle_control(ME, b"\x02\x01").result == p.ResultCode.INVALID_PARAMETER
    assert model.handle_control(ME, b"\x05").result == p.ResultCode.INVALID_PARAMETER  # no id
    assert model.handle_control(ME, b"\x55\x07").result == p.ResultCode.OPCODE_NOT_SUPPORTED
    with pytest.raises(AttRefusal):
        model.write_limits(ME, b"\x01")
    with pytest.raises(AttRefusal):
        model.write_program_chunk(ME, b"\x03\x00garbage")
    assert model.status() == before
    assert model.program is None


def test_status_sequence_counts_published_frames(model: MassagerModel) -> None:
    first = model.publish_if_changed()
    assert first is not None
    assert model.publish_if_changed() is None
    command(model, p.SetIntensity(4))
    second = model.publish_if_changed()
    assert second is not None
    assert second.seq == (first.seq + 1) & 0xFFFF
    assert second.intensity == 4


def test_program_upload_errors_say_which_problem(model: MassagerModel) -> None:
    chunks = p.chunk_program(
        p.Program(4, (p.ProgramStep(5, Pattern.HOLD, 0, (20,) * 6),) * 6), 23
    )
    model.write_program_chunk(ME, bytes(chunks[0]))
    with pytest.raises(AttRefusal) as skipped:
        model.write_program_chunk(ME, bytes(chunks[2]))
    assert skipped.value.code == p.AppError.CHUNK_OUT_OF_SEQUENCE
    broken = bytearray(bytes(p.Program(5, (p.ProgramStep(5, Pattern.HOLD, 0, (20,) * 6),))))
    broken[3] ^= 0xFF  # CRC no longer matches
    with pytest.raises(AttRefusal) as invalid:
        model.write_program_chunk(ME, bytes(p.ProgramChunk(True, True, 0, bytes(broken))))
    assert invalid.value.code == p.AppError.INVALID_PROGRAM
    assert model.program is None


def test_every_answer_echoes_the_request_id(model: MassagerModel) -> None:
    """Protocol v2: success, refusal, not in control and malformed commands all carry the id."""
    answers = {
        "success": model.handle_control(ME, bytes(p.Heartbeat(seq=17))),
        "refused": model.handle_control(ME, bytes(p.SetIntensity(11, seq=18))),
        "not in control": model.handle_control(OTHER, bytes(p.Pause(seq=19))),
        "control refused": model.handle_control(OTHER, bytes(p.RequestControl(seq=20))),
        "refuse injected": model.handle_control(ME, bytes(p.Stop(seq=21)), refuse=True),
        "malformed": model.handle_control(ME, b"\x06\x16"),  # SET_INTENSITY without level
        "unknown opcode": model.handle_control(ME, b"\x55\x17\x01"),
        "too short for an id": model.handle_control(ME, b"\x08"),
    }
    assert {what: (a.seq, a.result) for what, a in answers.items()} == {
        "success": (17, p.ResultCode.SUCCESS),
        "refused": (18, p.ResultCode.INVALID_PARAMETER),
        "not in control": (19, p.ResultCode.CONTROL_NOT_PERMITTED),
        "control refused": (20, p.ResultCode.CONTROL_NOT_PERMITTED),
        "refuse injected": (21, p.ResultCode.OPERATION_FAILED),
        "malformed": (0x16, p.ResultCode.INVALID_PARAMETER),
        "unknown opcode": (0x17, p.ResultCode.OPCODE_NOT_SUPPORTED),
        "too short for an id": (0, p.ResultCode.INVALID_PARAMETER),
    }
    assert answers["unknown opcode"].request_opcode == 0x55


def test_features_say_protocol_version_two(model: MassagerModel) -> None:
    features = p.Features.from_bytes(bytes(model.features()))
    assert features.protocol_version == p.PROTOCOL_VERSION == 2
    assert features.protocol_versions == (2,)
    assert features.speaks(2)
    assert not features.speaks(1)
