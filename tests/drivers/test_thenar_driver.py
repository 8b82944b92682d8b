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


async def test_the_session_controls_reach_the_device_through_the_driver(
    backend, thenar_sim
) -> None:
    """Gentler/firmer, warmth, pause and resume: the same calls as the consumer family's
    driver, each confirmed by the device (its control point), and its audit trail kept."""
    known = await asyncio.to_thread(load_descriptions)
    (description,) = [d for d in known if d.key == "thenar-tg1"]
    caps = PROFILE.device_limits()
    driver = open_driver(description, backend, thenar_sim.identity.address, caps, pair=True)
    assert isinstance(driver, ThenarDriver)
    audit: list[str] = []
    driver.audits.subscribe(lambda entry: audit.append(entry.what))
    await driver.connect()
    try:
        assert driver.pause_refusal == ""
        assert driver.warmth_refusal(caps.max_heat_dc) == ""
        assert driver.warmth_refusal(caps.max_heat_dc + 10) != ""
        compiled = compile_program(ROUTINES["arthritis_morning"], 5, PROFILE)
        await driver.run(compiled.plan)
        model = thenar_sim.model
        await driver.set_intensity(4)
        assert model.intensity == 4
        await driver.set_heat(0)
        assert model.status().heat_setpoint_dc == 0
        await driver.pause()
        assert model.state == p.State.PAUSED
        status = await driver.read_status()
        assert (status.running, status.paused) == (True, True)
        await driver.resume()
        assert model.state == p.State.RUNNING
        await driver.stop()
        status = await driver.read_status()
        assert (status.running, status.stop_reason) == (False, "user")
        # A new run starts as planned again, not at the gentler intensity of the last one.
        await driver.run(compiled.plan)
        assert model.intensity == 10
    finally:
        assert await driver.close() is True
    for what in ("set_intensity", "set_heat", "pause", "resume", "stop"):
        assert what in audit, (what, audit)
