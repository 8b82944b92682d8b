"""Issue 10: one owner of the safety state, and the device holding its caps through every change.

Real stack: the simulator over GATT on a virtual radio, the real client and
`Massager`, the real log in tmp; the app's clock is a settable one so a test can
cross midnight.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from appcore.context import AppContext
from appcore.db_worker import DbWorker
from appcore.massager import LinkState, Massager
from appcore.programs import ensure_routines
from appcore.records import cap_values
from appcore.safety import LOCKED_CAPS, SafetyChange, SafetyChanged
from appcore.session import Phase, SessionController
from appcore.settings import Settings
from ble import protocol as p
from ble.backends import on_link
from ble.bumble_bleak.radio import VirtualLink
from ble.client import EventKind
from ble.errors import CapExceeded
from data import checkins, sessions
from data.models import Outcome, Rating
from device_sim.peripheral import SimulatedMassager
from massage import Limits
from tests.appcore.conftest import CLEAR_ANSWERS
from tests.appcore.helpers import thenar_client
from tests.appcore.test_session import wait_for_phase
from therapy import (
    ROUTINES,
    BlockSpec,
    CheckIn,
    CustomProgram,
    SessionNotAllowed,
    Technique,
    Verdict,
)

WARM = CustomProgram("Warm glide", (BlockSpec(Technique.EFFLEURAGE, 120, heat_c=40),))


class Clock:
    """The app's wall clock, moved by the test."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, delta: dt.timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.datetime(2026, 11, 26, 9, 0).astimezone())


@pytest.fixture
async def ctx(tmp_path: Path, clock: Clock) -> AsyncIterator[AppContext]:
    worker = DbWorker(tmp_path / "data")
    await worker.open()
    yield AppContext(Settings(), tmp_path / "settings.json", worker, now=clock)
    await worker.close()


def answers(**changes: str) -> dict[str, str]:
    return {**CLEAR_ANSWERS, **changes}


def rating() -> Rating:
    return Rating(dt.datetime.now().astimezone(), 3, 3)


async def connect(massager: Massager, sim: SimulatedMassager) -> None:
    found = await massager.scan()
    await massager.connect(found[0].address, found[0].name, pair=True)
    assert massager.state == LinkState.CONNECTED


async def warm_plan(ctx: AppContext, massager: Massager, intensity: int) -> SessionController:
    """A session controller with the warm glide planned, not started."""
    session = SessionController(massager)
    program_ids = await ctx.db.run(ensure_routines)
    session.plan_for(WARM, next(iter(program_ids.values())), intensity)
    return session


async def settled_caps(massager: Massager) -> Limits:
    await massager.settled()
    client = thenar_client(massager)
    return client.caps


async def test_state_events_are_typed_and_subscribers_can_leave(ctx: AppContext) -> None:
    seen: list[SafetyChanged] = []
    sub = ctx.safety.subscribe(seen.append)
    await ctx.safety.save_screening(answers())
    await ctx.safety.check_in(CheckIn(ctx.today(), flare=True))
    assert [e.change for e in seen] == [SafetyChange.SCREENED, SafetyChange.CHECKED_IN]
    assert seen[1].caps_lowered
    assert seen[1].after.caps.max_heat_dc == 0
    sub.close()
    await ctx.safety.check_in(CheckIn(ctx.today()))
    assert len(seen) == 2


async def test_item1_checkin_never_hides_a_newer_blocking_screening(
    ctx: AppContext, radio: tuple[VirtualLink, SimulatedMassager]
) -> None:
    link, sim = radio
    massager = Massager(ctx, on_link(link))
    try:
        await ctx.safety.save_screening(answers())
        await ctx.safety.check_in(CheckIn(ctx.today()))
        assert ctx.safety.state.may_start
        await connect(massager, sim)
        session = await warm_plan(ctx, massager, 5)

        await ctx.safety.save_screening(answers(skin="yes"))  # active eczema: blocks
        state = ctx.safety.state
        assert state.profile is not None
        assert state.profile.verdict is Verdict.BLOCKED
        assert not state.checked_in  # the check-in was under the old screening
        assert ctx.profile is state.profile or ctx.profile == state.profile
        assert await settled_caps(massager) == LOCKED_CAPS
        assert sim.model.limits == LOCKED_CAPS
        with pytest.raises(SessionNotAllowed, match="skin"):
            await session.start(rating())
        assert sim.model.state == p.State.IDLE
        assert max(sim.model.status().pressures_mmhg) == 0
    finally:
        await massager.close()


