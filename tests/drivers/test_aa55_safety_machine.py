"""The safety promise for the consumer family, as a rule-based state machine.

The device keeps no caps, has no watchdog and runs on when the link drops, so every
guarantee here is the driver's: whatever the caps, plans, link drops and stops, the
device never runs above the level the caps allow, never heats above the heat cap,
is stopped within the watchdog deadline after a lost link (measured on the device),
and is stopped when Thenar closes. Real Bumble GATT over the virtual radio.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from ble.backends import choose_backend
from ble.bumble_bleak.radio import VirtualLink
from ble.errors import CapExceeded
from device_sim.aa55_peripheral import SimulatedAa55
from drivers.aa55 import LINK_LOSS_STOP_S, Aa55Driver
from drivers.description import load_descriptions
from massage import Limits, Pattern
from therapy.plan import Plan, PlanStep

T = TypeVar("T")
EXAMPLES = int(os.environ.get("THENAR_SOAK_EXAMPLES", "25"))
STEP_TIMEOUT_S = 20.0
DESCRIPTION = next(d for d in load_descriptions() if d.key == "palma-p5")
HEATER_DC = max(DESCRIPTION.capabilities.heat)

CAPS = st.builds(
    Limits,
    max_pressure_mmhg=st.integers(0, 80),
    max_heat_dc=st.sampled_from([0, 400, 420, 450]),
    max_session_s=st.sampled_from([60, 600, 900]),
)
STEPS = st.lists(
    st.builds(
        PlanStep,
        duration_s=st.sampled_from([30, 60, 120]),
        pattern=st.sampled_from([Pattern.WAVE, Pattern.HOLD, Pattern.ALTERNATE, Pattern.REST]),
        heat_dc=st.sampled_from([0, 400]),
        pressures_mmhg=st.integers(0, 80).map(lambda p: (p,) * 6),
    ),
    min_size=1,
    max_size=4,
)


class Aa55SafetyMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.link = VirtualLink()
        self.sim = SimulatedAa55(self.link)
        self.entered: asyncio.Queue[float] = asyncio.Queue()
        self.go: asyncio.Queue[None] = asyncio.Queue()
        self.caps = Limits(50, 420, 900)

    async def _sleep(self, seconds: float) -> None:
        self.entered.put_nowait(seconds)
        await self.go.get()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        async def bounded() -> T:
            async with asyncio.timeout(STEP_TIMEOUT_S):
                return await coro

        return self.loop.run_until_complete(bounded())

    @initialize()
    def start(self) -> None:
        async def up() -> None:
            await self.sim.start()
            self.backend = choose_backend("sim", link=self.link)
            await self.backend.open()
            self.driver = Aa55Driver(
                DESCRIPTION, self.backend, self.sim.identity.address, self.caps, sleep=self._sleep
            )
            await self.driver.connect()

        self.run(up())

    def teardown(self) -> None:
        async def down() -> None:
            try:
                if hasattr(self, "driver"):
                    assert await self.driver.close() is True
                    assert not self.sim.firmware.running  # stopped on exit
            finally:
                if hasattr(self, "backend"):
                    await self.backend.close()
                await self.sim.stop()

        try:
            self.run(down())
        finally:
            self.loop.close()

    async def _step_started_or_ended(self) -> None:
        runner = self.driver._runner
        waiting = asyncio.ensure_future(self.entered.get())
        ends = [waiting] + ([runner] if runner is not None else [])
        await asyncio.wait(ends, return_when=asyncio.FIRST_COMPLETED)
        if not waiting.done():
            waiting.cancel()

    @rule(caps=CAPS)
    def set_caps(self, caps: Limits) -> None:
        self.caps = caps
        self.run(self.driver.set_caps(caps))

    @rule(steps=STEPS)
    def run_plan(self, steps: list[PlanStep]) -> None:
        async def go() -> None:
            plan = Plan(1, tuple(steps))
            cappable = DESCRIPTION.level_for(self.caps.max_pressure_mmhg) > 0
            needs_pressure = any(s.peak_mmhg for s in steps)
            before = self.sim.writes
            try:
                await self.driver.run(plan)
            except CapExceeded:
                assert needs_pressure
                assert not cappable
                assert self.sim.writes == before  # refused before anything was sent
                return
            assert cappable or not needs_pressure
            await self._step_started_or_ended()

        self.run(go())

    @precondition(lambda self: self.driver._runner is not None and not self.driver._runner.done())
    @rule()
    def next_step(self) -> None:
        async def go() -> None:
            self.go.put_nowait(None)
            await self._step_started_or_ended()

        self.run(go())

    @rule()
    def stop(self) -> None:
        self.run(self.driver.stop())
        assert not self.sim.firmware.running

    @rule()
    def drop_link(self) -> None:
        async def go() -> None:
            events = self.driver.links.stream()
            was_running = self.sim.firmware.running
            dropped_at = time.monotonic()
            await self.sim.drop_link()
            try:
                while (await events.__anext__()).kind != "reconnected":
                    pass
            finally:
                events.close()
            fw = self.sim.firmware
            assert not fw.running
            if was_running:
                assert fw.stopped_at is not None
                assert fw.stopped_at - dropped_at <= LINK_LOSS_STOP_S

        self.run(go())

    @invariant()
    def never_above_the_caps(self) -> None:
        if not hasattr(self, "driver"):
            return
        fw = self.sim.firmware
        if fw.running:
            allowed = DESCRIPTION.level_for(self.caps.max_pressure_mmhg)
            assert fw.level <= allowed, (fw.level, self.caps)
            assert DESCRIPTION.capabilities.level_mmhg[fw.level - 1] <= self.caps.max_pressure_mmhg
            if fw.heat_on:
                assert self.caps.max_heat_dc >= HEATER_DC


Aa55SafetyMachine.TestCase.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_aa55_safety_machine = Aa55SafetyMachine.TestCase
