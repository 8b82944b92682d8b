"""Issue 2's acceptance tests: bleak's public API, our Bumble backend, the simulator."""

from __future__ import annotations

import asyncio
import time

import pytest
from bleak import BleakClient, BleakScanner
from bleak.exc import BleakError, BleakGATTProtocolError

from ble import protocol as p
from ble.bumble_bleak.adapter import BumbleAdapter
from ble.bumble_bleak.radio import VirtualLink
from device_sim.peripheral import SimulatedMassager
from device_sim.process import simulator_process
from massage import HARD_MAX_PRESSURE_MMHG, ZONE_COUNT, Limits, Pattern, Zone
from tests.ble.conftest import Central, connect, find_massager, run_with_heartbeats

HOLD_60 = p.Program(1, (p.ProgramStep(600, Pattern.HOLD, 400, (60,) * 6),))


def att_code(error: BleakGATTProtocolError) -> int:
    return int(error.args[0])  # `.code` is an IntEnum without the application range


async def test_discovery_finds_massager_with_name_and_rssi(
    adapter: BumbleAdapter, sim: SimulatedMassager
) -> None:
    found = await BleakScanner.discover(
        timeout=0.5,
        return_adv=True,
        backend=adapter.scanner_backend(),
        service_uuids=[p.SERVICE_UUID],
    )
    assert sim.identity.address in found
    _device, adv = found[sim.identity.address]
    assert adv.local_name == "Thenar"
    assert p.SERVICE_UUID in adv.service_uuids
    assert isinstance(adv.rssi, int)


async def test_connect_pair_and_discover(adapter: BumbleAdapter, sim: SimulatedMassager) -> None:
    _central, client = await connect(adapter, sim)
    try:
        services = {s.uuid for s in client.services}
        assert {
            p.SERVICE_UUID,
            p.DEVICE_INFORMATION_SERVICE_UUID,
            p.BATTERY_SERVICE_UUID,
        } <= services
        assert client.mtu_size >= p.MIN_MTU
        features = p.Features.from_bytes(bytes(await client.read_gatt_char(p.FEATURES_UUID)))
        assert features.pressure_max_mmhg == HARD_MAX_PRESSURE_MMHG
        assert len(features.zone_names) == ZONE_COUNT
        firmware = await client.read_gatt_char(p.FIRMWARE_REVISION_UUID)
        assert bytes(firmware).decode() == sim.identity.firmware_revision
        battery = await client.read_gatt_char(p.BATTERY_LEVEL_UUID)
        assert 0 < battery[0] <= 100
        # Now paired: an encrypted characteristic can be read.
        limits = p.decode_limits(bytes(await client.read_gatt_char(p.LIMITS_UUID)))
        assert limits.max_pressure_mmhg <= HARD_MAX_PRESSURE_MMHG
    finally:
        await client.disconnect()


async def test_unpaired_central_is_refused_and_nothing_moves(
    adapter: BumbleAdapter, sim: SimulatedMassager
) -> None:
    _central, client = await connect(adapter, sim, pair=False)
    try:
        for uuid, payload in (
            (p.CONTROL_POINT_UUID, bytes(p.RequestControl())),
            (p.LIMITS_UUID, p.encode_limits(Limits(80, 450, 1800))),
            (p.PROGRAM_UUID, bytes(p.chunk_program(HOLD_60, 100)[0])),
        ):
            with pytest.raises(BleakGATTProtocolError) as err:
                await client.write_gatt_char(uuid, payload, response=True)
            assert att_code(err.value) == p.ATT_INSUFFICIENT_ENCRYPTION
        assert sim.model.controller is None
        assert sim.model.state == p.State.IDLE
        assert sim.model.program is None
        assert client.is_connected
    finally:
        await client.disconnect()


async def test_command_beyond_limits_refused_and_step_beyond_clamped(
    central: Central, sim: SimulatedMassager
) -> None:
    client = central.client
    caps = p.encode_limits(Limits(40, 400, 600))
    await client.write_gatt_char(p.LIMITS_UUID, caps, response=True)
    hot_and_hard = p.Program(2, (p.ProgramStep(60, Pattern.HOLD, 450, (75,) * 6),))
    await central.upload(hot_and_hard)
    assert (await central.command(p.StartProgram(2))).result == p.ResultCode.SUCCESS
    await run_with_heartbeats(central, sim, 4)
    status = await central.read_status()
    assert status.state == p.State.RUNNING
    assert max(status.pressures_mmhg) == 40
    assert status.heat_setpoint_dc == 400
    refused = await central.command(p.SetHeat(440))
    assert refused.result == p.ResultCode.LIMIT_EXCEEDED
    assert (await central.read_status()).heat_setpoint_dc == 400
    too_high = p.encode_limits(Limits(90, 400, 600))
    with pytest.raises(BleakGATTProtocolError) as err:
        await client.write_gatt_char(p.LIMITS_UUID, too_high, response=True)
    assert att_code(err.value) == p.ATT_VALUE_OUT_OF_RANGE


