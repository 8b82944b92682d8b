"""Issue 15 on the Device page: both device families in range, through the real window.

Before any session the page says plainly what the picked massager protects by itself
and what it lacks; a device Thenar cannot run sessions on is listed apart, and a
capture of it is saved with nothing written to it (the simulators count writes).
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from appcore.massager import LinkState
from appcore.session import Phase
from appcore.settings import Settings, load_settings
from ble import aa55
from ble import protocol as p
from ble.backends import on_link
from ble.bumble_bleak.radio import VirtualLink
from data import devices, sessions
from data.models import Outcome
from desktop.app import Thenar, build
from desktop.device_view import DevicePage
from desktop.session_view import SessionPage
from device_sim.aa55_model import StopCause
from device_sim.aa55_peripheral import Aa55Identity, SimulatedAa55
from device_sim.peripheral import SimulatedMassager
from drivers import registry
from drivers.description import load_descriptions
from massage import ZONE_COUNT, Pattern
from tests.appcore.conftest import CLEAR_ANSWERS
from tests.appcore.helpers import thenar_client
from tests.appcore.test_session import LONG, QUICK, wait_for_phase
from tests.desktop.helpers import answer_checkin, shot, until
from therapy import CheckIn


async def test_the_page_names_missing_protections_and_captures_without_writing(
    qtbot: QtBot, isolated_home: Path, screenshot_dir: Path
) -> None:
    link = VirtualLink()
    unknown = Aa55Identity("F0:7E:4A:00:77:01", "Mystery", b"ZZ")  # no description matches
    async with (
        SimulatedMassager(link) as thenar,
        SimulatedAa55(link) as palma,
        SimulatedAa55(link, unknown) as mystery,
    ):
        qapp = QApplication.instance()
        assert isinstance(qapp, QApplication)
        settings = Settings(data_folder=str(isolated_home / "data"))
        app = await build(qapp, settings, isolated_home / "s.json", backends=on_link(link))
        try:
            app.window.resize(1024, 760)
            app.window.show()
            app.window.show_page_of(DevicePage)
            page = app.window.page(DevicePage)
            assert isinstance(page, DevicePage)
            found = await page.scan()
            assert {m.address for m in found} == {thenar.identity.address, palma.identity.address}
            rows = [page.found.item(i).text() for i in range(page.found.count())]
            pick = {
                addr: next(i for i, row in enumerate(rows) if addr in row)
                for addr in (thenar.identity.address, palma.identity.address)
            }
            page.found.setCurrentRow(pick[thenar.identity.address])
            assert "keeps to your limits by itself" in page.protections.text()
            page.found.setCurrentRow(pick[palma.identity.address])
            words = page.protections.text()
            assert "Palma P5 lacks some protections" in words
            assert "keeps running if the connection drops" in words
            assert "buttons on the massager can go higher" in words
            assert page.others.isVisible()
            assert page.others.count() == 1
            assert "Mystery" in page.others.item(0).text()
            assert "not a massager Thenar knows" in page.others.item(0).text()
            page.others.setCurrentRow(0)
            assert "save a capture" in page.protections.text()
            await shot(app.window, screenshot_dir, "device_other_families")
            assert page.capture_button.isEnabled()
            qtbot.mouseClick(page.capture_button, Qt.MouseButton.LeftButton)
            await until(lambda: "Saved to" in page.message.text(), timeout=15)
            (path,) = (isolated_home / "data" / "captures").glob("capture-*.json")
            dump = json.loads(path.read_text(encoding="utf-8"))
            assert dump["advertisement"]["local_name"] == "Mystery"
            assert mystery.writes == 0  # nothing written to the captured device
            assert palma.writes == 0  # nor to those nobody connected to
            assert thenar.writes == 0
        finally:
            if not app.quit_event.is_set():
                await app.shutdown()


# --- the app's link flows on both families ----------------------------------------------

DESCRIPTION = next(d for d in load_descriptions() if d.key == "palma-p5")
WATCHDOG_S = 2.0  # Thenar's own profile stops within its 2 s watchdog (docs/gatt-profile.md)
DEMO = p.Program(7, (p.ProgramStep(600, Pattern.HOLD, 0, (20,) * ZONE_COUNT),))


class Family:
    """One simulated family, and how the flows see its device from the outside."""

    def __init__(self, name: str, link: VirtualLink) -> None:
        self.name = name
        self.sim: SimulatedMassager | SimulatedAa55 = (
            SimulatedMassager(link) if name == "thenar" else SimulatedAa55(link)
        )

    @property
    def address(self) -> str:
        return self.sim.identity.address

    async def make_it_run(self, app: Thenar) -> None:
        if isinstance(self.sim, SimulatedMassager):
            client = thenar_client(app.massager)
            await client.upload_program(DEMO)
            await client.start(DEMO.program_id)
        else:  # this family runs from its own power button; Thenar must still stop it
            self.sim.firmware.receive(bytes(aa55.power(True)))
            self.sim.firmware.receive(bytes(aa55.level(5)))

    def running(self) -> bool:
        if isinstance(self.sim, SimulatedMassager):
            return self.sim.model.state == p.State.RUNNING
        return self.sim.firmware.running

    def level(self) -> int:
        """How firm, on the device's own scale (Thenar's: the intensity in tenths)."""
        if isinstance(self.sim, SimulatedMassager):
            return self.sim.model.intensity
        return self.sim.firmware.level

    def warm(self) -> bool:
        if isinstance(self.sim, SimulatedMassager):
            return self.sim.model.status().heat_setpoint_dc > 0
        return self.sim.firmware.heat_on

    def stopped_by_thenar_or_itself(self) -> bool:
        if isinstance(self.sim, SimulatedMassager):
            return self.sim.model.state in (p.State.STOPPED, p.State.IDLE)
        return self.sim.firmware.stop_cause is StopCause.POWER_OFF


@contextlib.asynccontextmanager
async def family_app(home: Path, family: str) -> AsyncIterator[tuple[Thenar, Family]]:
    """The whole app on a virtual radio with one simulated massager of `family`."""
    link = VirtualLink()
    fam = Family(family, link)
    await fam.sim.start()
    qapp = QApplication.instance()
    assert isinstance(qapp, QApplication)
    settings = Settings(data_folder=str(home / "data"))
    app = await build(qapp, settings, home / "s.json", backends=on_link(link))
    try:
        yield app, fam
    finally:
        if not app.quit_event.is_set():
            await app.shutdown()
        await fam.sim.stop()


async def screened_and_connected(app: Thenar, fam: Family) -> None:
    await app.ctx.safety.save_screening(dict(CLEAR_ANSWERS))
    await app.massager.scan()
    await app.massager.connect(fam.address, "massager", pair=True)
    await app.massager.settled()


def massage_page(app: Thenar) -> SessionPage:
    app.window.show()
    app.window.show_page_of(SessionPage)
    page = app.window.page(SessionPage)
    assert isinstance(page, SessionPage)
    return page


@pytest.mark.parametrize("family", ["thenar", "aa55"])
async def test_connect_link_loss_reconnect_and_close_on_both_families(
    qtbot: QtBot, isolated_home: Path, family: str
) -> None:
    async with family_app(isolated_home, family) as (app, fam):
        await app.ctx.safety.save_screening(dict(CLEAR_ANSWERS))  # screened: caps in force
        await app.ctx.safety.check_in(CheckIn(app.ctx.today()))
        app.window.show()
        app.window.show_page_of(DevicePage)
        page = app.window.page(DevicePage)
        assert isinstance(page, DevicePage)
        (found,) = await page.scan()
        assert found.address == fam.address
        page.found.setCurrentRow(0)
        words = page.protections.text()  # said before any session
        if family == "aa55":
            assert "takes no pairing" in page.found.item(0).text()
            assert page.connect_button.text() == "Connect"
            assert "keeps running if the connection drops" in words
        else:
            assert page.connect_button.text() == "Pair and connect"
            assert "keeps to your limits by itself" in words
        qtbot.mouseClick(page.connect_button, Qt.MouseButton.LeftButton)
        # Connected, and the page's connect finished (device information read, caps synced).
        await until(
            lambda: app.massager.state == LinkState.CONNECTED and page.connect_button.isEnabled(),
            timeout=10,
        )
        await app.massager.settled()
        assert app.ctx.settings.pinned_address == fam.address

        # Link loss while it runs: stopped on the device side within the watchdog deadline.
        await fam.make_it_run(app)
        assert fam.running()
        states: list[LinkState] = []
        app.massager.link_changes.subscribe(lambda change: states.append(change.state))
        dropped_at = time.monotonic()
        await fam.sim.drop_link()
        await until(lambda: not fam.running(), timeout=WATCHDOG_S)
        assert time.monotonic() - dropped_at <= WATCHDOG_S
        await until(lambda: states[-2:] == [LinkState.RECONNECTING, LinkState.CONNECTED], 10)
        assert not fam.running()  # never resumed by itself
        if isinstance(fam.sim, SimulatedAa55):
            stopped_at = fam.sim.firmware.stopped_at
            assert stopped_at is not None
            assert stopped_at - dropped_at <= WATCHDOG_S  # the device's own clock says so

        # Close: the app stops it before it goes, and the device confirms.
        await fam.make_it_run(app)
        assert fam.running()
        await app.shutdown()
        assert not fam.running()
        assert fam.stopped_by_thenar_or_itself()


@pytest.mark.parametrize("family", ["thenar", "aa55"])
async def test_sessions_run_are_interrupted_resume_and_stop_on_both_families(
    qtbot: QtBot, isolated_home: Path, family: str
) -> None:
    async with family_app(isolated_home, family) as (app, fam):
        await screened_and_connected(app, fam)
        session = app.session

        # Through the Massage page: Start (with the day's check-in), it runs, Esc stops it.
        page = massage_page(app)
        page.routines.setCurrentRow(1)
        page.pain_before.slider.setValue(5)
        page.stiff_before.slider.setValue(5)
        page.refresh()
        assert page.start_button.isEnabled()
        qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
        await answer_checkin(page, qtbot)
        await until(lambda: session.phase == Phase.RUNNING, timeout=10)
        assert fam.running()
        qtbot.keyClick(app.window, Qt.Key.Key_Escape)  # the global Stop
        await until(lambda: session.phase == Phase.ENDED, timeout=10)
        assert not fam.running()
        assert session.session_id is not None
        record = await app.ctx.db.run(sessions.get_session, session.session_id)
        assert record.outcome == Outcome.STOPPED_BY_USER
        await until(lambda: page.stack.currentIndex() == 2, timeout=10)
        qtbot.mouseClick(page.save_after, Qt.MouseButton.LeftButton)  # "Skip"
        await until(lambda: session.phase == Phase.CHOOSING, timeout=10)

        profile = app.ctx.safety.state.profile
        assert profile is not None
        row_id = next(iter(app.program_ids.values()))

        # A short session runs to its end on its own.
        session.plan_for(QUICK, row_id, 6, profile)
        sid = await session.start(None)
        assert fam.running()
        await wait_for_phase(session, Phase.ENDED, timeout=20)
        record = await app.ctx.db.run(sessions.get_session, sid)
        assert record.outcome == Outcome.COMPLETED
        assert not fam.running()
        session.skip_rating()

        # A long one: the link drops, the device stops within the deadline, the session
        # is interrupted; once reconnected it resumes, and Stop ends it.
        session.plan_for(LONG, row_id, 6, profile)
        sid = await session.start(None)
        assert fam.running()
        if isinstance(fam.sim, SimulatedAa55):  # capped through the calibration
            caps = app.ctx.safety.state.caps
            assert fam.sim.firmware.level <= DESCRIPTION.level_for(caps.max_pressure_mmhg)
        dropped_at = time.monotonic()
        await fam.sim.drop_link()
        await until(lambda: not fam.running(), timeout=WATCHDOG_S)
        assert time.monotonic() - dropped_at <= WATCHDOG_S
        await wait_for_phase(session, Phase.INTERRUPTED)
        await until(lambda: session.can_resume, timeout=10)
        record = await app.ctx.db.run(sessions.get_session, sid)
        assert record.outcome == Outcome.INTERRUPTED_LINK
        sid = await session.start(None, resume=True)
        assert fam.running()
        await session.stop()
        assert not fam.running()
        record = await app.ctx.db.run(sessions.get_session, sid)
        assert record.outcome == Outcome.STOPPED_BY_USER


@pytest.mark.parametrize("family", ["thenar", "aa55"])
async def test_gentler_firmer_warmth_and_pause_work_on_both_families(
    qtbot: QtBot, isolated_home: Path, family: str
) -> None:
    """The Massage page's live controls reach the device of either family (checked on the
    device side), through the one driver interface."""
    async with family_app(isolated_home, family) as (app, fam):
        await screened_and_connected(app, fam)
        session = app.session
        page = massage_page(app)
        page.routines.setCurrentRow(0)  # Morning ease: warm
        page.intensity.setValue(10)
        page.refresh()
        qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
        await answer_checkin(page, qtbot)
        await until(lambda: session.phase == Phase.RUNNING, timeout=10)
        plan = session.plan
        assert plan is not None
        warm_first = plan.compiled.plan.steps[0].heat_dc > 0
        full = fam.level()

        for _ in range(4):  # Gentler down to 2 of 10
            before = session.level
            qtbot.mouseClick(page.gentler_button, Qt.MouseButton.LeftButton)
            await until(lambda: session.level == before - 2, timeout=10)  # noqa: B023
        assert fam.running()
        if isinstance(fam.sim, SimulatedMassager):
            assert fam.sim.model.intensity == 2
        else:  # the plan's pressure at 2 tenths is below the gentlest level: level 1
            assert fam.sim.firmware.level == 1 < full
        for _ in range(4):  # and Firmer back to the plan
            before = session.level
            qtbot.mouseClick(page.firmer_button, Qt.MouseButton.LeftButton)
            await until(lambda: session.level == before + 2, timeout=10)  # noqa: B023
        assert fam.level() == full
        assert not page.firmer_button.isEnabled()

        assert page.warmth_button.isEnabled(), page.warmth_button.toolTip()
        qtbot.mouseClick(page.warmth_button, Qt.MouseButton.LeftButton)  # off
        await until(lambda: not session.warmth_on, timeout=10)
        assert not fam.warm()
        qtbot.mouseClick(page.warmth_button, Qt.MouseButton.LeftButton)  # on again
        await until(lambda: session.warmth_on, timeout=10)
        assert fam.warm() == warm_first

        qtbot.mouseClick(page.pause_button, Qt.MouseButton.LeftButton)
        await until(lambda: session.phase == Phase.PAUSED, timeout=10)
        assert not fam.running()  # nothing presses while paused
        assert page.paused_banner.isVisible()
        qtbot.mouseClick(page.pause_button, Qt.MouseButton.LeftButton)
        await until(lambda: session.phase == Phase.RUNNING, timeout=10)
        assert fam.running()
        assert fam.level() == full  # as it was before the pause

        qtbot.keyClick(app.window, Qt.Key.Key_Escape)
        await until(lambda: session.phase == Phase.ENDED, timeout=10)
        assert not fam.running()
        assert session.session_id is not None
        record = await app.ctx.db.run(sessions.get_session, session.session_id)
        assert record.outcome == Outcome.STOPPED_BY_USER


async def test_a_pinned_massager_of_the_other_family_reconnects_at_start(
    isolated_home: Path,
) -> None:
    link = VirtualLink()
    async with SimulatedAa55(link) as palma:
        qapp = QApplication.instance()
        assert isinstance(qapp, QApplication)
        settings = Settings(
            data_folder=str(isolated_home / "data"),
            pinned_address=palma.identity.address,
            pinned_name="Palma P5",
        )
        app = await build(qapp, settings, isolated_home / "s.json", backends=on_link(link))
        try:
            await app.connect_pinned()  # no scan first: its advert tells its family
            assert app.massager.state == LinkState.CONNECTED
            assert app.massager.driver is not None
            assert app.massager.description is not None
            assert app.massager.description.key == "palma-p5"
        finally:
            if not app.quit_event.is_set():
                await app.shutdown()
        assert palma.firmware.links == 0  # disconnected on exit


async def test_a_restart_reconnects_to_a_pinned_aa55_by_its_stored_family(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The family is stored with the paired device: a restart opens its driver at once,
    without listening for its advert to tell the family."""
    link = VirtualLink()
    async with SimulatedAa55(link) as palma:
        qapp = QApplication.instance()
        assert isinstance(qapp, QApplication)
        settings = Settings(data_folder=str(isolated_home / "data"))
        app = await build(qapp, settings, isolated_home / "s.json", backends=on_link(link))
        try:
            await app.massager.scan()
            await app.massager.connect(palma.identity.address, "Palma P5")
        finally:
            await app.shutdown()
        async def no_scan(*_args: object, **_kw: object) -> None:
            raise AssertionError("the family was looked up by scanning")

        monkeypatch.setattr(registry, "identify_address", no_scan)
        settings = load_settings(isolated_home / "s.json")
        again = await build(qapp, settings, isolated_home / "s.json", backends=on_link(link))
        try:
            assert again.ctx.settings.pinned_address == palma.identity.address
            await again.connect_pinned()
            assert again.massager.state == LinkState.CONNECTED
            assert again.massager.description is not None
            assert again.massager.description.key == "palma-p5"
            stored = await again.ctx.db.run(devices.get_device, palma.identity.address)
            assert stored.family == "palma-p5"
        finally:
            if not again.quit_event.is_set():
                await again.shutdown()
