"""Honest input and controls that act only when meant (issue 13), on real widgets offscreen."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSlider,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from appcore.screening import ScreeningFlow
from data.models import Rating
from desktop.checkin_dialog import CheckInDialog
from desktop.controls import NumberBox, TimeBox
from desktop.session_view import RatingRow, rating_from
from desktop.widgets import Page, big_button, descendant_widgets, quiet_wheels, shown_options
from tests.desktop.helpers import shot
from tests.waiting import until
from therapy.questionnaire import CHECKIN_QUESTIONS, NO, SCREENING_QUESTIONS, YES

NOW = dt.datetime(2026, 3, 9, 8, 0, tzinfo=dt.UTC)


async def test_an_untouched_rating_is_not_rated(qtbot: QtBot, screenshot_dir: Path) -> None:
    pain, stiff = RatingRow("Pain now", ""), RatingRow("Stiffness now", "")
    holder = QWidget()
    column = QVBoxLayout(holder)
    column.addWidget(pain)
    column.addWidget(stiff)
    qtbot.addWidget(holder)
    holder.resize(1024 - 240, 160)  # the page's width beside the sidebar at 1024x600
    holder.show()
    assert pain.value() is None
    assert pain.value_label.text() == "not rated"
    assert rating_from(NOW, pain, stiff) is None  # nothing to save, not a 0/0
    await shot(holder, screenshot_dir, "rating_not_rated")

    qtbot.mouseClick(pain.minus, Qt.MouseButton.LeftButton)  # "none at all" is a choice
    assert pain.value() == 0
    assert pain.value_label.text() == "0"
    missing = rating_from(NOW, pain, stiff)
    assert isinstance(missing, str)
    assert '"stiffness now"' in missing  # says plainly which one is missing

    qtbot.mouseClick(stiff.plus, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(stiff.plus, Qt.MouseButton.LeftButton)
    assert rating_from(NOW, pain, stiff) == Rating(NOW, 0, 2)

    stiff.clear()
    assert stiff.value() is None
    assert stiff.value_label.text() == "not rated"
    stiff.slider.setFocus()
    qtbot.keyClick(stiff.slider, Qt.Key.Key_Right)  # the arrow keys count as a rating
    assert stiff.value() == 1


def _wheel(target: QWidget, down: bool = True) -> None:
    at = QPointF(target.rect().center())
    event = QWheelEvent(
        at,
        QPointF(target.mapToGlobal(at.toPoint())),
        QPoint(),
        QPoint(0, -120 if down else 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(target, event)


async def test_the_wheel_scrolls_the_page_unless_the_control_has_focus(
    qtbot: QtBot, tmp_path: Path
) -> None:
    area = QScrollArea()
    body = QWidget()
    box = QVBoxLayout(body)
    elsewhere = big_button("Elsewhere")  # where the focus is while the wheel turns
    box.addWidget(elsewhere)
    combo, spin, slider = QComboBox(), QSpinBox(), QSlider(Qt.Orientation.Horizontal)
    combo.addItems(["Morning ease", "Evening calm", "Quick relief"])
    spin.setRange(0, 10)
    slider.setRange(0, 10)
    for widget in (combo, spin, slider):
        box.addWidget(widget)
    box.addSpacing(3000)  # a page much taller than its window
    area.setWidget(body)
    area.setWidgetResizable(True)
    qtbot.addWidget(area)
    area.resize(400, 300)
    area.show()
    area.activateWindow()
    await until(area.isActiveWindow)
    assert set(quiet_wheels(body)) == {combo, spin, slider}
    elsewhere.setFocus()
    await until(elsewhere.hasFocus)
    bar = area.verticalScrollBar()
    for widget in (combo, spin, slider):
        bar.setValue(0)
        before = combo.currentIndex(), spin.value(), slider.value()
        _wheel(widget)
        assert (combo.currentIndex(), spin.value(), slider.value()) == before  # unchanged
        assert bar.value() > 0  # the page scrolled instead
        assert not widget.hasFocus()  # and a wheel turn gave no focus
    bar.setValue(0)
    combo.setFocus()  # chosen on purpose: now the wheel is the control's
    await until(combo.hasFocus)
    _wheel(combo)
    assert combo.currentIndex() == 1
    assert bar.value() == 0


def test_the_wheel_guard_finds_the_widgets_findchildren_finds(qtbot: QtBot) -> None:
    """`descendant_widgets` (one level at a time, issue 13) finds the same widgets, in the
    same order, as Qt's recursive `findChildren(QWidget)`: inside a page's scroll area,
    a stack, a combo box's own parts and a rich-text label's."""
    page = Page()
    qtbot.addWidget(page)
    stack = QStackedWidget()
    inner = QWidget()
    row = QVBoxLayout(inner)
    label = QLabel("<b>Rich</b> text you can select")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    combo, spin = QComboBox(), QSpinBox()
    combo.addItems(["Morning ease", "Evening calm"])
    for widget in (label, combo, spin):
        row.addWidget(widget)
    stack.addWidget(inner)
    stack.addWidget(QSlider(Qt.Orientation.Horizontal))
    page.layout_.addWidget(stack)
    page.action_buttons.addWidget(big_button("Start"))
    page.show()
    assert list(descendant_widgets(page)) == page.findChildren(QWidget)
    assert {combo, spin} <= set(quiet_wheels(page))


async def test_enter_presses_the_focused_or_the_default_button(qtbot: QtBot) -> None:
    page = Page()
    pressed: list[str] = []
    focused, default = big_button("Pair"), big_button("Add this schedule")
    focused.clicked.connect(lambda: pressed.append("focused"))
    default.clicked.connect(lambda: pressed.append("default"))
    edit = QLineEdit()
    for widget in (focused, edit, default):
        page.layout_.addWidget(widget)
    page.default_button = default
    qtbot.addWidget(page)
    page.show()
    page.activateWindow()
    await until(page.isActiveWindow)
    focused.setFocus()
    await until(focused.hasFocus)
    qtbot.keyClick(focused, Qt.Key.Key_Return)
    qtbot.keyClick(focused, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    assert pressed == ["focused", "focused"]
    edit.setFocus()
    await until(edit.hasFocus)
    qtbot.keyClick(edit, Qt.Key.Key_Return)  # Enter in a field: the page's default button
    assert pressed == ["focused", "focused", "default"]
    default.setEnabled(False)
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert pressed == ["focused", "focused", "default"]


def test_number_and_time_boxes_say_what_they_cannot_take(qtbot: QtBot) -> None:
    gap = NumberBox(2, 14, "The gap in days")
    gap.setValue(2)
    said: list[str] = []
    gap.problem.connect(said.append)
    qtbot.addWidget(gap)
    gap.selectAll()
    qtbot.keyClicks(gap, "-5")
    assert gap.value() == 5  # the "-" was refused (and said), the 5 was taken
    assert said == ["The gap in days can be a whole number from 2 to 14."]
    said.clear()
    gap.selectAll()
    qtbot.keyClicks(gap, "99999")
    assert gap.value() == 9
    assert len(said) == 4  # every refused 9 said so: nothing dropped without a word

    time_box = TimeBox()
    time_box.setDisplayFormat("HH:mm")
    times: list[str] = []
    time_box.problem.connect(times.append)
    qtbot.addWidget(time_box)
    time_box.selectAll()
    qtbot.keyClicks(time_box, "25:99")
    assert times
    assert "hours from 0 to 23" in times[0]


def test_the_safe_answer_comes_first_in_screening_and_check_in(qtbot: QtBot) -> None:
    safe_yes = {"report_discomfort", "helper_present"}
    for q in (*SCREENING_QUESTIONS, *CHECKIN_QUESTIONS):
        first = shown_options(q)[0].option_id
        if {o.option_id for o in q.options} == {YES, NO}:
            assert first == (YES if q.question_id in safe_yes else NO), q.question_id
        assert sorted(o.option_id for o in shown_options(q)) == sorted(
            o.option_id for o in q.options
        )
    # What the widgets show follows it: the check-in's first button is the safe one
    # (with "could you stop it yourself?" answered no, so "is someone with you?" is asked).
    flow = ScreeningFlow()
    safe = {"sensation": "normal", "precautions": "none", "report_discomfort": NO}
    for q in SCREENING_QUESTIONS:
        flow.choose(safe.get(q.question_id, NO), q.question_id)
    dialog = CheckInDialog(flow.result(NOW.date()), NOW.date())
    qtbot.addWidget(dialog)
    assert "helper_present" in dialog.groups
    for qid, group in dialog.groups.items():
        if qid == "discomfort":
            continue
        expected = "Yes" if qid in safe_yes else "No"
        assert group.buttons()[0].accessibleName().startswith(f"{expected}:"), qid


def _screened(report_discomfort: str = "yes") -> ScreeningFlow:
    flow = ScreeningFlow()
    safe = {"sensation": "normal", "precautions": "none", "report_discomfort": report_discomfort}
    for q in SCREENING_QUESTIONS:
        flow.choose(safe.get(q.question_id, NO), q.question_id)
    return flow


def _click(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=widget.rect().center())


async def test_as_usual_ticks_the_same_safe_answers_and_a_flare_still_counts(
    qtbot: QtBot, screenshot_dir: Path
) -> None:
    profile = _screened().result(NOW.date())
    by_hand = CheckInDialog(profile, NOW.date())  # the four questions ticked one by one
    qtbot.addWidget(by_hand)
    for qid in ("flare", "new_injury", "broken_skin", "tingling"):
        by_hand.groups[qid].buttons()[0].click()
    by_hand.groups["discomfort"].buttons()[3].click()
    by_hand.check()

    dialog = CheckInDialog(profile, NOW.date())
    qtbot.addWidget(dialog)
    dialog.resize(1024 - 80, 600 - 60)
    dialog.show()
    assert dialog.as_usual.isVisible()
    assert dialog.as_usual.label.text().startswith("Everything as usual today")
    _click(qtbot, dialog.as_usual)  # one click for the four answers
    for qid in ("flare", "new_injury", "broken_skin", "tingling"):
        checked = dialog.groups[qid].checkedButton()
        assert checked is not None
        assert checked.accessibleName().startswith("No:"), qid  # shown, as if ticked
    _click(qtbot, dialog.check_button)  # how the hands feel is still the person's to say
    assert dialog.stack.currentIndex() == 0
    assert "How do your hands feel" in dialog.message.text()
    _click(qtbot, dialog.groups["discomfort"].buttons()[3])
    await shot(dialog, screenshot_dir, "checkin_as_usual")
    _click(qtbot, dialog.check_button)
    assert dialog.stack.currentIndex() == 1
    assert dialog.checkin() == by_hand.checkin()  # the very same answers are recorded
    assert dialog.result_profile() == by_hand.result_profile()

    # A flare, after "as usual": it unticks, and today's limits change (heat off).
    _click(qtbot, dialog.back_button)
    flare_yes = dialog.groups["flare"].buttons()[1]
    assert flare_yes.accessibleName().startswith("Yes:")
    _click(qtbot, flare_yes)
    assert not dialog.as_usual.button.isChecked()
    _click(qtbot, dialog.check_button)
    checkin = dialog.checkin()
    assert checkin is not None
    assert checkin.flare
    today = dialog.result_profile()
    assert today is not None
    assert today.heat_off
    usual = by_hand.result_profile()
    assert usual is not None
    assert not usual.heat_off


def test_as_usual_leaves_the_helper_question_to_the_person(qtbot: QtBot) -> None:
    dialog = CheckInDialog(_screened(report_discomfort=NO).result(NOW.date()), NOW.date())
    qtbot.addWidget(dialog)
    dialog.as_usual.button.click()
    assert dialog.groups["helper_present"].checkedButton() is None
    dialog.groups["discomfort"].buttons()[2].click()
    dialog.check()
    assert dialog.stack.currentIndex() == 0  # "is someone with you?" still to answer
    assert "someone with you" in dialog.message.text()
