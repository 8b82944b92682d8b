"""The consumer family's driver on its simulated device, over the real Bumble GATT stack.

The device keeps no caps, has no watchdog and runs on when the link drops: these tests
show the driver making up for it (levels capped through the description's calibration,
Thenar's own timer, stop after a lost link and on close), measured on the device side.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from ble.backends import Backend
from ble.errors import CapExceeded
from device_sim.aa55_model import StopCause
from device_sim.aa55_peripheral import Aa55Identity, SimulatedAa55
from drivers.aa55 import LINK_LOSS_STOP_S, Aa55Driver
from drivers.description import load_descriptions
from drivers.registry import discover, open_driver
from massage import Limits, Pattern
from therapy.plan import Plan, PlanStep

CAPS = Limits(max_pressure_mmhg=50, max_heat_dc=420, max_session_s=900)


KNOWN = load_descriptions()  # read once, off the loop (the guard checks the loop)


def descriptions():
    return KNOWN


def palma_description():
    (found,) = [d for d in descriptions() if d.key == "palma-p5"]
    return found


def step(mmhg: int, seconds: int = 60, heat_dc: int = 0, pattern: Pattern = Pattern.WAVE):
    return PlanStep(seconds, pattern, heat_dc, (mmhg,) * 6)


class Steps:
    """The plan's timer, stepped by the test: each step waits until it is let go."""

    def __init__(self) -> None:
        self.entered: asyncio.Queue[float] = asyncio.Queue()
        self.go: asyncio.Queue[None] = asyncio.Queue()

    async def sleep(self, seconds: float) -> None:
        self.entered.put_nowait(seconds)
        await self.go.get()


async def connected(backend: Backend, sim: SimulatedAa55, caps: Limits = CAPS, steps=None):
    driver = Aa55Driver(
        palma_description(), backend, sim.identity.address, caps,
        sleep=steps.sleep if steps else asyncio.sleep,
    )
    await driver.connect()
    return driver


async def test_discovery_tells_both_families_apart(backend, palma, thenar_sim) -> None:
    found = {f.address: f for f in await discover(backend, descriptions())}
    assert found[palma.identity.address].description.key == "palma-p5"
    assert found[thenar_sim.identity.address].description.key == "thenar-tg1"


async def test_a_plan_runs_at_the_highest_level_within_the_cap(backend, palma) -> None:
    steps = Steps()
    driver = await connected(backend, palma, Limits(45, 420, 900), steps)
    try:
        await driver.run(Plan(1, (step(60, heat_dc=400), step(25, pattern=Pattern.HOLD))))
        await steps.entered.get()
        fw = palma.firmware
        # 60 mmHg asked, 45 allowed: level 3 (measured 40 mmHg); heat (42 °C) within 42 °C.
        assert (fw.running, fw.level, fw.mode, fw.heat_on) == (True, 3, 3, True)
        steps.go.put_nowait(None)
        await steps.entered.get()
        assert (fw.level, fw.mode, fw.heat_on) == (1, 1, False)  # 25 mmHg: level 1 (20)
        steps.go.put_nowait(None)
        await driver.finished()
        assert not fw.running
        assert fw.stop_cause is StopCause.POWER_OFF
        assert fw.timer_min == 2  # the device's own timer set as a backstop
    finally:
        await driver.close()


async def test_heat_stays_off_when_the_heater_is_above_the_heat_cap(backend, palma) -> None:
    steps = Steps()
    driver = await connected(backend, palma, Limits(50, 400, 900), steps)
    try:
        await driver.run(Plan(1, (step(40, heat_dc=400),)))
        await steps.entered.get()
        assert palma.firmware.running
        assert not palma.firmware.heat_on
        # The Massage page's reason, and the warmth button cannot turn it on either.
        reason = driver.warmth_refusal(400)
        assert reason == (
            "This massager warms to about 42 °C, above your limit of 40 °C, so Thenar "
            "keeps its warmth off."
        )
        with pytest.raises(CapExceeded):
            await driver.set_heat(400)
        assert not palma.firmware.heat_on
        assert driver.warmth_refusal(0) == ""  # off is always allowed
    finally:
        await driver.close()


async def test_gentler_firmer_and_warmth_change_the_running_step(backend, palma) -> None:
    steps = Steps()
    driver = await connected(backend, palma, CAPS, steps)
    try:
        await driver.run(Plan(1, (step(60, heat_dc=400),)))
        await steps.entered.get()
        fw = palma.firmware
        assert (fw.level, fw.heat_on) == (4, True)  # 50 mmHg cap: level 4
        await driver.set_intensity(5)  # half of 60 mmHg: 30, level 2
        assert fw.level == 2
        await driver.set_heat(0)
        assert (fw.running, fw.heat_on) == (True, False)
        await driver.set_intensity(10)  # back to the plan, still within the cap
        assert fw.level == 4
        await driver.set_heat(400)
        assert fw.heat_on
    finally:
        await driver.close()


async def test_pause_switches_off_and_resume_goes_on_from_there(backend, palma) -> None:
    """The device cannot pause: Thenar switches it off, holds its own timer, and
    runs what was left of the plan at the intensity the person had chosen."""
    steps = Steps()
    driver = await connected(backend, palma, CAPS, steps)
    try:
        await driver.run(Plan(1, (step(60, 60), step(40, 30))))
        assert await steps.entered.get() == 60
        await driver.set_intensity(5)
        steps.go.put_nowait(None)  # the first step is done
        assert await steps.entered.get() == 30
        await driver.pause()
        fw = palma.firmware
        assert not fw.running
        status = await driver.read_status()
        assert (status.running, status.paused, status.stop_reason) == (True, True, "")
        await driver.resume()
        assert await steps.entered.get() == 30  # the second step, not the first again
        assert fw.running
        assert fw.level == 1  # 20 mmHg at half intensity: the gentlest level
        await driver.stop()
        assert not fw.running
        assert (await driver.read_status()).stop_reason == "user"
    finally:
        await driver.close()


