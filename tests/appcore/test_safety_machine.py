"""Issue 10: the safety promise as a rule-based state machine over the real stack.

Each example is one person's life with Thenar: a fresh log, the real simulator over
GATT on a virtual radio (device time stepped by hand), the real driver, `Massager`,
the safety owner and the session controller. Rules screen with arbitrary answers, add
and remove clearances, check in, cross midnight, drop the link, run sessions and turn
the knobs; after every step the invariants below must hold. `make soak` runs more.

It runs on both device families (issue 15): Thenar's own profile, which keeps the
caps and stops by itself, and the consumer "AA 55" family, which does neither, so
the app must: the device side never runs above the caps' level or heat, and it is
stopped within the same 2 s deadline after a dropped link, and on exit.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import tempfile
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import Phase as Stage
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from appcore.context import AppContext
from appcore.db_worker import DbWorker
from appcore.massager import LinkChanged, LinkState, Massager
from appcore.programs import ensure_routines
from appcore.records import cap_values
from appcore.session import Phase, SessionController
from appcore.settings import Settings
from ble import protocol as p
from ble.backends import on_link
from ble.bumble_bleak.radio import VirtualLink
from ble.errors import CapExceeded, MassagerError
from data import screenings, sessions
from device_sim.aa55_peripheral import SimulatedAa55
from device_sim.clock import ManualClock
from device_sim.peripheral import SimulatedMassager
from drivers.aa55 import LINK_LOSS_STOP_S, Aa55Driver
from massage import Limits, Zone
from tests.appcore.conftest import CLEAR_ANSWERS
from tests.appcore.helpers import thenar_client
from tests.waiting import until
from therapy import ROUTINES, SCREENING_QUESTIONS, CheckIn, SessionNotAllowed
from therapy.rules import SCREENING_RULES

T = TypeVar("T")
# Per device family: two families at 100 take about what one took at 200 (`make soak`
# sets 2,000 each).
EXAMPLES = int(os.environ.get("THENAR_SOAK_EXAMPLES", "100"))
STEP_TIMEOUT_S = 20.0
VENT_S = 0.5  # the device vents any zone within half a second (docs/gatt-profile.md)


def _screening(changes: list[tuple[int, int]]) -> dict[str, Any]:
    """The all-clear answers with a few changed: most people can massage, some cannot."""
    answers: dict[str, Any] = dict(CLEAR_ANSWERS)
    for q_index, option_index in changes:
        q = SCREENING_QUESTIONS[q_index % len(SCREENING_QUESTIONS)]
        option = q.options[option_index % len(q.options)].option_id
        answers[q.question_id] = [option] if q.multiple else option
    return answers


SCREENING_ANSWERS = st.lists(st.tuples(st.integers(0, 100), st.integers(0, 10)), max_size=3).map(
    _screening
)
RARELY = st.sampled_from([False, False, False, True])
CHECKINS = st.tuples(
    RARELY, RARELY, RARELY, RARELY, st.integers(0, 10), st.booleans()
)  # flare, new injury, broken skin, tingling, discomfort, helper present


class ThenarSide:
    """Thenar's own profile, seen from the device: it keeps the caps written to it."""

    def __init__(self, link: VirtualLink, clock: ManualClock) -> None:
        self.sim = SimulatedMassager(link, clock=clock, autotick=False)

    @property
    def address(self) -> str:
        return self.sim.identity.address

    def running(self) -> bool:
        return self.sim.model.state in (p.State.RUNNING, p.State.PAUSED)

    async def keep_talking(self, massager: Massager) -> None:
        await thenar_client(massager).heartbeat()  # as the app does while time passes

    def check_spared(self, spared_at: dict[Zone, float], now: float) -> None:
        """Each zone the device acknowledged as spared reads 0 once it had time to vent."""
        if self.sim.model.state != p.State.RUNNING:
            return
        pressures = self.sim.model.status().pressures_mmhg
        for zone, at in spared_at.items():
            if now - at >= VENT_S:
                assert pressures[zone] == 0, (zone, pressures)

    def check_caps(self, massager: Massager, caps: Limits, venting_from: int | None) -> None:
        assert self.sim.model.limits.at_most(caps), (self.sim.model.limits, caps)
        client = thenar_client(massager)
        assert client.caps.at_most(caps), (client.caps, caps)
        status = self.sim.model.status()
        assert status.heat_setpoint_dc <= caps.max_heat_dc
        # A lower cap holds on the targets at once; the air takes up to half a second of
        # device time to vent. Until then the old cap bounds what is measured.
        allowed = max(caps.max_pressure_mmhg, venting_from or 0)
        assert max(status.pressures_mmhg) <= allowed + 1, (status.pressures_mmhg, caps)


