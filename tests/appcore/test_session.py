"""A whole session through the app's core: real client, real simulator, real log."""

from __future__ import annotations

import asyncio

from appcore.context import AppContext
from appcore.massager import LinkChanged, LinkState, Massager
from appcore.programs import ensure_routines
from appcore.session import Phase, SessionController
from ble import protocol as p
from ble.backends import on_link
from ble.bumble_bleak.radio import VirtualLink
from ble.client import EventKind
from data import devices, ratings, sessions, telemetry
from data.models import Outcome, Rating, RatingKind
from device_sim.peripheral import SimulatedMassager
from tests.appcore.conftest import NOW
from tests.appcore.helpers import massage_time, thenar_client
from therapy import BlockSpec, CustomProgram, Technique

QUICK = CustomProgram("Quick wave", (BlockSpec(Technique.EFFLEURAGE, 4),))
LONG = CustomProgram("Long wave", (BlockSpec(Technique.EFFLEURAGE, 120),))


def rating(pain: int, stiffness: int) -> Rating:
    return Rating(NOW, pain, stiffness)  # the ctx fixture's clock


async def wait_for_phase(session: SessionController, *phases: Phase, timeout: float = 15) -> None:
    changed = asyncio.Event()
    subscription = session.subscribe(lambda _e: changed.set())
    try:
        async with asyncio.timeout(timeout):
            while session.phase not in phases:
                changed.clear()
                await changed.wait()
    finally:
        subscription.close()


async def connected(massager: Massager, sim: SimulatedMassager, ctx: AppContext) -> None:
    found = await massager.scan()
    assert [m.address for m in found] == [sim.identity.address]
    assert ctx.profile is not None
    await massager.connect(found[0].address, found[0].name, pair=True)
    assert massager.state == LinkState.CONNECTED


async def long_session(
    ctx: AppContext, massager: Massager, sim: SimulatedMassager
) -> tuple[SessionController, int]:
    """Connected, and a two-minute session running."""
    await connected(massager, sim, ctx)
    session = SessionController(massager)
    program_ids = await ctx.db.run(ensure_routines)
    assert ctx.profile is not None
    session.plan_for(LONG, next(iter(program_ids.values())), 5, ctx.profile)
    return session, await session.start(rating(4, 4))


async def test_session_runs_and_is_logged(
    ctx: AppContext, manual_radio: tuple[VirtualLink, SimulatedMassager]
) -> None:
    link, sim = manual_radio
    massager = Massager(ctx, on_link(link))
    try:
        await session_runs_and_is_logged(ctx, massager, sim)
    finally:
        await massager.close()


async def session_runs_and_is_logged(
    ctx: AppContext, massager: Massager, sim: SimulatedMassager
) -> None:
    await connected(massager, sim, ctx)
    assert ctx.settings.pinned_address == sim.identity.address
    program_ids = await ctx.db.run(ensure_routines)
    session = SessionController(massager)
    assert ctx.profile is not None
    plan = session.plan_for(QUICK, next(iter(program_ids.values())), 6, ctx.profile)
    peak_cap = ctx.profile.device_limits().max_pressure_mmhg
    assert all(max(s.pressures_mmhg) <= peak_cap for s in plan.compiled.plan.steps)
    sid = await session.start(rating(5, 6))
    await massage_time(massager, sim, 4.5)  # four seconds of device time, in milliseconds
    await wait_for_phase(session, Phase.ENDED)
    assert "complete" in session.message
    await session.rate_after(rating(3, 4))

    record = await ctx.db.run(sessions.get_session, sid)
    assert record.outcome == Outcome.COMPLETED
    assert record.stop_reason == "completed"
    given = await ctx.db.run(ratings.session_ratings, sid)
    assert (given[RatingKind.BEFORE].rating.pain, given[RatingKind.AFTER].rating.pain) == (5, 3)
    samples = await ctx.db.run(telemetry.read_telemetry, sid)
    assert len(samples) >= 4  # at least one status a second
    assert max(max(s.pressures_mmhg) for s in samples) <= peak_cap
    trail = [
        c.command for c in await ctx.db.run(lambda db: devices.list_commands(db, session_id=sid))
    ]
    assert trail[:2] == ["upload_program", "start_program"]


async def test_stop_is_acknowledged_and_logged(
    ctx: AppContext, massager: Massager, radio: tuple[VirtualLink, SimulatedMassager]
) -> None:
    _link, sim = radio
    session, sid = await long_session(ctx, massager, sim)
    await session.stop()
    assert session.phase == Phase.ENDED
    assert sim.model.state == p.State.STOPPED
    assert sim.model.stop_reason == p.StopReason.USER
    record = await ctx.db.run(sessions.get_session, sid)
    assert record.outcome == Outcome.STOPPED_BY_USER