async def test_what_cannot_be_capped_is_refused_before_anything_is_sent(backend, palma) -> None:
    driver = await connected(backend, palma, Limits(15, 420, 900))
    try:
        before = palma.writes
        with pytest.raises(CapExceeded, match="gentlest level"):
            await driver.run(Plan(1, (step(40),)))
        assert palma.writes == before
        assert not palma.firmware.running
    finally:
        await driver.close()


async def test_the_session_cap_ends_the_plan_early(backend, palma) -> None:
    steps = Steps()
    driver = await connected(backend, palma, Limits(50, 420, 90), steps)
    try:
        await driver.run(Plan(1, (step(40, 60), step(40, 60), step(40, 60))))
        assert await steps.entered.get() == 60
        steps.go.put_nowait(None)
        assert await steps.entered.get() == 30  # 90 s in all
        steps.go.put_nowait(None)
        await driver.finished()
        assert not palma.firmware.running
        assert steps.entered.empty()  # the third step never started
    finally:
        await driver.close()


async def test_stricter_caps_bring_the_running_step_down_at_once(backend, palma) -> None:
    steps = Steps()
    driver = await connected(backend, palma, CAPS, steps)
    try:
        await driver.run(Plan(1, (step(60),)))
        await steps.entered.get()
        assert palma.firmware.level == 4  # 50 mmHg cap: level 4 (50)
        await driver.set_caps(Limits(30, 420, 900))
        assert palma.firmware.level == 2
        await driver.set_caps(Limits(10, 420, 900))  # not even level 1: stopped
        assert not palma.firmware.running
    finally:
        await driver.close()


async def test_a_lost_link_stops_the_device_within_the_watchdog_deadline(backend, palma) -> None:
    steps = Steps()
    driver = await connected(backend, palma, CAPS, steps)
    try:
        await driver.run(Plan(1, (step(50),)))
        await steps.entered.get()
        events = driver.links.stream()
        dropped_at = time.monotonic()
        await palma.drop_link()
        async with asyncio.timeout(10):
            kinds = [(await anext(events)).kind, (await anext(events)).kind]
        assert kinds == ["link_lost", "reconnected"]
        fw = palma.firmware
        assert not fw.running
        assert fw.stop_cause is StopCause.POWER_OFF
        assert fw.stopped_at is not None
        assert fw.stopped_at - dropped_at <= LINK_LOSS_STOP_S  # measured on the device
        assert driver.link_loss_stops == 1
    finally:
        await driver.close()


async def test_close_stops_and_confirms(backend, palma) -> None:
    steps = Steps()
    driver = await connected(backend, palma, CAPS, steps)
    await driver.run(Plan(1, (step(50),)))
    await steps.entered.get()
    assert await driver.close() is True
    assert not palma.firmware.running
    assert palma.firmware.stop_cause is StopCause.POWER_OFF


async def test_a_malformed_notification_is_counted_not_fatal(backend, palma) -> None:
    driver = await connected(backend, palma)
    try:
        got = asyncio.Event()
        driver.statuses.subscribe(lambda _s: got.set())
        await palma.send_raw_notification(b"\xbb\x66\x07\x90garbage")
        status = await driver.read_status()  # the next good frame still works
        assert status.running is False
        assert status.battery == 80
        assert driver.malformed_notifications == 1
        assert got.is_set()
    finally:
        await driver.close()


THIRD = """
[device]
model = "Kneadle K3"
maker = "Kneadle (made up for a test)"
driver = "aa55"

[match]
names = ["Kneadle*"]
service_uuids = ["ffe0"]
company_id = 0x0A55
data_prefix = "4b33"

[endpoints]
service = "ffe0"
command = "ffe1"
notify = "ffe2"

[capabilities]
zones = ["palm"]
intensity = "levels"
levels = 3
level_mmhg = [25, 35, 45]
max_mmhg = 45
programs = false
modes = { wave = 2, hold = 1 }

[protections]
limits = false
stop_on_link_loss = false
auto_off_s = 600
"""


async def test_a_third_model_needs_a_file_not_code(tmp_path: Path, link, backend) -> None:
    (tmp_path / "kneadle-k3.toml").write_text(THIRD, encoding="utf-8")
    ident = Aa55Identity("F0:7E:4A:00:55:03", "Kneadle K3", b"K3")
    async with SimulatedAa55(link, ident) as k3:
        known = await asyncio.to_thread(load_descriptions, tmp_path)
        (found,) = [f for f in await discover(backend, known) if f.address == ident.address]
        assert found.description is not None
        assert found.description.model == "Kneadle K3"
        assert found.description.protections.missing()  # the Device page has words for it
        steps = Steps()
        driver = open_driver(found.description, backend, found.address, Limits(40, 420, 900))
        assert isinstance(driver, Aa55Driver)
        driver._sleep = steps.sleep
        await driver.connect()
        try:
            await driver.run(Plan(1, (step(60),)))
            await steps.entered.get()
            assert (k3.firmware.level, k3.firmware.mode) == (2, 2)  # 35 mmHg within 40
        finally:
            await driver.close()
        assert not k3.firmware.running
