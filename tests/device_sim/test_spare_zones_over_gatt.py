"""Spare Zones on the simulated firmware, over the real Bumble GATT link (docs/gatt-profile.md)."""

from __future__ import annotations

from ble import protocol as p
from device_sim.peripheral import SimulatedMassager
from massage import Pattern, Zone
from tests.ble.conftest import Central, run_with_heartbeats

R = p.ResultCode
HOLD = p.Program(3, (p.ProgramStep(600, Pattern.HOLD, 400, (50,) * 6),))
WAVE = p.Program(4, (p.ProgramStep(600, Pattern.WAVE, 0, (50,) * 6),))


async def test_a_spared_zone_releases_at_once_and_stays_empty_until_given_back(
    central: Central, sim: SimulatedMassager
) -> None:
    await central.upload(HOLD)
    assert (await central.command(p.StartProgram(3))).result == R.SUCCESS
    await run_with_heartbeats(central, sim, 2)
    before = await central.read_status()
    assert before.pressures_mmhg[Zone.THUMB_BASE] == 50
    mask = p.zone_mask([Zone.THUMB_BASE, Zone.FINGERS])
    assert (await central.command(p.SpareZones(mask))).result == R.SUCCESS
    await sim.advance(0.5)  # 50 mmHg vents in 0.31 s at the valve's rate
    spared = await central.status_where(
        lambda s: s.pressures_mmhg[Zone.THUMB_BASE] == 0 and s.pressures_mmhg[Zone.PALM] == 50
    )  # a notified frame, as the app sees it
    assert spared.pressures_mmhg == (0, 50, 50, 0, 50, 50)
    assert spared.heat_setpoint_dc == before.heat_setpoint_dc == 400  # heat unchanged
    for _ in range(6):  # the rest of the session: never inflated, whatever the intensity
        await run_with_heartbeats(central, sim, 1)
        assert (await central.command(p.SetIntensity(10))).result == R.SUCCESS
        status = await central.read_status()
        assert status.state == p.State.RUNNING
        assert status.pressures_mmhg[Zone.THUMB_BASE] == status.pressures_mmhg[Zone.FINGERS] == 0
    assert (await central.command(p.SpareZones(p.zone_mask([Zone.FINGERS])))).result == R.SUCCESS
    await run_with_heartbeats(central, sim, 2)  # the thumb base is given back
    assert (await central.read_status()).pressures_mmhg == (50, 50, 50, 0, 50, 50)


async def test_sparing_holds_through_a_pause_and_a_moving_pattern(
    central: Central, sim: SimulatedMassager
) -> None:
    await central.upload(WAVE)
    assert (await central.command(p.StartProgram(4))).result == R.SUCCESS
    assert (await central.command(p.SpareZones(p.zone_mask([Zone.PALM])))).result == R.SUCCESS
    assert (await central.command(p.Pause())).result == R.SUCCESS
    assert (await central.command(p.Resume())).result == R.SUCCESS
    highest = 0
    for _ in range(20):  # 10 s: more than one 8 s wave over every zone
        await run_with_heartbeats(central, sim, 0.5)
        status = await central.read_status()
        highest = max(highest, max(status.pressures_mmhg))
        assert status.pressures_mmhg[Zone.PALM] == 0
    assert highest > 0  # the other zones did squeeze


async def test_a_new_session_spares_nothing_and_sparing_outside_a_session_is_refused(
    central: Central, sim: SimulatedMassager
) -> None:
    assert (await central.command(p.SpareZones(1))).result == R.INVALID_STATE  # idle
    await central.upload(HOLD)
    assert (await central.command(p.StartProgram(3))).result == R.SUCCESS
    assert (await central.command(p.SpareZones(p.ALL_ZONES_MASK))).result == R.SUCCESS
    await run_with_heartbeats(central, sim, 1)
    assert (await central.read_status()).pressures_mmhg == (0,) * 6
    assert (await central.command(p.Stop())).result == R.SUCCESS
    assert (await central.command(p.SpareZones(1))).result == R.INVALID_STATE  # stopped
    assert (await central.command(p.StartProgram(3))).result == R.SUCCESS
    await run_with_heartbeats(central, sim, 2)
    assert (await central.read_status()).pressures_mmhg == (50,) * 6


async def test_a_malformed_spare_zones_is_refused_and_changes_nothing(
    central: Central, sim: SimulatedMassager
) -> None:
    await central.upload(HOLD)
    assert (await central.command(p.StartProgram(3))).result == R.SUCCESS
    await run_with_heartbeats(central, sim, 2)
    for raw in (bytes([0x0B, 200, 0x40]), bytes([0x0B, 201])):
        await central.client.write_gatt_char(p.CONTROL_POINT_UUID, raw, response=True)
        answer = p.ControlResponse.from_bytes(await central.responses.get())
        assert (answer.request_opcode, answer.seq, answer.result) == (
            p.Opcode.SPARE_ZONES,
            raw[1],
            R.INVALID_PARAMETER,
        )
    await run_with_heartbeats(central, sim, 1)
    assert (await central.read_status()).pressures_mmhg == (50,) * 6
    assert sim.model.spared_mask == 0
