"""A whole comparison trial through the app, on a simulated clock, against the simulator.

Two weeks in a few seconds: the person plans and fixes a comparison on the Trial
page, a reminder says what the plan has for the day, the Massage page offers the
day's routine first with its reason, sessions run on the simulated massager,
morning entries go into the daily log, some days go differently (the other
routine, no session, a flare that lowers the limits), and at the end the Trial
page reads the result and saves its PDF page.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtPdf import QPdfDocument
from pytestqt.qtbot import QtBot

from appcore.records import cap_values
from appcore.schedule_picker import PickerChoice, Repeat
from appcore.session import Phase
from data import sessions
from desktop.app import Thenar
from desktop.schedule_view import system_zone
from desktop.session_view import SessionPage
from desktop.trial_report import trial_report_text
from desktop.trial_view import TrialPage
from tests.desktop.helpers import Clock, answer_checkin, shot, until, wait_signal
from tests.desktop.test_app import pair, running_app, screen_all_clear
from therapy.trial import DeviationKind, Outcome, arm_name
from therapy.trial_analysis import VerdictKind

A, B = "arthritis_morning", "evening_wind_down"


async def run_session(
    app: Thenar, qtbot: QtBot, routine: str | None, *, flare: bool = False
) -> None:
    """Start the chosen routine (None: the one the page offers), check in if due, stop."""
    app.window.show_page_of(SessionPage)
    page = app.window.page(SessionPage)
    assert isinstance(page, SessionPage)
    if routine is not None:
        for row in range(page.routines.count()):
            if page.routines.item(row).data(Qt.ItemDataRole.UserRole) == routine:
                page.routines.setCurrentRow(row)
    checkin_due = not app.ctx.safety.state.checked_in
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    if checkin_due:
        await answer_checkin(page, qtbot, flare=flare)
    await until(lambda: page.session.phase == Phase.RUNNING, timeout=10)
    qtbot.keyClick(app.window, Qt.Key.Key_Escape)
    await until(lambda: page.stack.currentIndex() == 2, timeout=10)
    qtbot.mouseClick(page.save_after, Qt.MouseButton.LeftButton)  # "Skip": no rating
    await until(lambda: page.session.phase == Phase.CHOOSING, timeout=10)


async def record_morning(app: Thenar, qtbot: QtBot, minutes: int) -> None:
    """This morning's stiffness, entered on the Trial page's entry form like a person would."""
    app.window.show_page_of(TrialPage)
    page = app.window.page(TrialPage)
    assert isinstance(page, TrialPage)
    assert page.entry_hint.text().startswith("Each morning, record how many minutes")
    qtbot.mouseClick(page.entry_button, Qt.MouseButton.LeftButton)
    await until(lambda: page.entry_dialog is not None and page.entry_dialog.isVisible())
    dialog = page.entry_dialog
    assert dialog is not None
    dialog.form.morning.setValue(minutes)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    await until(lambda: page.entry_dialog is None, timeout=10)
    assert dialog.saved_id is not None


async def test_a_comparison_from_plan_to_pdf(
    qtbot: QtBot, isolated_home: Path, screenshot_dir: Path, tmp_path: Path
) -> None:
    zone = system_zone()  # the zone the tray shows times in
    clock = Clock(dt.datetime(2026, 3, 1, 10, 0, tzinfo=zone))

    def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)

    async with running_app(isolated_home, clock) as (app, _device):
        await screen_all_clear(app, qtbot)
        await pair(app)

        # --- plan and fix it on the Trial page -------------------------------------------
        app.window.show_page_of(TrialPage)
        trial_page = app.window.page(TrialPage)
        assert isinstance(trial_page, TrialPage)
        trial_page.arm_a.setCurrentIndex(trial_page.arm_a.findData(A))
        trial_page.arm_b.setCurrentIndex(trial_page.arm_b.findData(B))
        trial_page.outcome.setCurrentIndex(
            trial_page.outcome.findData(Outcome.MORNING_STIFFNESS.value)
        )
        trial_page.weeks.setValue(2)
        trial_page.period_days.setValue(2)
        qtbot.mouseClick(trial_page.preview_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(trial_page.lock_button, Qt.MouseButton.LeftButton)
        await until(lambda: app.ctx.trial.state is not None)
        await until(lambda: "offered first on the Massage page" in trial_page.message.text())
        state = app.ctx.trial.state
        assert state is not None
        plan = state.plan
        days = list(plan.days())
        assert len(days) == 12
        assert plan.first_day == dt.date(2026, 3, 2)

        # --- a reminder follows the plan --------------------------------------------------
        tray = app.tray
        assert tray is not None
        await tray.service.add(PickerChoice(Repeat.DAILY, dt.time(8, 0), B), zone)
        clock.set(at(days[0].day, 7, 50) - dt.timedelta(milliseconds=400), running=True)
        tray.reload()
        await wait_signal(tray.reminder_shown, timeout=10)
        reminder = tray.prompt.text.text()
        assert f"Your comparison plans {arm_name(days[0].arm)} that day." in reminder
        qtbot.mouseClick(tray.prompt.skip_button, Qt.MouseButton.LeftButton)
        clock.set(at(days[0].day, 8, 30))

        # --- two weeks of days ------------------------------------------------------------
        other = {A: B, B: A}
        session_page = app.window.page(SessionPage)
        assert isinstance(session_page, SessionPage)
        for i, planned in enumerate(days):
            morning = at(planned.day, 7)
            if i > 0:  # the morning entry is about the day before
                before = days[i - 1]
                clock.set(morning)
                await record_morning(app, qtbot, (20 if before.arm == A else 50) + (i % 3))
            clock.set(at(planned.day, 9))
            app.window.show_page_of(SessionPage)
            offer = app.ctx.trial.offer()
            assert offer is not None
            assert session_page.trial_offer.isVisible()
            assert session_page.trial_offer.text().startswith(f"Day {i + 1} of 12")
            chosen = session_page.routines.currentItem().data(Qt.ItemDataRole.UserRole)
            assert chosen == planned.arm  # offered first
            if i == 0:
                await shot(app.window, screenshot_dir, "trial_massage_page_offer")
            if i == 2:
                await run_session(app, qtbot, other[planned.arm])  # the other routine
            elif i == 4:
                continue  # no session at all
            elif i == 6:
                await run_session(app, qtbot, None, flare=True)  # a flare: gentler limits
                assert "lowered your limits" in session_page.trial_offer.text()
                # the caps in force that day won over the plan: no heat on a flare day
                flare_session = (await app.ctx.db.run(sessions.list_sessions))[0]
                assert flare_session.started_at.date() == planned.day
                assert cap_values(flare_session.caps)[1] == 0  # no heat on the flare day
            else:
                await run_session(app, qtbot, None)
        last_morning = at(plan.last_day + dt.timedelta(days=1), 7)
        clock.set(last_morning)
        await record_morning(app, qtbot, 20 if days[-1].arm == A else 50)

        logged = await app.ctx.db.run(sessions.list_sessions)
        assert len(logged) == 11

        # --- the result, after the last day ----------------------------------------------
        clock.set(at(plan.last_day + dt.timedelta(days=1), 10))
        app.window.show_page_of(SessionPage)
        assert not session_page.trial_offer.isVisible()  # the plan no longer speaks
        app.window.show_page_of(TrialPage)
        # the page read the result again when the last morning's entry came in
        await until(lambda: trial_page.result is not None and not trial_page.result.interim)
        result = trial_page.result
        assert result is not None
        assert not result.interim
        assert result.verdict is VerdictKind.A_BETTER
        assert result.difference is not None
        assert -32 < result.difference < -28
        kinds = {(d.day, d.kind) for d in result.deviations}
        assert kinds == {
            (days[2].day, DeviationKind.SWAPPED),
            (days[4].day, DeviationKind.NO_SESSION),
            (days[6].day, DeviationKind.LIMITS_LOWERED),
        }
        assert result.days_followed == 9
        text = trial_page.result_text.text()
        assert text.startswith(
            "Morning ease went with less morning stiffness than Evening wind-down"
        )
        assert "3 planned days went differently" in text
        assert "This comparison has finished" in trial_page.today_text.text()
        assert not trial_page.message.isVisible()  # "the plan is fixed" was weeks ago
        await shot(app.window, screenshot_dir, "trial_result")

        # --- the PDF page --------------------------------------------------------------------
        target = tmp_path / "comparison.pdf"
        trial_page.ask_path = lambda _suggested: target
        qtbot.mouseClick(trial_page.pdf_button, Qt.MouseButton.LeftButton)
        await until(lambda: "Saved" in trial_page.message.text(), timeout=10)
        doc = QPdfDocument()
        doc.load(str(target))
        joined = " ".join(
            " ".join(doc.getAllText(i).text() for i in range(doc.pageCount())).split()
        )
        for _style, line in trial_report_text(result):
            assert " ".join(line.split()) in joined
