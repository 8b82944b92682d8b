"""Issue 3: MassagerClient against the real simulator, in process, through its fault injection."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from ble import protocol as p
from ble.backends import Backend, choose_backend
from ble.bumble_bleak.radio import VirtualLink
from ble.client import ClientEvent, EventKind, MassagerClient, discover
from ble.connection_policy import RetryPolicy
from ble.errors import (
    CapExceeded,
    ConnectFailed,
    OperationFailed,
    OutcomeUnknown,
)
from ble.observers import Subscription
from ble.pinning import PinnedDevice
from device_sim.clock import ManualClock
from device_sim.peripheral import DeviceIdentity, SimulatedMassager
from massage import ZONE_COUNT, Limits, Pattern
from tests.waiting import until

CAPS = Limits(max_pressure_mmhg=60, max_heat_dc=420, max_session_s=900)
HOLD = p.Program(1, (p.ProgramStep(600, Pattern.HOLD, 400, (50,) * 6),))
FAST = RetryPolicy(budget_s=10.0, base_s=0.02, max_backoff_s=0.2)


@pytest.fixture
async def backend(link: VirtualLink) -> AsyncIterator[Backend]:
    async with choose_backend("sim", link=link) as b:
        yield b


def make_client(backend: Backend, sim: SimulatedMassager, **kwargs: Any) -> MassagerClient:
    options: dict[str, Any] = {
        "policy": FAST,
        "heartbeat_interval_s": None,  # tests send heartbeats as simulated time passes
        "scan_timeout_s": 0.5,
        "allow_pairing": True,  # the first connect pairs, as the Device page asks it to
        **kwargs,
    }
    return MassagerClient(backend, PinnedDevice(sim.identity.address, "Thenar"), CAPS, **options)


@pytest.fixture
async def client(backend: Backend, sim: SimulatedMassager) -> AsyncIterator[MassagerClient]:
    c = make_client(backend, sim)
    await c.connect()
    yield c
    await c.close()


async def next_event(
    sub: Subscription[ClientEvent], kind: EventKind, timeout: float = 5.0
) -> ClientEvent:
    async with asyncio.timeout(timeout):
        async for event in sub:
            if event.kind is kind:
                return event
    raise AssertionError("unreachable")


async def live(client: MassagerClient, sim: SimulatedMassager, seconds: float) -> None:
    """Simulated time passing for a well-behaved app: a heartbeat every half second."""
    for _ in range(round(seconds / 0.5)):
        await sim.advance(0.5)
        await client.heartbeat()


async def running(client: MassagerClient, sim: SimulatedMassager) -> None:
    await client.upload_program(HOLD)
    await client.start(HOLD.program_id)
    await live(client, sim, 1.0)
    assert sim.model.state == p.State.RUNNING


async def test_connect_takes_control_writes_caps_and_reads_status(
    client: MassagerClient, sim: SimulatedMassager
) -> None:
    assert client.is_connected
    assert sim.model.controller is not None
    assert sim.model.limits == CAPS
    assert client.status is not None
    assert client.status.state == p.State.IDLE
    features = await client.features()
    assert len(features.zone_names) == ZONE_COUNT
    info = await client.device_info()
    assert info.firmware_revision == sim.identity.firmware_revision
    assert 0 < await client.battery() <= 100


async def test_discovery_shows_name_rssi_and_bond(backend: Backend, sim: SimulatedMassager) -> None:
    found = {d.address: d for d in await discover(backend, timeout=0.5)}
    assert found[sim.identity.address].name == "Thenar"
    assert isinstance(found[sim.identity.address].rssi, int)
    assert found[sim.identity.address].bonded is False
    client = make_client(backend, sim)
    await client.connect()
    await client.close()
    found = {d.address: d for d in await discover(backend, timeout=0.5)}
    assert found[sim.identity.address].bonded is True


async def test_three_aborted_attempts_then_success(
    backend: Backend, sim: SimulatedMassager
) -> None:
    await sim.stop_advertising()
    client = make_client(backend, sim, scan_timeout_s=0.1)
    events = client.events()
    connecting = asyncio.create_task(client.connect())
    for _ in range(3):
        await next_event(events, EventKind.CONNECT_ATTEMPT_FAILED)
    assert sim.model.controller is None
    await sim.start_advertising()
    await asyncio.wait_for(connecting, 10)
    assert client.is_connected
    assert sim.model.limits == CAPS
    await client.close()


async def test_budget_exhausted_gives_typed_error_with_advice(
    backend: Backend, sim: SimulatedMassager
) -> None:
    await sim.stop_advertising()
    client = make_client(backend, sim, policy=RetryPolicy(budget_s=0.5, base_s=0.05))
    with pytest.raises(ConnectFailed) as err:
        await client.connect()
    assert err.value.attempts >= 1
    assert "Switch" in err.value.advice or "closer" in err.value.advice


async def test_device_silent_then_back(backend: Backend, sim: SimulatedMassager) -> None:
    client = make_client(backend, sim, status_silence_s=0.3)
    await client.connect()
    events = client.events()
    sim.faults.mute_status = True
    await sim.advance(1.5)
    await next_event(events, EventKind.DEVICE_SILENT)
    await client.heartbeat()  # commands still work while status is silent
    sim.faults.mute_status = False
    await sim.advance(1.1)  # the keepalive frame comes back
    await next_event(events, EventKind.DEVICE_BACK)
    await client.close()


async def test_link_lost_mid_session_reconnects_and_never_resumes(
    client: MassagerClient, sim: SimulatedMassager
) -> None:
    await running(client, sim)
    events = client.events()
    await sim.drop_link()
    await next_event(events, EventKind.LINK_LOST)
    await next_event(events, EventKind.RECONNECTED)
    assert client.subscriptions == 2  # once per connection, never twice on one
    assert client.status is not None
    assert client.status.state == p.State.STOPPED
    assert client.status.stop_reason == p.StopReason.LINK_LOST
    await live(client, sim, 1.0)
    assert sim.model.state == p.State.STOPPED  # a person decides whether to start again
    assert sim.model.limits == CAPS
    assert sim.model.controller is not None


async def test_link_lost_mid_command_is_outcome_unknown(
    client: MassagerClient, sim: SimulatedMassager
) -> None:
    sim.faults.response_delay_s = 1.0
    before = sim.model.commands_handled
    command = asyncio.create_task(client.set_intensity(5))
    await until(lambda: sim.model.commands_handled > before)  # the write reached the device
    await sim.drop_link()
    with pytest.raises(OutcomeUnknown):
        await command
    assert client.needs_resync


async def test_refused_command_is_typed(client: MassagerClient, sim: SimulatedMassager) -> None:
    sim.faults.refuse_commands = True
    with pytest.raises(OperationFailed) as err:
        await client.stop()
    assert err.value.result == p.ResultCode.OPERATION_FAILED
    assert err.value.advice


async def test_reply_past_timeout_is_unknown_then_status_is_read(
    backend: Backend, sim: SimulatedMassager
) -> None:
    client = make_client(backend, sim, command_timeout_s=0.3)
    await client.connect()
    events = client.events()
    sim.faults.response_delay_s = 0.6
    with pytest.raises(OutcomeUnknown):
        await client.set_intensity(5)
    await next_event(events, EventKind.OUTCOME_UNKNOWN)
    assert client.needs_resync
    resyncs = client.resyncs
    sim.faults.response_delay_s = 0.0
    await client.heartbeat()
    assert client.resyncs == resyncs + 1  # status read before anything else was sent
    assert not client.needs_resync
    await until(lambda: client.unexpected_indications == 1)  # late answer: counted, ignored
    await client.close()


async def test_malformed_notification_bursts_are_counted_and_change_nothing(
    client: MassagerClient, sim: SimulatedMassager
) -> None:
    believed = client.status
    await sim.send_malformed_status(50)
    await client.heartbeat()  # a round trip: the burst has been delivered
    assert client.malformed_notifications == 50
    assert client.status == believed
    assert client.is_connected


async def test_look_alike_device_gets_zero_commands(
    link: VirtualLink, clock: ManualClock, backend: Backend, sim: SimulatedMassager
) -> None:
    twin = SimulatedMassager(
        link,
        DeviceIdentity(address="F0:7E:4A:00:00:99", name="Thenar"),
        clock=clock,
        autotick=False,
    )
    await twin.start()
    try:
        await sim.stop_advertising()  # only the look-alike is on the air
        client = make_client(backend, sim, policy=RetryPolicy(budget_s=0.6, base_s=0.05))
        with pytest.raises(ConnectFailed):
            await client.connect()
        await sim.start_advertising()
        await client.connect()
        await client.upload_program(HOLD)
        await client.start(HOLD.program_id)
        await client.close()
        assert twin.model.commands_handled == 0
        assert twin.model.controller is None
        assert twin.connections == []
        assert sim.model.commands_handled > 0
    finally:
        await twin.stop()


async def test_caps_exceeded_by_command_and_program_write_nothing(
    client: MassagerClient, sim: SimulatedMassager
) -> None:
    handled = sim.model.commands_handled
    with pytest.raises(CapExceeded):
        await client.set_heat(430)
    too_hard = p.Program(2, (p.ProgramStep(60, Pattern.HOLD, 400, (70,) * 6),))
    too_hot = p.Program(3, (p.ProgramStep(60, Pattern.HOLD, 440, (40,) * 6),))
    too_long = p.Program(4, (p.ProgramStep(901, Pattern.HOLD, 0, (40,) * 6),))
    for program in (too_hard, too_hot, too_long):
        with pytest.raises(CapExceeded):
            await client.upload_program(program)
    assert sim.model.commands_handled == handled
    assert sim.model.program is None
    assert sim.model.limits == CAPS
    await client.set_heat(400)  # within the caps: goes through
    assert sim.model.commands_handled == handled + 1


async def test_blocked_app_loop_lets_the_device_stop(
    client: MassagerClient, sim: SimulatedMassager
) -> None:
    await running(client, sim)
    statuses = client.statuses()
    await sim.advance(5.0)  # 5 s of device time during which the app sent nothing
    async with asyncio.timeout(5):
        async for status in statuses:
            if status.stop_reason == p.StopReason.WATCHDOG:
                break
    assert sim.model.state == p.State.STOPPED
    statuses.close()


async def test_heartbeat_runs_on_the_loop(backend: Backend, sim: SimulatedMassager) -> None:
    client = make_client(backend, sim, heartbeat_interval_s=0.05)
    await client.connect()
    before = sim.model.commands_handled
    await until(lambda: sim.model.commands_handled >= before + 3)
    await client.close()


async def test_clean_shutdown_stop_acknowledged_before_disconnect(
    backend: Backend, sim: SimulatedMassager
) -> None:
    client = make_client(backend, sim)
    await client.connect()
    await running(client, sim)
    events = client.events()
    assert await client.close() is True
    assert sim.model.state == p.State.STOPPED
    assert sim.model.stop_reason == p.StopReason.USER  # not LINK_LOST: stopped before the drop
    await next_event(events, EventKind.DISCONNECTED)
    assert not client.is_connected


async def test_unacknowledged_stop_is_reported(backend: Backend, sim: SimulatedMassager) -> None:
    client = make_client(backend, sim, command_timeout_s=0.3)
    await client.connect()
    events = client.events()
    sim.faults.response_delay_s = 1.0
    assert await client.close() is False
    await next_event(events, EventKind.STOP_UNACKNOWLEDGED)


TIGHT = Limits(max_pressure_mmhg=30, max_heat_dc=0, max_session_s=900)


async def test_caps_are_read_only_and_change_only_through_a_verified_write(
    client: MassagerClient, sim: SimulatedMassager
) -> None:
    with pytest.raises(AttributeError):
        client.caps = Limits(80, 450, 1800)  # type: ignore[misc]
    await client.set_caps(TIGHT)
    assert client.caps == TIGHT
    assert sim.model.limits == TIGHT  # written, and read back by the client
    with pytest.raises(CapExceeded):
        await client.set_heat(300)
    await client.set_caps(CAPS)  # raising (a clearance) works without reconnecting
    assert sim.model.limits == CAPS
    await client.set_heat(400)


async def test_reconnect_writes_the_latest_caps_not_the_first(
    client: MassagerClient, sim: SimulatedMassager
) -> None:
    """Issue 10, item 2: tighten, lose the link: the device must come back tight."""
    await client.set_caps(TIGHT)
    events = client.events()
    await sim.drop_link()
    await next_event(events, EventKind.LINK_LOST)
    await next_event(events, EventKind.RECONNECTED)
    assert sim.model.limits == TIGHT
    assert client.caps == TIGHT
    with pytest.raises(CapExceeded):
        await client.set_heat(400)
    with pytest.raises(CapExceeded):
        await client.upload_program(HOLD)  # 50 mmHg
    assert sim.model.program is None


async def test_caps_changed_while_the_link_is_down_are_written_on_reconnect(
    client: MassagerClient, sim: SimulatedMassager
) -> None:
    events = client.events()
    await sim.stop_advertising()
    await sim.drop_link()
    await next_event(events, EventKind.LINK_LOST)
    await client.set_caps(TIGHT)  # not connected: held here, written when the link is back
    assert client.caps == TIGHT
    await sim.start_advertising()
    await next_event(events, EventKind.RECONNECTED)
    assert sim.model.limits == TIGHT
