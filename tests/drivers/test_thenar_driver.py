"""Driver one on the Thenar simulator: caps written and read back, a compiled plan runs."""

from __future__ import annotations

import asyncio
import datetime as dt

from ble import protocol as p
from drivers.base import DeviceStatus
from drivers.description import load_descriptions
from drivers.registry import open_driver
from drivers.thenar import ThenarDriver
from therapy.compiler import compile_program
from therapy.profile import SafetyProfile
from therapy.routines import ROUTINES

PROFILE = SafetyProfile(rules_version="test", screened_on=dt.date(2025, 1, 1))


async def test_a_compiled_plan_runs_within_caps_the_device_holds(backend, thenar_sim) -> None:
    known = await asyncio.to_thread(load_descriptions)
    (description,) = [d for d in known if d.key == "thenar-tg1"]
    caps = PROFILE.device_limits()
    driver = open_driver(description, backend, thenar_sim.identity.address, caps, pair=True)
    assert isinstance(driver, ThenarDriver)
    await driver.connect()
    try:
        assert thenar_sim.model.limits == caps  # written and read back before anything else
        assert thenar_sim.writes > 0  # the write counter counts (capture mode expects none)
        compiled = compile_program(ROUTINES["grip_recovery"], 5, PROFILE)
        running = asyncio.Event()
        seen: list[DeviceStatus] = []

        def on_status(status: DeviceStatus) -> None:
            seen.append(status)
            if status.running:
                running.set()

        with driver.statuses.subscribe(on_status):
            await driver.run(compiled.plan)
            async with asyncio.timeout(5):
                await running.wait()
        assert thenar_sim.model.state == p.State.RUNNING
        assert seen[-1].pressures_mmhg is not None  # this family measures pressure
        status = await driver.read_status()
        assert status.running
        assert status.stop_reason == ""
    finally:
        assert await driver.close() is True
    assert thenar_sim.model.stop_reason == p.StopReason.USER