async def test_link_drop_vents_within_one_second(central: Central, sim: SimulatedMassager) -> None:
    await central.upload(HOLD_60)
    await central.command(p.StartProgram(1))
    await run_with_heartbeats(central, sim, 3)
    assert max(sim.model.status().pressures_mmhg) == 60
    await sim.drop_link()
    await asyncio.wait_for(central.disconnected.wait(), 2)
    await sim.advance(1.0)
    status = sim.model.status()
    assert status.pressures_mmhg == (0,) * 6
    assert sim.model.heater.power == 0
    assert status.stop_reason == p.StopReason.LINK_LOST


async def test_heartbeats_stop_with_link_up_vents_within_three_seconds(
    central: Central, sim: SimulatedMassager
) -> None:
    await central.upload(HOLD_60)
    await central.command(p.StartProgram(1))
    await run_with_heartbeats(central, sim, 3)
    await sim.advance(3.0)  # the app hangs: no heartbeats, link still up
    status = await central.status_where(lambda s: s.stop_reason == p.StopReason.WATCHDOG)
    assert status.state == p.State.STOPPED
    latest = await central.read_status()
    assert latest.pressures_mmhg == (0,) * 6
    assert central.client.is_connected


async def test_over_temperature_faults_and_cuts_heater(
    central: Central, sim: SimulatedMassager
) -> None:
    await central.upload(HOLD_60)
    await central.command(p.StartProgram(1))
    sim.model.inject_overheat()
    for _ in range(200):  # about 100 s of simulated time, with heartbeats
        await run_with_heartbeats(central, sim, 0.5)
        if sim.model.state == p.State.FAULT:
            break
    status = await central.status_where(lambda s: s.state == p.State.FAULT)
    assert status.stop_reason == p.StopReason.OVER_TEMPERATURE
    assert p.FaultFlags.OVER_TEMPERATURE in status.faults
    assert sim.model.heater.power == 0
    assert (await central.command(p.StartProgram(1))).result == p.ResultCode.INVALID_STATE


async def test_malformed_writes_get_errors_and_change_nothing(
    central: Central, sim: SimulatedMassager
) -> None:
    client = central.client
    before = (sim.model.limits, sim.model.program, sim.model.state)
    for uuid, payload in (
        (p.LIMITS_UUID, b"\x01"),
        (p.LIMITS_UUID, b"\x01\x02\x03\x04\x05\x06"),
        (p.CONTROL_POINT_UUID, b""),
        (p.PROGRAM_UUID, b""),
        (p.PROGRAM_UUID, b"\x03\x00" + b"\xff" * 20),  # first+last, not a valid program
        (p.PROGRAM_UUID, b"\x00\x05abc"),  # middle chunk with no upload in progress
        (p.FEATURES_UUID, b"\x00"),
        (p.STATUS_UUID, b"\x00"),
        (p.FIRMWARE_REVISION_UUID, b"9.9"),
    ):
        with pytest.raises(BleakGATTProtocolError):
            await client.write_gatt_char(uuid, payload, response=True)
    # [opcode, request id, params...]: each answer echoes the id (0 when there is none).
    for payload, seq in (
        (b"\x02\x01", 1),  # Start Program without its program id
        (b"\x06", 0),  # too short to carry a request id
        (b"\x06\x02", 2),  # Set Intensity without its level
        (b"\x07\x03\x02\x03\x04", 3),  # Set Heat with one byte too many
        (b"\x08\x04\x00", 4),  # Heartbeat takes no parameters
        (b"\x42\x05", 5),  # an opcode the device does not know
    ):
        await client.write_gatt_char(p.CONTROL_POINT_UUID, payload, response=True)
        response = p.ControlResponse.from_bytes(await central.responses.get())
        assert (response.request_opcode, response.seq) == (payload[0], seq)
        assert response.result in (
            p.ResultCode.INVALID_PARAMETER,
            p.ResultCode.OPCODE_NOT_SUPPORTED,
        )
    assert (sim.model.limits, sim.model.program, sim.model.state) == before
    assert client.is_connected
    assert bytes(await client.read_gatt_char(p.FIRMWARE_REVISION_UUID)) == b"1.0.0-sim"


async def test_refused_commands_are_visible(central: Central, sim: SimulatedMassager) -> None:
    sim.faults.refuse_commands = True
    assert (await central.command(p.Stop())).result == p.ResultCode.OPERATION_FAILED


