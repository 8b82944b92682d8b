"""Issue 14: the Massage page warns at Start past three sessions today, counting every kind
and naming them; Start again goes ahead (the whole app on the simulated massager)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from appcore.manual_session import ManualSessions
from appcore.session import Phase
from desktop.session_view import SessionPage
from tests.desktop.helpers import until
from tests.desktop.test_app import pair, running_app, screen_all_clear
from therapy import ROUTINES, CheckIn


async def test_the_fourth_session_of_the_day_is_warned_about_at_start(
    qtbot: QtBot, isolated_home: Path
) -> None:
    async with running_app(isolated_home) as (app, _device):
        await screen_all_clear(app, qtbot)
        await pair(app)
        ctx = app.ctx
        await ctx.safety.check_in(CheckIn(ctx.today(), discomfort=2))
        manual = ManualSessions(ctx.db, ctx.safety, ctx.now, lambda: None)
        await manual.log_other(10, None, None)
        await manual.log_other(10, None, None)
        by_hand = await manual.start_by_hand(manual.plan(next(iter(ROUTINES))), None)
        await manual.finish_by_hand(by_hand, completed=False, after=None)

        app.window.show_page_of(SessionPage)
        page = app.window.page(SessionPage)
        assert isinstance(page, SessionPage)
        page.routines.setCurrentRow(1)
        qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
        await until(lambda: "Press Start again" in page.message.text(), timeout=10)
        assert page.message.text().startswith(
            "You have already had 3 sessions today (1 by hand, 2 with another massager)."
        )
        assert page.session.phase == Phase.CHOOSING
        qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
        await until(lambda: page.session.phase == Phase.RUNNING, timeout=10)
        qtbot.keyClick(app.window, Qt.Key.Key_Escape)
        await until(lambda: page.session.phase == Phase.ENDED, timeout=10)