class Aa55Side:
    """The consumer family, seen from the device: it keeps no caps and runs on without
    its app, so every bound here is one the app (its driver) holds for it."""

    def __init__(self, link: VirtualLink, clock: ManualClock) -> None:
        self.sim = SimulatedAa55(link, clock=clock, autotick=False)

    @property
    def address(self) -> str:
        return self.sim.identity.address

    def running(self) -> bool:
        return self.sim.firmware.running

    def check_spared(self, spared_at: dict[Zone, float], now: float) -> None:
        assert not spared_at  # this family refuses to spare: nothing is ever shown spared

    async def keep_talking(self, massager: Massager) -> None:
        return  # no heartbeat: the device has no watchdog

    def check_caps(self, massager: Massager, caps: Limits, venting_from: int | None) -> None:
        driver = massager.driver
        assert isinstance(driver, Aa55Driver), driver
        assert driver.caps.at_most(caps), (driver.caps, caps)
        firmware = self.sim.firmware
        if not firmware.running:
            return
        description = driver.description
        highest = description.level_for(caps.max_pressure_mmhg)  # levels change at once
        assert firmware.level <= highest, (firmware.level, caps)
        if firmware.heat_on:
            assert max(description.capabilities.heat) <= caps.max_heat_dc, caps


Side = ThenarSide | Aa55Side


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 26, 21, 0).astimezone()

    def __call__(self) -> dt.datetime:
        return self.now


