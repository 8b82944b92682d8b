"""Sparing a zone through the driver interface: Thenar's driver carries it to the device,
the consumer family's refuses in plain words before anything is written."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from ble import protocol as p
from ble.errors import MassagerError
from drivers.description import load_descriptions
from drivers.registry import open_driver
from drivers.thenar import ThenarDriver
from massage import Zone
from tests.drivers.test_aa55_driver import CAPS, Steps, connected, step
from therapy.compiler import compile_program
from therapy.plan import Plan
from therapy.profile import SafetyProfile
from therapy.routines import ROUTINES

PROFILE = SafetyProfile(rules_version="test", screened_on=dt.date(2025, 1, 1))


def test_the_descriptions_say_which_massager_can_spare_a_zone() -> None:
    known = {d.key: d for d in load_descriptions()}
    assert known["thenar-tg1"].capabilities.spare_zones is True
    assert known["palma-p5"].capabilities.spare_zones is False


async def test_thenar_spares_and_gives_back_zones_confirmed_and_audited(
    backend, thenar_sim
) -> None:
    known = await asyncio.to_thread(load_descriptions)
    (description,) = [d for d in known if d.key == "thenar-tg1"]
    caps = PROFILE.device_limits()
    driver = open_driver(description, backend, thenar_sim.identity.address, caps, pair=True)
    assert isinstance(driver, ThenarDriver)
    audit: list[tuple[str, str]] = []
    driver.audits.subscribe(lambda entry: audit.append((entry.what, entry.result)))
    await driver.connect()
    try:
        assert driver.spare_refusal == ""
        await driver.run(compile_program(ROUTINES["arthritis_morning"], 5, PROFILE).plan)
        await driver.spare_zones({Zone.THUMB_BASE})
        assert thenar_sim.model.spared_mask == 1
        assert ("spare_zones", "success") in audit
        await driver.spare_zones(set())
        assert thenar_sim.model.spared_mask == 0
        await driver.stop()
        with pytest.raises(MassagerError):  # no session: the device refuses, it is reported
            await driver.spare_zones({Zone.PALM})
        assert audit[-1] == ("spare_zones", "invalid_state")
        await driver.run(compile_program(ROUTINES["arthritis_morning"], 5, PROFILE).plan)
        assert thenar_sim.model.spared_mask == 0  # a new run spares nothing
    finally:
        assert await driver.close() is True
    assert thenar_sim.model.stop_reason == p.StopReason.USER


async def test_the_consumer_family_refuses_in_plain_words_and_writes_nothing(
    backend, palma
) -> None:
    steps = Steps()
    driver = await connected(backend, palma, CAPS, steps)
    audit: list[tuple[str, str]] = []
    driver.audits.subscribe(lambda entry: audit.append((entry.what, entry.result)))
    try:
        assert driver.spare_refusal == "This massager squeezes all its zones together."
        await driver.run(Plan(1, (step(40),)))
        await steps.entered.get()
        writes = palma.writes
        with pytest.raises(MassagerError, match="squeezes all its zones together"):
            await driver.spare_zones({Zone.PALM})
        assert palma.writes == writes
        assert palma.firmware.running
        assert audit[-1] == ("spare_zones", "refused")
    finally:
        await driver.close()
