"""Issue 11, items 8 and 9: one backend at a time, and a dead one is replaced.

The real simulator process over loopback TCP (`python -m device_sim`), as `make run`
uses it; the app's `Massager` owns it.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from appcore.context import AppContext
from appcore.db_worker import DbWorker
from appcore.massager import LinkState, Massager
from appcore.settings import Settings
from tests.appcore.helpers import thenar_client


def simulator_children() -> list[int]:
    """Pids of simulator processes started by this test process."""
    me = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == me and b"device_sim" in cmdline:
            found.append(int(entry.name))
    return found


@pytest.fixture
async def ctx(tmp_path: Path) -> AsyncIterator[AppContext]:
    worker = DbWorker(tmp_path / "data")
    await worker.open()
    yield AppContext(Settings(transport="sim"), tmp_path / "settings.json", worker)
    await worker.close()


async def wait_for_state(massager: Massager, *states: LinkState, timeout: float = 20) -> None:
    changed = asyncio.Event()

    with massager.link_changes.subscribe(lambda _change: changed.set()):
        async with asyncio.timeout(timeout):
            while massager.state not in states:
                changed.clear()
                await changed.wait()


async def test_two_searches_at_once_start_one_simulator(ctx: AppContext) -> None:
    massager = Massager(ctx)
    try:
        first, second = await asyncio.gather(massager.scan(), massager.scan())
        assert [m.address for m in first] == [m.address for m in second]
        assert len(simulator_children()) == 1
    finally:
        await massager.close()
    assert simulator_children() == []


async def test_a_killed_simulator_is_reported_and_replaced_without_restarting(
    ctx: AppContext, tmp_path: Path
) -> None:
    keys = tmp_path / "data" / "bonds.json"  # as the app keeps them: both sides remember
    massager = Massager(ctx, key_store=keys)
    try:
        found = await massager.scan()
        await massager.connect(found[0].address, found[0].name, pair=True)
        (pid,) = simulator_children()
        os.kill(pid, signal.SIGKILL)  # the simulator dies mid-session, its socket closes
        await wait_for_state(massager, LinkState.FAILED)
        assert "went away" in massager.describe()
        assert "Search" in massager.describe()  # and what to do

        again = await massager.scan()  # a later Search: a fresh backend, a fresh simulator
        assert [m.address for m in again] == [found[0].address]
        (new_pid,) = simulator_children()
        assert new_pid != pid
        assert again[0].bonded  # the restarted simulator kept its bond, as a massager would
        await massager.connect(again[0].address, again[0].name)  # no new pairing needed
        assert massager.state == LinkState.CONNECTED
        assert thenar_client(massager) is not None
        await thenar_client(massager).heartbeat()  # and it answers
    finally:
        await massager.close()
