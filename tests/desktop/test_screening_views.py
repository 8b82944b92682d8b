"""First run, screening, check-in and settings, driven like a person: keys and clicks."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QLabel, QLineEdit, QScrollArea
from pytestqt.qtbot import QtBot

from appcore.context import AppContext
from appcore.screening import CheckInOutcome, ScreeningFlow
from desktop.checkin_dialog import CheckInDialog
from desktop.main_window import MainWindow
from desktop.screening_view import ScreeningPage
from desktop.settings_view import SettingsPage
from desktop.theme import BASE_POINT_SIZE, apply_theme
from desktop.welcome_view import HomePage
from tests.desktop.helpers import SAFE_KEY, app_context, press, shot
from tests.waiting import until
from therapy import SCREENING_QUESTIONS, SafetyProfile, Verdict


@pytest.fixture
def app() -> Iterator[QApplication]:
    """The app with its theme reset afterwards, so a text-size test leaks into no other."""
    instance = QApplication.instance()
    assert isinstance(instance, QApplication)
    font, palette, sheet = instance.font(), instance.palette(), instance.styleSheet()
    apply_theme(instance, 1.25, False)
    yield instance
    instance.setFont(font)
    instance.setPalette(palette)
    instance.setStyleSheet(sheet)


class Shell:
    """The three pages in the real main window, wired the way the app wires them."""

    def __init__(self, ctx: AppContext, app: QApplication, qtbot: QtBot) -> None:
        self.done: list[SafetyProfile] = []
        self.home = HomePage(ctx, lambda: self.window.show_page_of(ScreeningPage))
        self.screening = ScreeningPage(ctx, self._done)
        self.settings = SettingsPage(
            ctx, lambda: apply_theme(app, ctx.settings.text_scale, ctx.settings.high_contrast)
        )
        self.settings.screening_requested.connect(self._screen_again)
        self.window: MainWindow = MainWindow(
            [self.home, self.screening, self.settings], on_stop=lambda: None
        )
        qtbot.addWidget(self.window)
        self.window.resize(1100, 820)
        self.window.show()
        self.window.activateWindow()

    @classmethod
    async def open(cls, ctx: AppContext, app: QApplication, qtbot: QtBot) -> Shell:
        """The shell, once its window is active (awaited: a nested Qt loop would step the
        pages' asyncio tasks re-entrantly)."""
        shell = cls(ctx, app, qtbot)
        await until(shell.window.isActiveWindow)
        return shell

    def _screen_again(self) -> None:
        self.screening.start()
        self.window.show_page_of(ScreeningPage)

    def _done(self, profile: SafetyProfile) -> None:
        self.done.append(profile)
        self.window.show_page_of(HomePage)


async def test_first_run_all_no_gives_allowed_with_caps(
    qtbot: QtBot, tmp_path: Path, screenshot_dir: Path, app: QApplication
) -> None:
    async with app_context(tmp_path) as ctx:
        shell = await Shell.open(ctx, app, qtbot)
        text = shell.home.findChildren(type(shell.home.start_button))
        assert shell.home.start_button.text() == "Answer the safety questions"
        labels = " ".join(
            w.text() for w in shell.home.findChildren(type(shell.home.rescreen_notice))
        )
        assert "not a medical treatment" in labels
        assert "comfort and relaxation" in labels
        assert text
        await shot(shell.window, screenshot_dir, "welcome")

        shell.home.start_button.setFocus()
        press(qtbot, Qt.Key.Key_Space)
        assert shell.window.stack.currentWidget() is shell.screening
        page = shell.screening
        assert page.panel.progress.text() == f"Question 1 of {len(SCREENING_QUESTIONS)}"

        press(qtbot, Qt.Key.Key_Return)  # nothing chosen yet: says what to do
        assert page.message.isVisible()
        assert "choose an answer" in page.message.text()

        for index, question in enumerate(SCREENING_QUESTIONS):
            assert page.flow.current is question
            if question.question_id == "blood_thinners":
                # Arrow keys move the focus only: a "Yes" stays "Yes" until a visible choice.
                press(qtbot, Qt.Key.Key_2)
                assert page.flow.chosen() == {"yes"}
                assert QApplication.focusWidget() is page.panel.rows[1].button
                for key in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Left):
                    press(qtbot, key)
                    assert page.flow.chosen() == {"yes"}
                assert QApplication.focusWidget() is page.panel.rows[0].button
                target = QApplication.focusWidget()
                assert target is not None
                qtbot.keyClick(target, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
                assert page.flow.chosen() == {"yes"}
                assert page.panel.rows[1].button.isChecked()
                await shot(shell.window, screenshot_dir, "question_focus_not_choice")
                press(qtbot, Qt.Key.Key_Space)  # the visible choice: the focused "No"
                assert page.flow.chosen() == {"no"}
            press(qtbot, SAFE_KEY)
            if index == 2:
                press(qtbot, Qt.Key.Key_H)
                assert page.panel.help_text.isVisible()
                assert page.panel.progress.text() == f"Question 3 of {len(SCREENING_QUESTIONS)}"
                await shot(shell.window, screenshot_dir, "question")
            press(qtbot, Qt.Key.Key_Return)
        await until(lambda: page.stack.currentIndex() == 1)

        assert ctx.profile is not None
        assert ctx.profile.verdict is Verdict.ALLOWED
        assert page.summary_view is not None
        shown = page.summary_view.text()
        assert "comfort and relaxation" in shown
        assert "Squeezing: up to 50 mmHg." in shown
        assert "Heat: up to 42.0 °C" in shown
        assert "Each session: at most 15 minutes." in shown
        assert "Why:" in shown
        await shot(shell.window, screenshot_dir, "result")

        press(qtbot, Qt.Key.Key_Return)  # Continue has focus
        assert shell.done == [ctx.profile]
        assert shell.window.stack.currentWidget() is shell.home
        assert shell.home.summary_view is not None
        assert "Squeezing: up to 50 mmHg." in shell.home.summary_view.text()
        await shot(shell.window, screenshot_dir, "home_after_screening")


async def test_a_blocking_answer_shows_the_reason(
    qtbot: QtBot, tmp_path: Path, screenshot_dir: Path, app: QApplication
) -> None:
    async with app_context(tmp_path) as ctx:
        shell = await Shell.open(ctx, app, qtbot)
        shell.window.show_page_of(ScreeningPage)
        page = shell.screening
        for question in SCREENING_QUESTIONS:
            # Clicks this time, anywhere on the answer's row; "Yes" for the fever question.
            wanted = 2 if question.question_id == "fever" else 1
            qtbot.mouseClick(page.panel.rows[wanted - 1], Qt.MouseButton.LeftButton)
            qtbot.mouseClick(page.next_button, Qt.MouseButton.LeftButton)
        await until(lambda: page.stack.currentIndex() == 1)
        assert ctx.profile is not None
        assert ctx.profile.verdict is Verdict.BLOCKED
        assert page.summary_view is not None
        shown = page.summary_view.text()
        assert "not for you at the moment" in shown
        assert "Fever or acute infection" in shown
        assert "infection" in shown.split("Fever or acute infection", 1)[1]
        await shot(shell.window, screenshot_dir, "result_blocked")

        # Back goes to the answers, still chosen.
        qtbot.mouseClick(page.change_button, Qt.MouseButton.LeftButton)
        assert page.flow.index == 0
        assert page.panel.rows[0].button.isChecked()


async def test_result_says_each_limit_once_and_points_to_the_next_step(
    qtbot: QtBot, tmp_path: Path, screenshot_dir: Path, app: QApplication
) -> None:
    """Issue 10: blood thinners and some numbness gave two pressures and no next step."""
    async with app_context(tmp_path) as ctx:
        shell = await Shell.open(ctx, app, qtbot)
        shell.window.show_page_of(ScreeningPage)
        page = shell.screening
        await until(lambda: not page.tasks.busy)  # nothing earlier to pre-fill
        chosen = {"blood_thinners": "yes", "sensation": "mild", "report_discomfort": "yes"}
        for q in SCREENING_QUESTIONS:
            if q.multiple:
                page.flow.toggle("none", True, q.question_id)
            else:
                page.flow.choose(chosen.get(q.question_id, "no"), q.question_id)
        page.flow.go_to(SCREENING_QUESTIONS[-1].question_id)
        page.next()
        await until(lambda: page.stack.currentIndex() == 1)
        assert ctx.profile is not None
        assert ctx.profile.verdict is Verdict.NEEDS_CLEARANCE

        assert page.summary_view is not None
        shown = page.summary_view.text()
        squeeze = "Squeezing: up to 30 mmHg once your clearance is recorded."
        assert squeeze in shown
        squeeze_why = shown.split(squeeze, 1)[1].split("\n", 1)[0]
        assert "heat" not in squeeze_why.lower()
        assert "Heat: off." in shown
        on_page = " ".join(label.text() for label in page.findChildren(QLabel) if label.isVisible())
        assert on_page.count("design value") == 1
        assert page.next_step.isVisible()
        assert page.next_step.label.accessibleName() == (
            "Next step: Record a clinician's clearance in Settings."
        )
        assert page.next_step.button.text() == "Open Settings  ▶"
        await shot(shell.window, screenshot_dir, "result_needs_clearance")

        qtbot.mouseClick(page.next_step.button, Qt.MouseButton.LeftButton)
        assert len(shell.done) == 1  # what Continue does happens too
        assert shell.window.stack.currentWidget() is shell.settings
        assert not shell.home.next_step.isHidden()  # Home is behind Settings now
        assert "clearance" in shell.home.next_step.label.accessibleName()
        assert shell.home.summary_view is not None
        home = " ".join(
            label.text() for label in shell.home.findChildren(QLabel) if not label.isHidden()
        )
        assert home.count("design value") == 1


async def saved_profile(ctx: AppContext, **answers: str) -> SafetyProfile:
    flow = ScreeningFlow()
    for q in SCREENING_QUESTIONS:
        flow.choose(
            answers.get(q.question_id)
            or {"sensation": "normal", "report_discomfort": "yes", "precautions": "none"}.get(
                q.question_id, "no"
            ),
            q.question_id,
        )
    profile = flow.result(ctx.today())
    await ctx.safety.save_screening(flow.answers)
    return profile


def clearance_text(page: SettingsPage) -> str:
    items = (page.clearance_list.item(i) for i in range(page.clearance_list.count()))
    return "\n".join(item.text() for item in items if item is not None)


async def test_clearance_in_settings_changes_the_profile(
    qtbot: QtBot, tmp_path: Path, screenshot_dir: Path, app: QApplication
) -> None:
    async with app_context(tmp_path) as ctx:
        shell = await Shell.open(ctx, app, qtbot)
        await saved_profile(ctx, blood_thinners="yes")
        assert ctx.profile is not None
        assert ctx.profile.verdict is Verdict.NEEDS_CLEARANCE
        assert shell.home.summary_view is not None
        assert "Ask a clinician first" in " ".join(
            w.text() for w in shell.home.summary_view.findChildren(type(shell.home.rescreen_notice))
        )
        qtbot.keyClick(shell.window, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
        page = shell.settings
        assert shell.window.stack.currentWidget() is page
        assert page.item_combo.currentText() == "Blood thinners or a bleeding disorder"

        # Every text field has a limit, and says it (spin and date boxes' own editors aside).
        edits = [
            e
            for e in page.findChildren(QLineEdit)
            if not isinstance(e.parentWidget(), QAbstractSpinBox)
        ]
        assert page.clinician_edit in edits
        assert page.tcp_edit in edits
        for edit in edits:
            assert edit.maxLength() <= 100
            assert f"Up to {edit.maxLength()} characters" == edit.toolTip()
        page.clinician_edit.insert("x" * 10_000)  # a pasted page
        assert len(page.clinician_edit.text()) == 80
        page.clinician_edit.clear()

        qtbot.mouseClick(page.record_button, Qt.MouseButton.LeftButton)  # no name yet
        assert "clinician's name" in page.clearance_message.text()
        assert QApplication.focusWidget() is page.clinician_edit
        qtbot.keyClicks(page.clinician_edit, "Dr Okafor, GP")
        press(qtbot, Qt.Key.Key_Return)
        await until(lambda: ctx.profile is not None and ctx.profile.verdict is Verdict.ALLOWED)
        await until(lambda: "Dr Okafor" in clearance_text(page))
        assert ctx.profile is not None
        assert ctx.profile.max_pressure.value == 30
        assert "Recorded" in page.clearance_message.text()
        assert "applies now" in clearance_text(page)
        assert shell.home.summary_view is not None
        assert "Squeezing: up to 30 mmHg." in shell.home.summary_view.text()
        # Nothing else waits: the focus goes to the list that holds it, not to "A− Smaller".
        assert QApplication.focusWidget() is page.clearance_list
        assert not page.withdraw_button.isEnabled()  # nothing chosen yet

        # Withdrawn: the limits go back to what the answers gave, the form is back.
        page.clearance_list.setCurrentRow(0)
        assert page.withdraw_button.isEnabled()
        page.withdraw_button.setFocus()
        press(qtbot, Qt.Key.Key_Return)  # Enter presses the focused button on a page too
        await until(lambda: ctx.profile is not None and ctx.profile.verdict is not Verdict.ALLOWED)
        assert ctx.profile.verdict is Verdict.NEEDS_CLEARANCE
        await until(lambda: "Withdrawn" in page.clearance_message.text())
        await until(lambda: QApplication.focusWidget() is page.item_combo)
        assert page.record_button.isVisible()
        await until(lambda: "withdrawn on" in clearance_text(page))  # the history stays
        assert "Dr Okafor" in clearance_text(page)
        page.clearance_list.setCurrentRow(0)
        assert not page.withdraw_button.isEnabled()  # withdrawn once is withdrawn
        await shot(shell.window, screenshot_dir, "settings_clearance_withdrawn")

        qtbot.mouseClick(page.backup_button, Qt.MouseButton.LeftButton)
        await until(lambda: "checked" in page.backup_message.text())
        assert "made by you" in page.backup_list.text()
        await until(lambda: not page.tasks.busy)
        await shot(shell.window, screenshot_dir, "settings_backups")
        scroller = page.findChild(QScrollArea)
        assert scroller is not None
        scroller.verticalScrollBar().setValue(0)
        await shot(shell.window, screenshot_dir, "settings")


async def test_text_size_and_units_apply_at_once(
    qtbot: QtBot, tmp_path: Path, screenshot_dir: Path, app: QApplication
) -> None:
    async with app_context(tmp_path) as ctx:
        shell = await Shell.open(ctx, app, qtbot)
        await saved_profile(ctx)
        shell.window.show_page_of(SettingsPage)
        page = shell.settings
        assert page.text_size.text() == "Text size: 125%"
        page.larger_button.setFocus()
        press(qtbot, Qt.Key.Key_Space)
        assert ctx.settings.text_scale == 1.5
        assert app.font().pointSizeF() == pytest.approx(BASE_POINT_SIZE * 1.5)
        assert page.text_size.text() == "Text size: 150%"
        assert ctx.settings_path.exists()  # remembered for next time
        for _ in range(3):
            qtbot.mouseClick(page.larger_button, Qt.MouseButton.LeftButton)
        assert ctx.settings.text_scale == 2.0
        assert not page.larger_button.isEnabled()

        qtbot.mouseClick(page.fahrenheit, Qt.MouseButton.LeftButton)
        assert ctx.settings.temperature_unit == "F"
        assert shell.home.summary_view is not None
        assert "Heat: up to 108 °F" in shell.home.summary_view.text()
        await until(lambda: not page.tasks.busy)
        await shot(shell.window, screenshot_dir, "settings_200")
        shell.window.show_page_of(HomePage)
        await shot(shell.window, screenshot_dir, "home_200")
        await asyncio.sleep(0)


async def test_checkin_with_a_flare_turns_heat_off(
    qtbot: QtBot, tmp_path: Path, screenshot_dir: Path, app: QApplication
) -> None:
    async with app_context(tmp_path) as ctx:
        shell = await Shell.open(ctx, app, qtbot)
        base = await saved_profile(ctx, arthritis="yes")
        assert not base.heat_off
        dialog = CheckInDialog(base, ctx.today(), shell.window)
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.activateWindow()
        await until(dialog.isActiveWindow)
        qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)  # nothing answered
        assert "Please answer these 5 questions" in dialog.message.text()
        for qid, group in dialog.groups.items():
            buttons = group.buttons()
            if qid == "discomfort":
                qtbot.mouseClick(buttons[4], Qt.MouseButton.LeftButton)
            else:  # the safe answer ("No" here) is first, as in the screening
                qtbot.mouseClick(buttons[1 if qid == "flare" else 0], Qt.MouseButton.LeftButton)
        scale = dialog.groups["discomfort"]
        four = scale.buttons()[4]
        four.setFocus()
        await until(four.hasFocus)
        for key in (
            Qt.Key.Key_Right,
            Qt.Key.Key_Right,
            Qt.Key.Key_Up,
            Qt.Key.Key_Left,
            Qt.Key.Key_Left,
        ):
            press(qtbot, key)
            assert scale.checkedButton() is four  # arrows move the focus, never the answer
        assert scale.buttons()[3].hasFocus()
        await shot(dialog, screenshot_dir, "checkin")
        press(qtbot, Qt.Key.Key_Return)  # Check is the default button
        assert dialog.outcome() is CheckInOutcome.POSTPONE
        today = dialog.result_profile()
        assert today is not None
        assert today.heat_off
        assert today.max_pressure.value < base.max_pressure.value
        assert any("Flare today" in r for r in dialog.reasons())
        assert dialog.outcome_title.plain() == "You may prefer to rest today"
        assert dialog.stop_button.isDefault()
        await shot(dialog, screenshot_dir, "checkin_result")
        checkin = dialog.checkin()
        assert checkin is not None
        assert checkin.discomfort == 4
        with qtbot.waitSignal(dialog.accepted):
            qtbot.mouseClick(dialog.go_button, Qt.MouseButton.LeftButton)