async def test_delayed_response_arrives_late(central: Central, sim: SimulatedMassager) -> None:
    sim.faults.response_delay_s = 0.3
    started = time.perf_counter()
    assert (await central.command(p.Heartbeat())).result == p.ResultCode.SUCCESS
    assert time.perf_counter() - started >= 0.3


async def test_malformed_notifications_reach_the_central(
    central: Central, sim: SimulatedMassager
) -> None:
    await sim.send_malformed_status(3)
    bad = 0
    while bad < 3:
        data = await asyncio.wait_for(central.statuses.get(), 2)
        try:
            p.Status.from_bytes(data)
        except p.ProtocolError:
            bad += 1
    assert central.client.is_connected


async def test_stuck_valve_is_reported(central: Central, sim: SimulatedMassager) -> None:
    short = p.Program(3, (p.ProgramStep(2, Pattern.HOLD, 0, (40,) * 6),))
    await central.upload(short)
    sim.model.inject_stuck_valve(int(Zone.PALM))
    await central.command(p.StartProgram(3))
    await run_with_heartbeats(central, sim, 5)
    status = await central.status_where(lambda s: p.FaultFlags.STUCK_VALVE in s.faults)
    assert status.state == p.State.FAULT
    assert status.pressures_mmhg[Zone.PALM] >= 35


async def test_low_battery_shutdown_is_reported(central: Central, sim: SimulatedMassager) -> None:
    levels: asyncio.Queue[int] = asyncio.Queue()
    await central.client.start_notify(
        p.BATTERY_LEVEL_UUID, lambda _c, data: levels.put_nowait(data[0])
    )
    await central.upload(HOLD_60)
    await central.command(p.StartProgram(1))
    sim.model.set_battery(5.02)
    await run_with_heartbeats(central, sim, 2)
    status = await central.status_where(lambda s: s.stop_reason == p.StopReason.BATTERY)
    assert p.FaultFlags.LOW_BATTERY in status.faults
    level = await asyncio.wait_for(levels.get(), 2)
    assert level <= 6


async def test_stopped_advertising_hides_the_device(
    adapter: BumbleAdapter, sim: SimulatedMassager
) -> None:
    await find_massager(adapter, sim.identity.address)
    await sim.stop_advertising()
    seen = await BleakScanner.discover(
        timeout=0.5, backend=adapter.scanner_backend(), service_uuids=[p.SERVICE_UUID]
    )
    assert sim.identity.address not in {d.address for d in seen}


async def test_dropped_link_is_observable_and_reconnect_works(
    adapter: BumbleAdapter, sim: SimulatedMassager
) -> None:
    central, client = await connect(adapter, sim)
    await sim.drop_link()
    await asyncio.wait_for(central.disconnected.wait(), 2)
    assert not client.is_connected
    with pytest.raises(BleakError):
        await client.read_gatt_char(p.FEATURES_UUID)
    again, client2 = await connect(adapter, sim)
    try:
        assert client2.is_connected
        assert (await again.read_status()).state == p.State.IDLE
    finally:
        await client2.disconnect()


async def test_tcp_simulator_process_is_reachable() -> None:
    """`python -m device_sim` over loopback: the same stack through a real socket."""
    async with (
        simulator_process(interval_ms=0) as spec,
        BumbleAdapter(spec) as adapter,
    ):
        assert spec.startswith("tcp-client:127.0.0.1:")
        device = await find_massager(adapter, "F0:7E:4A:00:00:01")
        async with BleakClient(device, backend=adapter.client_backend()) as client:
            await client.pair()
            features = p.Features.from_bytes(bytes(await client.read_gatt_char(p.FEATURES_UUID)))
            assert features.protocol_version == p.PROTOCOL_VERSION
            limits = await client.read_gatt_char(p.LIMITS_UUID)
            assert len(limits) == 5


async def test_stop_right_after_a_disconnection_leaves_bumble_no_stray_answer(
    link: VirtualLink,
) -> None:
    """A central leaves, the simulator restarts advertising (a few HCI commands) and is
    stopped at once: the restart must end first. Cancelled mid-command, its host would get
    an answer to a cancelled command (InvalidStateError in Bumble's packet handler)."""
    loop = asyncio.get_running_loop()
    errors: list[object] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: errors.append(context.get("exception")))
    try:
        massager = SimulatedMassager(link)  # its real-clock ticker too, as in the app
        await massager.start()
        async with BumbleAdapter(link) as adapter:
            _central, client = await connect(adapter, massager, pair=False)
            await client.disconnect()
        await massager.stop()
        async with BumbleAdapter(link):  # runs the loop through many HCI exchanges
            pass
        assert errors == []
    finally:
        loop.set_exception_handler(previous)
