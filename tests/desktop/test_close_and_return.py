"""Closing during a massage says the massager is stopping; the next start offers to rate
the interrupted session. And how many clicks it takes to get a massage going, first time
and when coming back, counted through the real window on the simulated massager."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from appcore.massager import LinkState
from appcore.session import APP_CLOSED, Phase
from appcore.settings import Settings, load_settings
from ble import protocol as p
from ble.backends import on_link
from ble.bumble_bleak.radio import VirtualLink
from data import ratings, sessions
from data.models import RatingKind
from desktop.app import CLOSING_WORDS, Thenar, build
from desktop.device_view import DevicePage
from desktop.progress_view import ProgressPage
from desktop.screening_view import ScreeningPage
from desktop.session_view import SessionPage
from desktop.welcome_view import HomePage
from device_sim.peripheral import SimulatedMassager
from tests.desktop.helpers import answer_checkin, until
from tests.desktop.test_app import ready_massage_page, running_app
from therapy import SCREENING_QUESTIONS

# What the issue asks: a first-time user reaches a running massage in at most 25 clicks,
# a returning one in at most 3.
FIRST_TIME_TARGET, RETURNING_TARGET = 25, 3


async def test_closing_mid_massage_says_so_and_the_next_start_offers_a_rating(
    qtbot: QtBot, isolated_home: Path
) -> None:
    async with running_app(isolated_home) as (app, device):
        page = await ready_massage_page(app, qtbot)
        qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
        await answer_checkin(page, qtbot)
        await until(lambda: device.model.state == p.State.RUNNING, timeout=10)
        await until(lambda: page.session.phase == Phase.RUNNING, timeout=10)  # acknowledged
        told_while: list[p.State] = []
        app.window.closing_shown.connect(lambda _text: told_while.append(device.model.state))
        app.window.close()
        await until(lambda: device.model.state == p.State.STOPPED, timeout=10)
        assert told_while == [p.State.RUNNING]  # the person is told before it stops
        assert app.window.closing_notice.text() == CLOSING_WORDS
        await until(app.quit_event.is_set, timeout=15)  # then Thenar closes by itself
        sid = page.session.session_id
        assert sid is not None

    # The next start: the Massage page says the last session was interrupted, offers a rating.
    async with running_app(isolated_home) as (app, _device):
        page = app.window.page(SessionPage)
        assert isinstance(page, SessionPage)
        await until(lambda: not page.unrated_row.isHidden(), timeout=10)
        assert "was interrupted" in page.unrated_text.text()
        assert "Thenar closed during it" in page.unrated_text.text()
        app.window.show_page_of(SessionPage)
        qtbot.mouseClick(page.rate_unrated, Qt.MouseButton.LeftButton)
        await until(lambda: page.stack.currentIndex() == 2, timeout=5)
        assert "was interrupted" in page.after_text.text()
        page.pain_after.slider.setValue(2)
        page.stiff_after.slider.setValue(3)
        qtbot.mouseClick(page.save_after, Qt.MouseButton.LeftButton)
        await until(lambda: page.session.phase == Phase.CHOOSING, timeout=10)
        stored = await app.ctx.db.run(sessions.get_session, sid)
        assert stored.stop_reason == APP_CLOSED
        given = await app.ctx.db.run(ratings.session_ratings, sid)
        assert given[RatingKind.AFTER].rating.pain == 2
        progress = app.window.page(ProgressPage)  # it reads the new rating: let it finish
        await until(lambda: not progress._tasks, timeout=15)

    # Rated now: the start after that says nothing more about it.
    async with running_app(isolated_home) as (app, _device):
        page = app.window.page(SessionPage)
        assert isinstance(page, SessionPage)
        await page.look_for_interrupted()
        assert page.unrated_row.isHidden()


class Clicks:
    """Every click a person makes, counted: each goes through qtbot like a real one."""

    def __init__(self, qtbot: QtBot) -> None:
        self.qtbot = qtbot
        self.count = 0

    def on(self, widget: QWidget) -> None:
        assert widget.isVisible(), widget
        assert widget.isEnabled(), widget
        self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=widget.rect().center())
        self.count += 1


async def first_time_to_massage(app: Thenar, device: SimulatedMassager, clicks: Clicks) -> None:
    home = app.window.page(HomePage)
    assert isinstance(home, HomePage)
    clicks.on(home.start_button)
    screening = app.window.page(ScreeningPage)
    assert isinstance(screening, ScreeningPage)
    for number, _question in enumerate(SCREENING_QUESTIONS):
        await until(lambda n=number: screening.flow.index == n and screening.panel.rows)
        clicks.on(screening.panel.rows[0])  # the safe answer is first; a click moves on
    await until(lambda: screening.stack.currentIndex() == 1, timeout=10)
    assert screening.next_step.isVisible()  # pairing is offered right after the result
    clicks.on(screening.next_step.button)
    devices = app.window.page(DevicePage)
    assert isinstance(devices, DevicePage)
    assert app.window.stack.currentWidget() is devices
    await until(devices.connect_button.isEnabled, timeout=15)  # searched by itself
    clicks.on(devices.connect_button)
    await until(lambda: app.massager.state == LinkState.CONNECTED, timeout=15)
    await until(lambda: not devices.tasks.busy, timeout=15)  # connected and recorded
    page = app.window.page(SessionPage)
    assert isinstance(page, SessionPage)
    assert app.window.stack.currentWidget() is page  # just paired: Massage opens by itself
    await until(page.start_button.isEnabled, timeout=10)
    clicks.on(page.start_button)
    await until(lambda: page.checkin_dialog is not None and page.checkin_dialog.isVisible())
    dialog = page.checkin_dialog
    assert dialog is not None
    clicks.on(dialog.as_usual)  # "Everything as usual today": the four safe answers
    clicks.on(dialog.groups["discomfort"].buttons()[3])  # how the hands feel: the person's
    assert [g.checkedButton() is not None for g in dialog.groups.values()] == [True] * len(
        dialog.groups
    )
    clicks.on(dialog.check_button)
    clicks.on(dialog.go_button)
    await until(lambda: device.model.state == p.State.RUNNING, timeout=10)


@asynccontextmanager
async def relaunched(home: Path, link: VirtualLink) -> AsyncIterator[Thenar]:
    """Thenar started again with the settings it saved, as at launch (reconnect included)."""
    qapp = QApplication.instance()
    assert isinstance(qapp, QApplication)
    settings = load_settings(home / "settings.json")
    app = await build(qapp, settings, home / "settings.json", backends=on_link(link))
    try:
        app.window.resize(1024, 600)
        app.window.show()
        await app.connect_pinned()
        yield app
    finally:
        if not app.quit_event.is_set():
            await app.shutdown()


async def test_clicks_from_launch_to_a_running_massage(qtbot: QtBot, isolated_home: Path) -> None:
    link = VirtualLink()
    device = SimulatedMassager(link)
    await device.start()
    try:
        qapp = QApplication.instance()
        assert isinstance(qapp, QApplication)
        settings = Settings(data_folder=str(isolated_home / "data"))
        app = await build(qapp, settings, isolated_home / "settings.json", backends=on_link(link))
        app.window.resize(1024, 600)
        app.window.show()
        first = Clicks(qtbot)
        try:
            await first_time_to_massage(app, device, first)
            await app.session.stop()
            await until(lambda: app.session.phase == Phase.ENDED, timeout=10)
            app.session.skip_rating()
        finally:
            await app.shutdown()
        assert first.count <= FIRST_TIME_TARGET, first.count
        print(f"clicks, first time: {first.count} (target {FIRST_TIME_TARGET})")

        # Coming back the same day (checked in): the Massage page is open, Start starts.
        async with relaunched(isolated_home, link) as again:
            back = Clicks(qtbot)
            page = again.window.page(SessionPage)
            assert isinstance(page, SessionPage)
            assert again.window.stack.currentWidget() is page
            await until(page.start_button.isEnabled, timeout=15)
            back.on(page.start_button)
            await until(lambda: device.model.state == p.State.RUNNING, timeout=10)
            assert back.count <= RETURNING_TARGET
            print(f"clicks, returning: {back.count} (target {RETURNING_TARGET})")
            await again.session.stop()
    finally:
        await device.stop()
