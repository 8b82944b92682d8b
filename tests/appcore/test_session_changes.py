"""What the person changed during a session reaches the exports: gentler or firmer,
warmth, spared zones, driven through the Session controller on the simulated massagers
(Thenar's and the consumer family), audited by their drivers into a real log file, then
read back by the sessions CSV, the FHIR bundle and the clinician's report."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

import pytest
from fhir.resources.R4B.bundle import Bundle

from appcore.context import AppContext
from appcore.massager import Massager
from appcore.programs import ensure_routines
from appcore.progress import Span
from appcore.report import load_report
from appcore.session import SessionController
from ble.bumble_bleak.radio import VirtualLink
from ble.errors import MassagerError
from data import devices, fhir
from data.export import sessions_csv
from data.session_changes import session_changes
from device_sim.aa55_peripheral import SimulatedAa55
from device_sim.peripheral import SimulatedMassager
from massage import Zone
from tests.appcore.conftest import NOW
from tests.appcore.test_session import LONG, long_session, rating


async def test_confirmed_changes_reach_the_csv_fhir_and_report_refused_ones_do_not(
    ctx: AppContext, massager: Massager, radio: tuple[VirtualLink, SimulatedMassager]
) -> None:
    _link, sim = radio
    session, sid = await long_session(ctx, massager, sim)
    await session.set_level(8)  # gentler, twice
    await session.set_level(6)
    await session.spare(Zone.THUMB_BASE, True)
    await session.spare(Zone.WRIST, True)
    await session.set_warmth(False)
    sim.faults.refuse_commands = True  # the device answers "no" to what follows
    with pytest.raises(MassagerError):
        await session.spare(Zone.PALM, True)
    with pytest.raises(MassagerError):
        await session.set_level(4)
    sim.faults.refuse_commands = False
    await session.spare(Zone.WRIST, False)  # given back
    await session.stop()
    quiet = await session.start(rating(4, 4))  # the next session changes nothing
    await session.stop()
    await massager.audit_written()

    trail = await ctx.db.run(lambda db: devices.list_commands(db, session_id=sid))
    live = [(c.command, c.result) for c in trail if c.command.startswith(("set_", "spare_"))]
    assert [c for c in live if c[1] != "success"] == [  # in the trail, as refused
        ("spare_zones", "operation_failed"),
        ("set_intensity", "operation_failed"),
    ]
    found = await ctx.db.run(session_changes)
    changes = found[sid]
    assert changes.levels == (10, 8, 6)  # never 4: refused
    assert changes.warmth == (False,)
    assert changes.spared_at_end == {Zone.THUMB_BASE}
    assert changes.spared_any_time == {Zone.THUMB_BASE, Zone.WRIST}  # never the palm
    assert session.spared == frozenset()  # the second session started with none
    assert found[quiet].changes == ()
    # The device's audit clock is the real one, the session's the test's fixed NOW: the
    # times disagree, so the words say what changed without a minute.
    words = (
        "pressure lowered from level 10 to 8; pressure lowered from level 8 to 6; "
        "thumb base spared; wrist spared; warmth turned off; wrist given back"
    )
    assert changes.summary() == words

    rows = {r["session_id"]: r for r in csv.DictReader(io.StringIO(await ctx.db.run(sessions_csv)))}
    assert [rows[str(sid)][c] for c in list(rows[str(sid)])[-4:]] == [
        "10; 8; 6",
        "off",
        "thumb base",
        "thumb base; wrist",
    ]
    assert [rows[str(quiet)][c] for c in list(rows[str(quiet)])[-4:]] == ["", "", "", ""]

    bundle = await ctx.db.run(lambda db: fhir.fhir_bundle(db, now=NOW))
    Bundle.model_validate(bundle)
    procedures = {
        e["resource"]["identifier"][0]["value"]: [n["text"] for n in e["resource"]["note"]]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Procedure"
    }
    assert f"During the session: {words}." in procedures[str(sid)]
    assert not any("During the session" in n for n in procedures[str(quiet)])

    report = await ctx.db.run(load_report, Span.WEEKS_4, NOW.date(), "", str)
    assert [row.changes for row in report.sessions] == [words, ""]


@pytest.fixture
async def palma(radio: tuple[VirtualLink, SimulatedMassager]) -> AsyncIterator[SimulatedAa55]:
    """A consumer-family massager on the same radio (it squeezes all zones together)."""
    link, _thenar = radio
    async with SimulatedAa55(link) as sim:
        yield sim


async def test_the_consumer_family_refuses_to_spare_and_nothing_shows_spared(
    ctx: AppContext, massager: Massager, palma: SimulatedAa55
) -> None:
    await massager.connect(palma.identity.address, palma.identity.name, pair=True)
    session = SessionController(massager)
    program_ids = await ctx.db.run(ensure_routines)
    session.plan_for(LONG, next(iter(program_ids.values())), 5)
    sid = await session.start(rating(4, 4))
    assert session.spare_refusal() != ""
    driver = massager.driver
    assert driver is not None
    with pytest.raises(MassagerError):  # what a resume would send: refused, and audited
        await driver.spare_zones({Zone.THUMB_BASE})
    await session.set_level(7)
    await session.stop()
    await massager.audit_written()
    trail = await ctx.db.run(lambda db: devices.list_commands(db, session_id=sid))
    assert [(c.params, c.result) for c in trail if c.command == "spare_zones"] == [
        ({"zones": [int(Zone.THUMB_BASE)]}, "refused")
    ]
    changes = (await ctx.db.run(session_changes, [sid]))[sid]
    assert changes.spared_any_time == frozenset()
    assert changes.levels == (10, 7)