async def test_lost_link_interrupts_and_offers_resume(
    ctx: AppContext, massager: Massager, radio: tuple[VirtualLink, SimulatedMassager]
) -> None:
    _link, sim = radio
    session, sid = await long_session(ctx, massager, sim)
    await sim.drop_link()
    await wait_for_phase(session, Phase.INTERRUPTED)
    assert "lost" in session.message
    reconnected = asyncio.Event()
    massager.link_changes.subscribe(
        lambda change: change.state == LinkState.CONNECTED and reconnected.set()
    )
    await asyncio.wait_for(reconnected.wait(), 10)
    assert session.can_resume
    assert sim.model.state == p.State.STOPPED  # never resumed by itself
    record = await ctx.db.run(sessions.get_session, sid)
    assert record.outcome == Outcome.INTERRUPTED_LINK
    second = await session.start(rating(4, 4), resume=True)
    assert second != sid
    assert sim.model.state == p.State.RUNNING
    await session.stop()


def is_subsequence(wanted: list[str], seen: list[str]) -> bool:
    it = iter(seen)
    return all(any(w == s for s in it) for w in wanted)


async def test_the_audit_trail_of_a_whole_session_reads_back_in_order(
    ctx: AppContext, massager: Massager, radio: tuple[VirtualLink, SimulatedMassager]
) -> None:
    """Issue 11, item 6: connects, caps, commands with ids, link loss, reconnect, stop."""
    _link, sim = radio
    _session, sid = await long_session(ctx, massager, sim)
    client = thenar_client(massager)
    await client.set_intensity(7)
    events = client.events()
    await sim.drop_link()
    async with asyncio.timeout(15):
        async for event in events:
            if event.kind is EventKind.RECONNECTED:
                break
    await client.stop()
    await massager.audit_written()
    trail = await ctx.db.run(devices.list_commands)
    names = [c.command for c in trail]
    wanted = [
        "request_control",
        "limits",
        "connected",
        "upload_program",
        "start_program",
        "set_intensity",
        "link_lost",
        "request_control",
        "limits",
        "reconnected",
        "stop",
    ]
    assert is_subsequence(wanted, names), names
    limits = next(c for c in trail if c.command == "limits")
    assert limits.params["read_back"] == limits.params["written"]  # the values read back
    start = next(c for c in trail if c.command == "start_program")
    assert start.session_id == sid
    assert isinstance(start.params["id"], int)  # the request id the device echoed
    assert start.result == "success"
    intensity = next(c for c in trail if c.command == "set_intensity")
    assert intensity.params["level"] == 7
    assert [c.at for c in trail] == sorted(c.at for c in trail)
    assert all(c.command != "heartbeat" or c.result != "success" for c in trail)


async def test_a_session_not_rated_stores_no_rating(
    ctx: AppContext, massager: Massager, radio: tuple[VirtualLink, SimulatedMassager]
) -> None:
    """None is "not rated": no made-up 0/0 before or after the session."""
    _link, sim = radio
    await connected(massager, sim, ctx)
    program_ids = await ctx.db.run(ensure_routines)
    session = SessionController(massager)
    assert ctx.profile is not None
    session.plan_for(LONG, next(iter(program_ids.values())), 5, ctx.profile)
    sid = await session.start(None)
    await session.stop()
    assert session.phase == Phase.ENDED
    await session.rate_after(None)
    assert session.phase == Phase.CHOOSING
    given = await ctx.db.run(ratings.session_ratings, sid)
    assert RatingKind.BEFORE not in given
    assert RatingKind.AFTER not in given


async def test_start_pressed_at_the_first_connected_event_runs(
    ctx: AppContext, massager: Massager, radio: tuple[VirtualLink, SimulatedMassager]
) -> None:
    """"Connected" is said only once the massager is in the log: a Start pressed the
    moment the header says so runs (it used to fail with "no paired device")."""
    _link, sim = radio
    session = SessionController(massager)
    program_ids = await ctx.db.run(ensure_routines)
    assert ctx.profile is not None
    session.plan_for(QUICK, next(iter(program_ids.values())), 5, ctx.profile)
    started: list[asyncio.Task[int]] = []
    usable: list[bool] = []

    def press_start(change: LinkChanged) -> None:
        if change.state is LinkState.CONNECTED and not started:
            usable.append(massager.is_connected)  # the page enables Start on this
            started.append(asyncio.get_running_loop().create_task(session.start(None)))

    with massager.link_changes.subscribe(press_start):
        found = await massager.scan()
        await massager.connect(found[0].address, found[0].name, pair=True)
        assert started, "never said connected"
        sid = await started[0]
    assert usable == [True]
    assert sim.model.state == p.State.RUNNING
    record = await ctx.db.run(sessions.get_session, sid)
    assert record.device_id == sim.identity.address
    await session.stop()
