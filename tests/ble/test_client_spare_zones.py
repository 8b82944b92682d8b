"""MassagerClient.spare_zones against the real simulator: acknowledged, audited, never assumed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ble import protocol as p
from ble.backends import Backend
from ble.client import AuditEntry, MassagerClient
from ble.errors import BadArgument, InvalidState, OperationFailed, OutcomeUnknown
from device_sim.peripheral import SimulatedMassager
from massage import Zone
from tests.ble.test_client import backend, client, live, make_client, running

__all__ = ["backend", "client"]


@pytest.fixture
def audit(client: MassagerClient) -> Iterator[list[AuditEntry]]:
    lines: list[AuditEntry] = []
    sub = client.on_audit(lines.append)
    yield lines
    sub.close()


def spared(lines: list[AuditEntry]) -> list[AuditEntry]:
    return [line for line in lines if line.what == "spare_zones"]


async def test_spare_zones_is_acknowledged_audited_and_keeps_the_zone_empty(
    client: MassagerClient, sim: SimulatedMassager, audit: list[AuditEntry]
) -> None:
    await running(client, sim)
    await client.spare_zones({Zone.WRIST, Zone.THUMB_BASE})
    assert sim.model.spared_mask == 0b100001
    await live(client, sim, 1.0)
    assert client.status is not None
    pressures = client.status.pressures_mmhg
    assert pressures[Zone.WRIST] == pressures[Zone.THUMB_BASE] == 0
    assert pressures[Zone.PALM] == 50
    (line,) = spared(audit)
    assert line.params == {"mask": 0b100001, "zones": ["thumb base", "wrist"]}
    assert line.result == "success"
    assert line.command_id is not None
    await client.spare_zones(())  # every zone given back
    assert sim.model.spared_mask == 0
    assert spared(audit)[-1].params == {"mask": 0, "zones": []}


async def test_a_refused_spare_is_reported_and_audited_as_refused(
    client: MassagerClient, sim: SimulatedMassager, audit: list[AuditEntry]
) -> None:
    with pytest.raises(InvalidState):  # no session: the device refuses
        await client.spare_zones({Zone.PALM})
    assert spared(audit)[-1].result == "invalid_state"
    await running(client, sim)
    sim.faults.refuse_commands = True
    with pytest.raises(OperationFailed):
        await client.spare_zones({Zone.PALM})
    assert spared(audit)[-1].result == "operation_failed"
    assert sim.model.spared_mask == 0


async def test_an_unanswered_spare_is_outcome_unknown_never_assumed(
    backend: Backend, sim: SimulatedMassager
) -> None:
    client = make_client(backend, sim, command_timeout_s=0.3)
    await client.connect()
    try:
        await running(client, sim)
        sim.faults.response_delay_s = 0.6
        with pytest.raises(OutcomeUnknown):
            await client.spare_zones({Zone.FINGERS})
        assert client.needs_resync
    finally:
        sim.faults.response_delay_s = 0.0
        await client.close()


async def test_a_zone_the_massager_lacks_is_refused_before_anything_is_sent(
    client: MassagerClient, sim: SimulatedMassager, audit: list[AuditEntry]
) -> None:
    before = sim.model.commands_handled
    with pytest.raises(BadArgument, match="not among the 6"):
        await client.spare_zones({Zone(6)})
    assert sim.model.commands_handled == before
    assert spared(audit) == []
    assert p.Opcode.SPARE_ZONES in (await client.features()).opcodes