class SafetyMachine(RuleBasedStateMachine):
    FAMILY: type[Side] = ThenarSide

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.folder = Path(tempfile.mkdtemp(prefix="thenar-machine-"))
        self.clock = Clock()
        self.device_clock = ManualClock()
        self.link = VirtualLink()
        self.side = self.FAMILY(self.link, self.device_clock)
        self.sim = self.side.sim
        self.db = DbWorker(self.folder / "data")
        self.ctx = AppContext(Settings(), self.folder / "settings.json", self.db, now=self.clock)
        self.massager = Massager(self.ctx, on_link(self.link))
        self.session = SessionController(self.massager)
        self.program_ids: dict[str, int] = {}
        self.started: list[tuple[int, Limits]] = []  # session id, caps in force at start
        # A lower pressure cap holds on the targets at once; the air takes up to half a
        # second of device time to vent. Until then the old cap bounds what is measured.
        self.venting_from: int | None = None
        self.lowered_at = 0.0
        self.spared_at: dict[Zone, float] = {}  # device time each spared zone was confirmed

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        async def bounded() -> T:
            async with asyncio.timeout(STEP_TIMEOUT_S):
                return await coro

        return self.loop.run_until_complete(bounded())

    async def _settle(self) -> None:
        """Let every reaction to the last step finish: caps writes, a safety stop, the log."""
        for _ in range(3):
            await self.massager.settled()
            for task in (self.session._stopping, self.session._ending):
                if task is not None and not task.done():
                    await asyncio.gather(task, return_exceptions=True)
            await asyncio.sleep(0)

    @initialize()
    def start(self) -> None:
        async def up() -> None:
            await self.db.open()
            await self.ctx.safety.load()
            self.program_ids = await self.db.run(ensure_routines)
            await self.sim.start()
            await self.massager.connect(self.side.address, "Massager", pair=True)
            await self.ctx.safety.save_screening(CLEAR_ANSWERS)  # most people start here
            await self.ctx.safety.check_in(CheckIn(self.ctx.today()))
            await self._settle()

        self.run(up())

    def teardown(self) -> None:
        async def down() -> None:
            try:  # Thenar exits with whatever runs: closing the massager stops the device
                if self.session.active:
                    event("closed during a session")
                await self.massager.close()
                assert not self.side.running(), "still running after Thenar closed"
            finally:
                await self.sim.stop()
                await self.db.close()

        try:
            self.run(down())
            pending = asyncio.all_tasks(self.loop)
            for task in pending:
                task.cancel()

            async def drain() -> None:
                await asyncio.gather(*pending, return_exceptions=True)

            self.loop.run_until_complete(drain())
        finally:
            self.loop.close()
            shutil.rmtree(self.folder, ignore_errors=True)

    def step(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run one rule's action and everything it set off; note a lowered pressure cap."""
        before = self.ctx.safety.state.caps.max_pressure_mmhg

        async def go() -> None:
            await coro
            await self._settle()

        self.run(go())
        after = self.ctx.safety.state.caps.max_pressure_mmhg
        if after < before:
            self.venting_from = max(self.venting_from or 0, before)
            self.lowered_at = self.device_clock()

    # --- rules ----------------------------------------------------------------

    @rule(answers=SCREENING_ANSWERS)
    def screen(self, answers: dict[str, Any]) -> None:
        self.step(self.ctx.safety.save_screening(answers))

    @rule(item=st.sampled_from(sorted(SCREENING_RULES.clearable)))
    def add_clearance(self, item: str) -> None:
        async def go() -> None:
            try:
                await self.ctx.safety.record_clearance(item, self.ctx.today(), "Dr Example")
            except ValueError:
                assert self.ctx.safety.state.base is None  # only refused before screening

        self.step(go())

    @rule(pick=st.integers(0, 20))
    def remove_clearance(self, pick: int) -> None:
        async def go() -> None:
            records = await self.db.run(screenings.list_clearances)
            if records:
                await self.ctx.safety.remove_clearance(records[pick % len(records)].id)

        self.step(go())

    @rule(answers=CHECKINS)
    def check_in(self, answers: tuple[bool, bool, bool, bool, int, bool]) -> None:
        flare, injury, skin, tingling, discomfort, helper = answers
        checkin = CheckIn(self.ctx.today(), flare, injury, skin, tingling, discomfort, helper)

        async def go() -> None:
            try:
                await self.ctx.safety.check_in(checkin)
            except ValueError:
                assert self.ctx.safety.state.base is None

        self.step(go())

    @rule(minutes=st.integers(1, 6 * 60))
    def time_passes(self, minutes: int) -> None:
        """The app's clock moves on (often across midnight); the day clock notices."""
        self.clock.now += dt.timedelta(minutes=minutes)
        self.step(self._check_day())

    async def _check_day(self) -> None:
        await self.ctx.safety.check_day()

    @rule()
    def drop_and_restore_link(self) -> None:
        self.step(self._drop_and_restore())

    @precondition(lambda self: self.session.active)
    @rule(zone=st.sampled_from(list(Zone)))
    def a_tender_spot_then_a_dropped_link(self, zone: Zone) -> None:
        """The order that matters for sparing: spare a zone, then lose the link (the
        resume rule then checks that the zone is spared again)."""
        self.spare_a_zone(zone, True)
        self.step(self._drop_and_restore())

    async def _drop_and_restore(self) -> None:
        back = asyncio.Event()

        def on_state(change: LinkChanged) -> None:
            if change.state == LinkState.CONNECTED:
                back.set()

        with self.massager.link_changes.subscribe(on_state):
            was_running = self.side.running()
            dropped_at = time.monotonic()
            await self.sim.drop_link()
            if was_running:  # stopped on the device side within the watchdog's deadline
                event("dropped while running")
                await until(lambda: not self.side.running(), LINK_LOSS_STOP_S)
                assert time.monotonic() - dropped_at <= LINK_LOSS_STOP_S
            async with asyncio.timeout(15):
                await back.wait()  # reconnected: caps written and read back first
            assert not self.side.running()  # never resumed by itself

    @precondition(lambda self: self.session.phase in (Phase.CHOOSING, Phase.ENDED))
    @rule(key=st.sampled_from(sorted(ROUTINES)), intensity=st.integers(1, 10))
    def start_session(self, key: str, intensity: int) -> None:
        async def go() -> None:
            self.session.phase = Phase.CHOOSING  # the person skipped the rating after
            state = self.ctx.safety.state
            try:
                self.session.plan_for(ROUTINES[key], self.program_ids[key], intensity)
                sid = await self.session.start(self._rating())
            except SessionNotAllowed:
                event("start refused")
                return  # refused before anything was sent; checked below when it starts
            except CapExceeded:  # even the gentlest level is above the cap
                assert isinstance(self.side, Aa55Side), "Thenar's plans are compiled to the caps"
                event("start refused by the driver")
                assert not self.side.running()
                return
            event("session started")
            assert state.may_start, "a session started that the safety state forbids"
            self.started.append((sid, state.caps))

        self.step(go())

    @precondition(lambda self: self.session.can_resume)
    @rule()
    def resume_after_the_drop(self) -> None:
        """The person resumes after the link came back: the zones spared before the drop
        are spared again at once, confirmed by the device, or the page says they were not
        (and nothing is shown spared that the device did not confirm)."""

        async def go() -> None:
            before = set(self.spared_at)
            state = self.ctx.safety.state
            try:
                sid = await self.session.start(self._rating(), resume=True)
            except SessionNotAllowed:
                event("resume refused")
                return
            except CapExceeded:
                assert isinstance(self.side, Aa55Side), "Thenar's plans are compiled to the caps"
                assert not self.side.running()
                return
            except MassagerError:
                assert not self.session.active  # reported; nothing runs
                return
            event("resumed with zones spared" if before else "resumed")
            assert state.may_start, "a session resumed that the safety state forbids"
            self.started.append((sid, state.caps))
            if set(self.session.spared) == before:
                now = self.device_clock()  # confirmed again now: the air vents from here
                self.spared_at = dict.fromkeys(before, now)
            else:
                assert not self.session.spared
                assert "did not spare" in self.session.message
                self.spared_at.clear()

        self.step(go())

    @precondition(lambda self: self.session.active)
    @rule()
    def pause_or_resume(self) -> None:
        async def go() -> None:
            try:
                if self.session.phase == Phase.PAUSED:
                    await self.session.resume()
                else:
                    await self.session.pause()
            except MassagerError:
                pass  # the device may have just stopped by itself: refused, reported

        self.step(go())

    @precondition(lambda self: self.session.active)
    @rule()
    def stop_session(self) -> None:
        self.step(self.session.stop())

    @precondition(lambda self: self.session.active)
    @rule(zone=st.sampled_from(list(Zone)), spared=st.booleans())
    def spare_a_zone(self, zone: Zone, spared: bool) -> None:
        async def go() -> None:
            try:
                await self.session.spare(zone, spared)
            except MassagerError as exc:
                refused = str(exc)
            else:
                refused = ""
            if refused:  # refused or unanswered: reported, and nothing shown as spared
                refusal = self.session.spare_refusal()
                assert not refusal or refused == refusal
                return
            if spared and zone not in self.spared_at:
                self.spared_at[zone] = self.device_clock()
            elif not spared:
                self.spared_at.pop(zone, None)

        self.step(go())

    @rule(level=st.integers(1, 10))
    def change_intensity(self, level: int) -> None:
        async def go() -> None:
            driver = self.massager.driver
            assert driver is not None
            await driver.set_intensity(level)

        self.step(go())

    @rule(heat_dc=st.sampled_from([0, 300, 350, 380, 400, 420, 450]))
    def change_heat(self, heat_dc: int) -> None:
        async def go() -> None:
            driver = self.massager.driver
            assert driver is not None
            try:
                await driver.set_heat(heat_dc)
            except CapExceeded:
                caps = self.ctx.safety.state.caps
                assert heat_dc > caps.max_heat_dc or driver.warmth_refusal(heat_dc)
            except MassagerError:
                pass  # refused by the device (a fault, a heat-time limit): reported

        self.step(go())

    @rule(seconds=st.sampled_from([0.5, 1.0, 3.0, 10.0]))
    def device_time_passes(self, seconds: float) -> None:
        """Massage time passes as in the app: the device is stepped, heartbeats keep coming."""

        async def go() -> None:
            for _ in range(round(seconds / 0.5)):
                await self.sim.advance(0.5)
                await self.side.keep_talking(self.massager)
            if self.device_clock() - self.lowered_at >= VENT_S:
                self.venting_from = None

        self.step(go())

    def _rating(self) -> Any:
        from data.models import Rating

        return Rating(self.clock.now, 3, 3)

    # --- invariants -------------------------------------------------------------

    @invariant()
    def nothing_above_the_caps(self) -> None:
        """The device holds the caps in force (Thenar's) or is held to them (AA 55)."""
        self.side.check_caps(self.massager, self.ctx.safety.state.caps, self.venting_from)

    @invariant()
    def a_spared_zone_reads_zero_once_acknowledged(self) -> None:
        """What the page shows as spared is what the device confirmed, and it stays empty
        (whatever the caps, intensity or pattern) until given back or the session ends."""
        if not self.session.active:
            if self.session.phase != Phase.INTERRUPTED:  # kept for a resume; else gone
                self.spared_at.clear()  # a new session starts with nothing spared
            return
        if self.spared_at:
            event("a zone spared in a running session")
        assert set(self.spared_at) == set(self.session.spared)
        self.side.check_spared(self.spared_at, self.device_clock())

    @invariant()
    def nothing_runs_for_a_blocked_profile(self) -> None:
        if self.session.active:
            event("a session is running")
        if not self.ctx.safety.state.allowed:
            assert not self.session.active
            assert not self.side.running()

    @invariant()
    def each_session_record_carries_the_caps_in_force(self) -> None:
        if not self.started:
            return
        sid, caps = self.started[-1]
        record = self.run(self.db.run(sessions.get_session, sid))
        assert cap_values(record.caps) == (
            caps.max_pressure_mmhg,
            caps.max_heat_dc,
            caps.max_session_s,
        )


SafetyMachine.TestCase.settings = settings(
    # No explain phase: on Python 3.11 it traces every line and makes the stack ~5x slower.
    phases=[Stage.explicit, Stage.reuse, Stage.generate, Stage.shrink],
    max_examples=EXAMPLES,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestSafetyMachine = SafetyMachine.TestCase
TIMEOUT_S = max(900, EXAMPLES * 3)  # up to ~1 s an example on a loaded machine, and margin
# About 40 s per family for 100 examples on an idle machine; the suite-wide 180 s guard
# is too tight on a busy CI.
TestSafetyMachine.pytestmark = [pytest.mark.slow, pytest.mark.timeout(TIMEOUT_S)]


class Aa55SafetyMachine(SafetyMachine):
    """The same life with a consumer massager that protects nothing by itself."""

    FAMILY = Aa55Side


Aa55SafetyMachine.TestCase.settings = SafetyMachine.TestCase.settings
TestAa55SafetyMachine = Aa55SafetyMachine.TestCase
TestAa55SafetyMachine.pytestmark = [pytest.mark.slow, pytest.mark.timeout(TIMEOUT_S)]
