"""Issue 11, item 3: pairing only on the person's word; a bond is never replaced silently.

A "reset massager" (or an impostor) is a fresh simulator at the pinned address: it
has no keys for our bond. Real stack: bleak, our Bumble backend with a file key
store, the simulator over GATT on a virtual radio.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ble.backends import Backend, choose_backend
from ble.bumble_bleak.radio import VirtualLink
from ble.client import MassagerClient
from ble.connection_policy import RetryPolicy
from ble.errors import BondRejected, NotPaired
from ble.pinning import PinnedDevice
from device_sim.model import FACTORY_LIMITS
from device_sim.peripheral import SimulatedMassager
from massage import Limits

CAPS = Limits(40, 400, 600)
FAST = RetryPolicy(budget_s=5.0, base_s=0.02, max_backoff_s=0.2)


def client_for(backend: Backend, sim: SimulatedMassager, *, pair: bool) -> MassagerClient:
    return MassagerClient(
        backend,
        PinnedDevice(sim.identity.address, "Thenar"),
        CAPS,
        policy=FAST,
        heartbeat_interval_s=None,
        scan_timeout_s=0.5,
        allow_pairing=pair,
    )


@pytest.fixture
async def backend(tmp_path: Path) -> AsyncIterator[tuple[VirtualLink, Backend, Path]]:
    link = VirtualLink()
    keys = tmp_path / "bonds.json"
    async with choose_backend("sim", link=link, key_store_path=keys) as b:
        yield link, b, keys


def untouched(sim: SimulatedMassager) -> None:
    """Nothing was written to this device: no command, no control, no Limits."""
    assert sim.model.commands_handled == 0
    assert sim.model.controller is None
    assert sim.model.limits == FACTORY_LIMITS
    assert sim.model.program is None


async def test_a_reset_massager_at_the_pinned_address_gets_nothing(
    backend: tuple[VirtualLink, Backend, Path],
) -> None:
    link, b, keys = backend
    genuine = SimulatedMassager(link)
    await genuine.start()
    first = client_for(b, genuine, pair=True)
    await first.connect()  # the person paired it on the Device page
    await first.close()
    await genuine.stop()
    bond = keys.read_bytes()
    assert genuine.identity.address in bond.decode()

    reset = SimulatedMassager(link)  # same address, no keys: reset, or an impostor
    await reset.start()
    try:
        for pair in (False, True):  # even a client allowed to pair never pairs over a bond
            client = client_for(b, reset, pair=pair)
            with pytest.raises(BondRejected) as refused:
                await client.connect()
            assert "no longer recognises this computer" in str(refused.value)
            assert "pair it again on the Device page" in refused.value.advice
            untouched(reset)
            assert keys.read_bytes() == bond  # the old bond stays until the person decides

        # The person chooses to pair again: only then is the bond replaced.
        await b.forget_bond(reset.identity.address)
        again = client_for(b, reset, pair=True)
        await again.connect()
        assert reset.model.limits == CAPS
        assert keys.read_bytes() != bond
        await again.close()
    finally:
        await reset.stop()


async def test_no_bond_and_no_pairing_asked_sends_nothing(
    backend: tuple[VirtualLink, Backend, Path],
) -> None:
    link, b, keys = backend
    sim = SimulatedMassager(link)
    await sim.start()
    try:
        client = client_for(b, sim, pair=False)  # e.g. the start-up reconnect
        with pytest.raises(NotPaired):
            await client.connect()
        untouched(sim)
        assert not keys.exists() or sim.identity.address not in keys.read_text()
    finally:
        await sim.stop()
