"""Both simulated families on one in-process virtual radio, with the real Bumble backend."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ble.backends import Backend, choose_backend
from ble.bumble_bleak.radio import VirtualLink
from device_sim.aa55_peripheral import SimulatedAa55
from device_sim.peripheral import SimulatedMassager


@pytest.fixture
def link() -> VirtualLink:
    return VirtualLink()


@pytest.fixture
async def palma(link: VirtualLink) -> AsyncIterator[SimulatedAa55]:
    async with SimulatedAa55(link) as sim:
        yield sim


@pytest.fixture
async def thenar_sim(link: VirtualLink) -> AsyncIterator[SimulatedMassager]:
    async with SimulatedMassager(link) as sim:
        yield sim


@pytest.fixture
async def backend(link: VirtualLink) -> AsyncIterator[Backend]:
    async with choose_backend("sim", link=link) as b:
        yield b