async def test_item1_checkin_expires_at_midnight(ctx: AppContext, clock: Clock) -> None:
    await ctx.safety.save_screening(answers(arthritis="yes"))
    await ctx.safety.check_in(CheckIn(ctx.today(), flare=True))
    assert ctx.safety.state.checked_in
    assert ctx.profile is not None
    assert ctx.profile.heat_off
    clock.now = clock.now.replace(hour=23, minute=59, second=59)
    assert ctx.safety.state.checked_in
    clock.advance(dt.timedelta(seconds=2))  # past the person's midnight
    state = ctx.safety.state  # read before any reload: never yesterday's check-in
    assert not state.checked_in
    assert not state.may_start
    assert "check-in" in state.why_not()
    assert await ctx.safety.check_day()
    assert not ctx.safety.state.checked_in
    assert not await ctx.safety.check_day()


async def test_item2_reconnect_keeps_the_tighter_caps_and_a_clearance_raises_at_once(
    ctx: AppContext, radio: tuple[VirtualLink, SimulatedMassager]
) -> None:
    link, sim = radio
    massager = Massager(ctx, on_link(link))
    try:
        await ctx.safety.save_screening(answers(arthritis="yes"))
        await ctx.safety.check_in(CheckIn(ctx.today()))
        await connect(massager, sim)
        assert sim.model.limits == Limits(50, 420, 900)
        await ctx.safety.check_in(CheckIn(ctx.today(), flare=True))  # 30 mmHg, heat off
        tight = ctx.safety.state.caps
        assert (tight.max_pressure_mmhg, tight.max_heat_dc) == (30, 0)
        assert await settled_caps(massager) == tight
        assert sim.model.limits == tight

        client = thenar_client(massager)
        events = client.events()
        await sim.drop_link()
        async with asyncio.timeout(15):
            async for event in events:
                if event.kind is EventKind.RECONNECTED:
                    break
        assert sim.model.limits == tight
        with pytest.raises(CapExceeded):
            await client.set_heat(400)

        # The reverse: a clearance that raises the caps works without reconnecting.
        await ctx.safety.save_screening(answers(blood_thinners="yes"))
        assert sim.model.limits == LOCKED_CAPS or await settled_caps(massager) == LOCKED_CAPS
        await ctx.safety.record_clearance("blood_thinners", ctx.today(), "Dr Ada Lovelace")
        await ctx.safety.check_in(CheckIn(ctx.today()))
        raised = ctx.safety.state.caps
        assert raised.max_pressure_mmhg == 30
        assert raised.max_heat_dc > 0
        assert await settled_caps(massager) == raised
        assert sim.model.limits == raised
        await client.set_heat(raised.max_heat_dc)
    finally:
        await massager.close()


async def test_item3_flare_caps_reach_the_device_and_the_session_record(
    ctx: AppContext, radio: tuple[VirtualLink, SimulatedMassager]
) -> None:
    link, sim = radio
    massager = Massager(ctx, on_link(link))
    try:
        await ctx.safety.save_screening(answers(arthritis="yes"))
        await ctx.safety.check_in(CheckIn(ctx.today(), flare=True))
        await connect(massager, sim)
        caps = ctx.safety.state.caps
        assert (caps.max_pressure_mmhg, caps.max_heat_dc) == (30, 0)
        assert sim.model.limits == caps  # all three layers, not only the compiler
        assert thenar_client(massager) is not None
        assert thenar_client(massager).caps == caps
        session = SessionController(massager)
        program_ids = await ctx.db.run(ensure_routines)
        plan = session.plan_for(ROUTINES["arthritis_morning"], program_ids["arthritis_morning"], 10)
        techniques = {b.technique for b in plan.spec.blocks}
        assert Technique.PETRISSAGE in techniques  # the routine has kneading...
        run = {g.technique for g in plan.compiled.guidance}
        assert Technique.PETRISSAGE not in run  # ...which a flare day leaves out
        assert all(s.heat_dc == 0 for s in plan.compiled.plan.steps)  # and the heat
        sid = await session.start(rating())
        record = await ctx.db.run(sessions.get_session, sid)
        assert cap_values(record.caps)[:2] == (30, 0)
        assert record.caps["max_pressure_mmhg"]["rule"].startswith("checkin.")  # and why
        assert record.caps["checked_in_at"] is not None
        await session.stop()
    finally:
        await massager.close()


