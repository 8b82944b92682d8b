"""Sparing a zone in a running session: confirmed by the device, kept in the log, reset
at the next session. Real client, real simulator over the virtual link, real log."""

from __future__ import annotations

import asyncio

import pytest

from appcore.context import AppContext
from appcore.massager import LinkState, Massager
from appcore.session import Phase
from ble import protocol as p
from ble.bumble_bleak.radio import VirtualLink
from ble.errors import MassagerError
from data import devices
from device_sim.peripheral import SimulatedMassager
from massage import Zone
from tests.appcore.test_session import long_session, rating, wait_for_phase


async def test_a_spared_zone_is_confirmed_logged_and_reset_next_session(
    ctx: AppContext, massager: Massager, radio: tuple[VirtualLink, SimulatedMassager]
) -> None:
    _link, sim = radio
    session, sid = await long_session(ctx, massager, sim)
    assert session.spare_refusal() == ""
    changes: list[Phase] = []
    session.subscribe(lambda e: changes.append(e.phase))
    await session.spare(Zone.THUMB_BASE, True)
    await session.spare(Zone.FINGERS, True)
    assert session.spared == {Zone.THUMB_BASE, Zone.FINGERS}
    assert sim.model.spared_mask == 0b1001
    assert changes  # the page hears of it
    await session.spare(Zone.THUMB_BASE, False)  # given back
    assert session.spared == {Zone.FINGERS}
    assert sim.model.spared_mask == 0b1000
    await session.stop()
    await massager.audit_written()
    trail = await ctx.db.run(lambda db: devices.list_commands(db, session_id=sid))
    spares = [(c.params["zones"], c.result) for c in trail if c.command == "spare_zones"]
    assert spares == [
        (["thumb base"], "success"),
        (["thumb base", "fingers"], "success"),
        (["fingers"], "success"),
    ]
    second = await session.start(rating(4, 4))
    assert second != sid
    assert session.spared == frozenset()
    assert sim.model.spared_mask == 0
    await session.stop()


async def test_a_refused_spare_changes_nothing_the_page_shows(
    ctx: AppContext, massager: Massager, radio: tuple[VirtualLink, SimulatedMassager]
) -> None:
    _link, sim = radio
    session, _sid = await long_session(ctx, massager, sim)
    await session.spare(Zone.PALM, True)
    sim.faults.refuse_commands = True
    with pytest.raises(MassagerError):
        await session.spare(Zone.WRIST, True)
    assert session.spared == {Zone.PALM}  # never assumed
    assert sim.model.spared_mask == 1 << Zone.PALM
    sim.faults.refuse_commands = False
    await session.stop()
    with pytest.raises(RuntimeError, match="no session"):
        await session.spare(Zone.PALM, False)
    assert sim.model.state == p.State.STOPPED


async def test_a_resumed_session_keeps_the_zones_spared_before_the_link_dropped(
    ctx: AppContext, massager: Massager, radio: tuple[VirtualLink, SimulatedMassager]
) -> None:
    """The tender spot is still tender after a dropped link: Resume spares it again at
    once (the device starts every session with nothing spared), confirmed and logged."""
    _link, sim = radio
    session, _sid = await long_session(ctx, massager, sim)
    await session.spare(Zone.THUMB_BASE, True)
    await sim.drop_link()
    await wait_for_phase(session, Phase.INTERRUPTED)
    reconnected = asyncio.Event()
    massager.link_changes.subscribe(
        lambda change: change.state == LinkState.CONNECTED and reconnected.set()
    )
    await asyncio.wait_for(reconnected.wait(), 10)
    assert session.can_resume
    second = await session.start(rating(4, 4), resume=True)
    assert sim.model.state == p.State.RUNNING
    assert sim.model.spared_mask == 1 << Zone.THUMB_BASE  # on the device, not just on screen
    assert session.spared == {Zone.THUMB_BASE}
    await session.stop()
    await massager.audit_written()
    trail = await ctx.db.run(lambda db: devices.list_commands(db, session_id=second))
    assert [(c.params["zones"], c.result) for c in trail if c.command == "spare_zones"] == [
        (["thumb base"], "success")
    ]
    third = await session.start(rating(4, 4))  # a new session (not a resume) spares nothing
    assert third != second
    assert session.spared == frozenset()
    assert sim.model.spared_mask == 0
    await session.stop()
