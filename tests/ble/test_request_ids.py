"""Issue 11: request ids on the control point (protocol version 2), over the real stack.

MassagerClient -> bleak -> our Bumble backend -> virtual radio -> the simulator, in
process. The simulator holds its control point answers until the test releases them
(`faults.hold_responses`), so "the late answer arrives first" is an order, not a timing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from collections.abc import AsyncIterator
from typing import Any

import pytest
from bleak import BleakClient, BleakScanner

from ble import protocol as p
from ble.backends import Backend, choose_backend
from ble.bumble_bleak.radio import VirtualLink
from ble.client import MassagerClient
from ble.connection_policy import RetryPolicy
from ble.errors import OperationFailed, OutcomeUnknown, UnsupportedDevice, require_protocol
from ble.pinning import PinnedDevice
from device_sim.model import FACTORY_LIMITS
from device_sim.peripheral import SimulatedMassager
from massage import Limits

CAPS = Limits(max_pressure_mmhg=60, max_heat_dc=420, max_session_s=900)


@pytest.fixture
async def backend(link: VirtualLink, sim: SimulatedMassager) -> AsyncIterator[Backend]:
    """The app's backend, already bonded with the simulator (paired once through bleak)."""
    async with choose_backend("sim", link=link) as b:
        device = await BleakScanner.find_device_by_filter(
            lambda d, _adv: d.address == sim.identity.address, timeout=5, **b.scanner_kwargs()
        )
        assert device is not None
        async with BleakClient(device, pair=True, **b.client_kwargs()):
            pass
        yield b


def make_client(backend: Backend, sim: SimulatedMassager, **kwargs: Any) -> MassagerClient:
    options: dict[str, Any] = {
        "policy": RetryPolicy(budget_s=10.0, base_s=0.02, max_backoff_s=0.2),
        "heartbeat_interval_s": None,  # the test sends every command itself
        "scan_timeout_s": 0.5,
        **kwargs,
    }
    return MassagerClient(backend, PinnedDevice(sim.identity.address, "Thenar"), CAPS, **options)


async def test_late_answer_for_an_old_request_id_is_never_taken_for_a_new_command(
    backend: Backend, sim: SimulatedMassager
) -> None:
    client = make_client(backend, sim, command_timeout_s=0.2)
    await client.connect()
    try:
        # The first heartbeat's answer says "operation failed" and is held back: it times out.
        sim.faults.hold_responses = True
        sim.faults.refuse_commands = True
        with pytest.raises(OutcomeUnknown):
            await client.heartbeat()
        first_id = client._last_command_id
        assert first_id is not None
        await sim.wait_held(1)
        # The second heartbeat (same opcode, new id) would succeed; its answer is held too.
        sim.faults.refuse_commands = False
        client.command_timeout_s = 10.0  # the bound of a broken test only: released below
        second = asyncio.create_task(client.heartbeat())
        await sim.wait_held(2)
        assert client._last_command_id == first_id % 255 + 1
        before = client.unexpected_indications

        await sim.release_responses(1)  # the late answer, for the old id, arrives first
        assert client.unexpected_indications == before + 1
        assert not second.done()  # ... and is not taken as the second heartbeat's answer

        await sim.release_responses(1)  # its own answer
        await second  # success: with opcode-only matching it would raise OperationFailed
        assert client.unexpected_indications == before + 1
        assert client.is_connected
    finally:
        sim.faults.hold_responses = False
        await sim.release_responses()
        await client.close()


async def test_answer_with_the_right_id_but_another_opcode_is_not_taken(
    backend: Backend, sim: SimulatedMassager
) -> None:
    """Matching is by opcode AND id: an indication that echoes the id of a different
    command (a confused device) is counted and ignored."""
    client = make_client(backend, sim, command_timeout_s=0.3)
    await client.connect()
    try:
        sim.faults.hold_responses = True
        pending = asyncio.create_task(client.stop())
        await sim.wait_held(1)
        seq = client._last_command_id
        assert seq is not None
        before = client.unexpected_indications
        forged = p.ControlResponse(p.Opcode.PAUSE, p.ResultCode.SUCCESS, seq=seq)
        device = sim._require_device()
        await device.indicate_subscriber(sim.connections[0], sim.control_char, bytes(forged))
        assert client.unexpected_indications == before + 1
        assert not pending.done()
        await sim.release_responses()
        await pending
    finally:
        sim.faults.hold_responses = False
        await sim.release_responses()
        await client.close()


async def test_each_command_gets_a_fresh_id_that_wraps_within_1_to_255(
    backend: Backend, sim: SimulatedMassager
) -> None:
    client = make_client(backend, sim)
    await client.connect()
    try:
        seen: list[int] = []
        for _ in range(260):
            await client.heartbeat()
            assert client._last_command_id is not None
            seen.append(client._last_command_id)
        assert all(1 <= seq <= 255 for seq in seen)
        assert all(b == a % 255 + 1 for a, b in itertools.pairwise(seen))
        assert client.unexpected_indications == 0
    finally:
        await client.close()


async def test_device_that_does_not_speak_version_2_is_refused_before_any_write(
    backend: Backend, sim: SimulatedMassager, monkeypatch: pytest.MonkeyPatch
) -> None:
    v1_features = dataclasses.replace(
        sim.model.features(), protocol_version=1, protocol_versions=(1,)
    )
    monkeypatch.setattr(sim.model, "features", lambda: v1_features)
    client = make_client(backend, sim)
    with pytest.raises(UnsupportedDevice) as err:
        await client.connect()
    assert "version 1" in str(err.value)
    assert "Update Thenar, or the massager's firmware" in err.value.advice
    assert sim.model.commands_handled == 0
    assert sim.model.controller is None
    assert sim.model.limits == FACTORY_LIMITS
    assert not client.is_connected


def test_require_protocol_reads_v1_and_malformed_features_as_unsupported() -> None:
    v2 = p.Features(2, ("palm",), 0, 80, 1, 300, 450, 5, 1800, (p.Opcode.STOP,), (1, 2))
    assert require_protocol(bytes(v2)) == v2
    v1_framing = bytes([1]) + bytes(v2)[1:-3]  # no version list at all
    with pytest.raises(UnsupportedDevice, match="version 1"):
        require_protocol(v1_framing)
    with pytest.raises(UnsupportedDevice, match="cannot be read"):
        require_protocol(b"\x02\x00")
    only_three = dataclasses.replace(v2, protocol_version=3, protocol_versions=(3,))
    with pytest.raises(UnsupportedDevice, match="version 3"):
        require_protocol(bytes(only_three))


async def test_refusals_still_raise_typed_errors_with_ids(
    backend: Backend, sim: SimulatedMassager
) -> None:
    client = make_client(backend, sim)
    await client.connect()
    try:
        sim.faults.refuse_commands = True
        with pytest.raises(OperationFailed):
            await client.heartbeat()
        sim.faults.refuse_commands = False
        await client.heartbeat()
        assert client.unexpected_indications == 0
    finally:
        await client.close()