async def test_item4_checkin_is_saved_and_required(
    ctx: AppContext, radio: tuple[VirtualLink, SimulatedMassager]
) -> None:
    link, sim = radio
    massager = Massager(ctx, on_link(link))
    try:
        await ctx.safety.save_screening(answers())
        await connect(massager, sim)
        session = await warm_plan(ctx, massager, 5)
        with pytest.raises(SessionNotAllowed, match="check-in"):
            await session.start(rating())
        assert sim.model.program is None  # nothing was sent
        await ctx.safety.check_in(CheckIn(ctx.today(), tingling=True, discomfort=6))
        stored = await ctx.db.run(checkins.list_checkins)
        assert len(stored) == 1
        assert stored[0].discomfort == 6
        assert stored[0].answers["tingling"] == "yes"
        assert stored[0].local_date == ctx.today()
        assert stored[0].caps["max_heat_dc"]["value"] == 0  # tingling turns heat off today
        await session.start(rating())
        await session.stop()
    finally:
        await massager.close()


async def test_lowering_mid_session_holds_at_once_and_says_so(
    ctx: AppContext, radio: tuple[VirtualLink, SimulatedMassager]
) -> None:
    link, sim = radio
    massager = Massager(ctx, on_link(link))
    try:
        await ctx.safety.save_screening(answers(arthritis="yes"))
        await ctx.safety.check_in(CheckIn(ctx.today()))
        await connect(massager, sim)
        session = await warm_plan(ctx, massager, 10)
        await session.start(rating())
        await ctx.safety.check_in(CheckIn(ctx.today(), flare=True))
        assert await settled_caps(massager) == ctx.safety.state.caps
        assert sim.model.limits.max_heat_dc == 0
        assert sim.model.status().heat_setpoint_dc == 0
        assert session.phase == Phase.RUNNING
        assert "Your limits changed during the session" in session.message
        assert "warmth off" in session.message

        # A change that blocks stops the session.
        await ctx.safety.check_in(CheckIn(ctx.today(), broken_skin=True))
        await wait_for_phase(session, Phase.ENDED)
        assert sim.model.state == p.State.STOPPED
        assert "stopped" in session.message
        assert session.session_id is not None
        record = await ctx.db.run(sessions.get_session, session.session_id)
        assert record.outcome == Outcome.STOPPED_BY_USER
        assert record.stop_reason == "limits_changed"
    finally:
        await massager.close()


async def test_midnight_does_not_loosen_a_running_session(
    ctx: AppContext, clock: Clock, radio: tuple[VirtualLink, SimulatedMassager]
) -> None:
    """Yesterday's flare check-in expires at midnight; a session still running keeps its caps."""
    link, sim = radio
    massager = Massager(ctx, on_link(link))
    try:
        clock.now = clock.now.replace(hour=23, minute=58)
        await ctx.safety.save_screening(answers(arthritis="yes"))
        await ctx.safety.check_in(CheckIn(ctx.today(), flare=True))
        await connect(massager, sim)
        session = await warm_plan(ctx, massager, 5)
        await session.start(rating())
        flare_caps = ctx.safety.state.caps
        clock.advance(dt.timedelta(minutes=3))
        assert await ctx.safety.check_day()
        assert ctx.safety.state.caps != flare_caps  # the screening's caps again...
        await massager.settled()
        assert sim.model.limits == flare_caps  # ...but not for the session already running
        await session.stop()
        await massager.settled()
        assert sim.model.limits == ctx.safety.state.caps  # after it, the caps in force
    finally:
        await massager.close()


async def test_stored_checkin_survives_a_restart(ctx: AppContext, tmp_path: Path) -> None:
    await ctx.safety.save_screening(answers(arthritis="yes"))
    await ctx.safety.check_in(CheckIn(ctx.today(), flare=True, discomfort=5))
    again = AppContext(Settings(), tmp_path / "settings.json", ctx.db, now=ctx.now)
    state = await again.safety.load()
    assert state.checked_in
    assert state.checkin is not None
    assert state.checkin.checkin.flare
    assert state.caps == ctx.safety.state.caps


async def test_nonsense_is_refused_with_words(ctx: AppContext) -> None:
    from therapy import ScreeningError

    with pytest.raises(ScreeningError):
        await ctx.safety.save_screening({"skin": "perhaps"})
    with pytest.raises(ValueError, match="safety questions"):
        await ctx.safety.check_in(CheckIn(ctx.today()))
    await ctx.safety.save_screening(answers())
    with pytest.raises(ValueError, match="day"):
        await ctx.safety.check_in(CheckIn(ctx.today() - dt.timedelta(days=1)))
    assert not ctx.safety.state.checked_in
