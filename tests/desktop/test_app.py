"""The whole app, driven like a person, against the simulator in process.

First run through screening, pairing, a session with ratings before and after,
the progress view showing it, a lost link mid-session, a reminder that starts a
session, and a clean shutdown whose stop the massager acknowledges. Screenshots
of every main screen land in the screenshot folder.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from appcore.massager import LinkState
from appcore.session import Phase
from appcore.settings import Settings
from ble import protocol as p
from ble.backends import on_link
from ble.bumble_bleak.radio import VirtualLink
from data import checkins, ratings, sessions
from data.models import Outcome, RatingKind
from desktop.app import Thenar, build
from desktop.device_view import DevicePage
from desktop.progress_view import ProgressPage
from desktop.schedule_view import SchedulePage
from desktop.screening_view import ScreeningPage
from desktop.session_view import SessionPage
from desktop.settings_view import SettingsPage
from desktop.welcome_view import HomePage
from device_sim.peripheral import SimulatedMassager
from tests.desktop.helpers import SAFE_KEY, answer_checkin, press, shot
from tests.waiting import until
from therapy import SCREENING_QUESTIONS


@asynccontextmanager
async def running_app(
    home: Path, now: Callable[[], datetime] | None = None
) -> AsyncIterator[tuple[Thenar, SimulatedMassager]]:
    """The simulator and the app (on clock `now`, or the wall clock), both started and
    stopped inside one test.

    Not fixtures: pytest-qt processes Qt events between test phases, when no
    asyncio loop runs, and a background task (heartbeat, simulator ticker)
    stepped then breaks. Inside one test body the loop is always running.
    """
    link = VirtualLink()
    device = SimulatedMassager(link)
    await device.start()
    qapp = QApplication.instance()
    assert isinstance(qapp, QApplication)
    settings = Settings(data_folder=str(home / "data"))
    app = await build(qapp, settings, home / "settings.json", backends=on_link(link), now=now)
    try:
        app.window.resize(1200, 860)
        app.window.show()
        app.window.activateWindow()
        # Never qtbot.waitUntil in async code: a nested Qt loop would step asyncio
        # tasks re-entrantly. Await the condition on the loop instead.
        await until(app.window.isActiveWindow, timeout=10)
        yield app, device
    finally:
        if not app.quit_event.is_set():
            await app.shutdown()
        await device.stop()


async def screen_all_clear(app: Thenar, qtbot: QtBot) -> None:
    home = app.window.page(HomePage)
    assert isinstance(home, HomePage)
    home.start_button.setFocus()
    press(qtbot, Qt.Key.Key_Space)
    page = app.window.page(ScreeningPage)
    assert isinstance(page, ScreeningPage)
    for _question in SCREENING_QUESTIONS:
        press(qtbot, SAFE_KEY)
        press(qtbot, Qt.Key.Key_Return)
    await until(lambda: page.stack.currentIndex() == 1, timeout=10)
    press(qtbot, Qt.Key.Key_Return)
    assert app.ctx.profile is not None


async def pair(app: Thenar) -> None:
    app.window.show_page_of(DevicePage)
    device = app.window.page(DevicePage)
    assert isinstance(device, DevicePage)
    found = await device.scan()
    assert len(found) == 1
    await device.connect_selected()
    assert app.massager.state == LinkState.CONNECTED
    assert "connected" in app.window.connection_label.text()


async def ready_massage_page(app: Thenar, qtbot: QtBot) -> SessionPage:
    """Screened all clear, paired, and on the Massage page: where a session test begins."""
    await screen_all_clear(app, qtbot)
    await pair(app)
    app.window.show_page_of(SessionPage)
    page = app.window.page(SessionPage)
    assert isinstance(page, SessionPage)
    return page


async def test_first_run_to_session_to_progress(
    qtbot: QtBot, isolated_home: Path, screenshot_dir: Path
) -> None:
    async with running_app(isolated_home) as (app, device):
        await first_run_to_progress(app, device, qtbot, screenshot_dir)


async def first_run_to_progress(
    app: Thenar, device: SimulatedMassager, qtbot: QtBot, screenshot_dir: Path
) -> None:
    await shot(app.window, screenshot_dir, "app_home_first_run")
    await screen_all_clear(app, qtbot)
    await pair(app)
    await shot(app.window, screenshot_dir, "app_device")

    app.window.show_page_of(SessionPage)
    page = app.window.page(SessionPage)
    assert isinstance(page, SessionPage)
    page.routines.setCurrentRow(1)
    page.intensity.setValue(10)
    cap = app.ctx.profile.device_limits().max_pressure_mmhg  # type: ignore[union-attr]
    assert page.previewed is not None
    assert max(max(s.pressures_mmhg) for s in page.previewed.compiled.plan.steps) <= cap
    assert f"up to {cap} mmHg" in page.caps_text.text()
    page.pain_before.slider.setValue(6)
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)  # stiffness not rated
    await until(lambda: '"stiffness now"' in page.message.text())
    page.refresh()  # a link or settings event: what the person was told stays
    assert '"stiffness now"' in page.message.text()
    assert page.checkin_dialog is None  # nothing started, not even the check-in
    assert page.stiff_before.slider.hasFocus()  # where the missing rating goes
    assert page.session.phase == Phase.CHOOSING
    page.stiff_before.slider.setValue(7)
    page.refresh()
    await shot(app.window, screenshot_dir, "app_session_choose")
    assert page.start_button.isEnabled()
    assert not page.message.isVisible()  # the note about the missing rating is gone
    # The day's first session begins with the check-in: Start says so itself.
    assert page.start_button.text() == "▶ Check in and start"
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    await answer_checkin(page, qtbot, discomfort=4)
    await until(lambda: page.session.phase == Phase.RUNNING, timeout=10)
    saved = await app.ctx.db.run(checkins.list_checkins)
    assert [c.discomfort for c in saved] == [4]  # "Your answer is saved"
    assert app.window.stop_button.isEnabled()
    await until(lambda: max(device.model.status().pressures_mmhg) > 0, timeout=10)
    await until(lambda: page.live_numbers.text() != "", timeout=10)
    assert "left" in page.live_numbers.text()
    await shot(app.window, screenshot_dir, "app_session_live")

    qtbot.keyClick(app.window, Qt.Key.Key_Escape)  # the global Stop
    await until(lambda: page.session.phase == Phase.ENDED, timeout=10)
    assert device.model.stop_reason == p.StopReason.USER
    await until(lambda: page.stack.currentIndex() == 2, timeout=10)
    assert page.pain_after.value() is None  # "not rated" until the person moves it
    assert page.save_after.text() == "Skip"  # says what it would do: save nothing
    assert page.pain_before.value() is None  # the next session's "before" starts afresh
    page.pain_after.slider.setValue(3)
    assert page.save_after.text() == "Save how I feel"
    page.stiff_after.slider.setValue(4)
    await shot(app.window, screenshot_dir, "app_session_after")
    qtbot.mouseClick(page.save_after, Qt.MouseButton.LeftButton)
    await until(lambda: page.session.phase == Phase.CHOOSING, timeout=10)
    assert page.stack.currentIndex() == 0
    assert page.start_button.isEnabled()  # ready for the next session

    sid = page.session.session_id
    assert sid is not None
    record = await app.ctx.db.run(sessions.get_session, sid)
    assert record.outcome == Outcome.STOPPED_BY_USER
    given = await app.ctx.db.run(ratings.session_ratings, sid)
    assert given[RatingKind.BEFORE].rating.pain == 6
    assert given[RatingKind.AFTER].rating.pain == 3

    app.window.show_page_of(ProgressPage)
    progress = app.window.page(ProgressPage)
    assert isinstance(progress, ProgressPage)
    await until(lambda: progress.data is not None, timeout=10)
    assert progress.data is not None
    await shot(app.window, screenshot_dir, "app_progress")
    for page_type, name in ((SchedulePage, "schedule"), (SettingsPage, "settings")):
        app.window.show_page_of(page_type)
        await shot(app.window, screenshot_dir, name)


async def test_lost_link_stops_on_screen_and_offers_resume(
    qtbot: QtBot, isolated_home: Path, screenshot_dir: Path
) -> None:
    async with running_app(isolated_home) as (app, device):
        await lost_link(app, device, qtbot, screenshot_dir)


async def lost_link(
    app: Thenar, device: SimulatedMassager, qtbot: QtBot, screenshot_dir: Path
) -> None:
    page = await ready_massage_page(app, qtbot)
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    await answer_checkin(page, qtbot)
    await until(lambda: page.session.phase == Phase.RUNNING, timeout=10)
    await device.drop_link()
    await until(lambda: page.stack.currentIndex() == 3, timeout=10)
    assert "lost" in page.interrupted_text.text()
    await shot(app.window, screenshot_dir, "app_session_link_lost")
    await until(lambda: page.resume_button.isEnabled(), timeout=15)
    assert device.model.state == p.State.STOPPED  # nothing resumed by itself
    qtbot.mouseClick(page.resume_button, Qt.MouseButton.LeftButton)
    await until(lambda: device.model.state == p.State.RUNNING, timeout=10)
    qtbot.mouseClick(page.live_stop, Qt.MouseButton.LeftButton)
    await until(lambda: page.stack.currentIndex() == 2, timeout=10)
    assert page.save_after.text() == "Skip"  # nothing rated, before or after
    sid = page.session.session_id
    assert sid is not None
    qtbot.mouseClick(page.save_after, Qt.MouseButton.LeftButton)
    await until(lambda: page.start_button.isEnabled(), timeout=10)
    assert await app.ctx.db.run(ratings.session_ratings, sid) == {}  # no made-up 0/0


async def test_reminder_opens_the_routine_and_closing_stops_the_massage(
    qtbot: QtBot, isolated_home: Path
) -> None:
    async with running_app(isolated_home) as (app, device):
        await reminder_then_close(app, device, qtbot)


async def reminder_then_close(app: Thenar, device: SimulatedMassager, qtbot: QtBot) -> None:
    await screen_all_clear(app, qtbot)
    await pair(app)
    wind_down = app.program_ids["evening_wind_down"]
    app.window.hide()
    app.start_scheduled(wind_down)  # what the tray's "Start now" calls
    page = app.window.page(SessionPage)
    assert isinstance(page, SessionPage)
    assert app.window.isVisible()
    assert app.window.stack.currentWidget() is page
    assert page.routines.currentItem().data(Qt.ItemDataRole.UserRole) == "evening_wind_down"
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    await answer_checkin(page, qtbot)
    await until(lambda: device.model.state == p.State.RUNNING, timeout=10)
    app.window.close()  # closing the window during a session stops the massager first
    await until(lambda: device.model.state == p.State.STOPPED, timeout=10)
    assert device.model.stop_reason == p.StopReason.USER
    await app.shutdown()
    assert app.quit_event.is_set()


async def test_rest_today_saves_the_checkin_and_a_blocking_rescreen_disables_start(
    qtbot: QtBot, isolated_home: Path, screenshot_dir: Path
) -> None:
    """Issue 10, items 1 and 4 on screen: the check-in is saved, and never hides a newer
    screening that blocks."""
    async with running_app(isolated_home) as (app, device):
        page = await ready_massage_page(app, qtbot)
        qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
        await shot(app.window, screenshot_dir, "app_checkin_before_start")
        await answer_checkin(page, qtbot, flare=True, discomfort=6, go=False)  # "Rest today"
        assert page.session.phase == Phase.CHOOSING
        assert device.model.program is None  # nothing was sent
        assert "Your check-in is saved" in page.message.text()
        saved = await app.ctx.db.run(checkins.list_checkins)
        assert [(c.discomfort, c.answers["flare"]) for c in saved] == [(6, "yes")]
        await until(lambda: device.model.limits.max_heat_dc == 0, timeout=10)  # flare: no heat
        assert not page.heat.isEnabled()
        page.refresh()  # what a caps sync or a link event does: the note stays until Start
        assert "Your check-in is saved" in page.message.text()

        answers = {q.question_id: q.options[0].option_id for q in SCREENING_QUESTIONS}
        answers |= {"report_discomfort": "yes", "skin": "yes"}  # active eczema: blocks
        await app.ctx.safety.save_screening(answers)
        await until(lambda: not page.start_button.isEnabled(), timeout=10)
        assert "skin" in page.message.text()
        await until(lambda: device.model.limits.max_pressure_mmhg == 0, timeout=10)
        await shot(app.window, screenshot_dir, "app_session_blocked_after_rescreen")


async def test_only_the_page_on_screen_is_built_at_start_and_every_page_on_demand(
    isolated_home: Path,
) -> None:
    async with running_app(isolated_home) as (app, _device):
        window = app.window
        assert [type(page) for page in window.built_pages()] == [HomePage]
        assert app.tray is not None  # build() starts the tray; run() only after the first paint
        every = window.pages  # the sidebar's pages, each built once, in its order
        assert [page.title for page in every] == window.titles
        assert window.stack.count() == len(every)
        assert [window.stack.widget(i) for i in range(len(every))] == every
        assert window.stack.currentWidget() is window.page(HomePage)
