"""Sessions without the Thenar massager, by clicks against a real log (issue 14)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QScrollArea
from pytestqt.qtbot import QtBot

from appcore.context import AppContext
from appcore.progress import Span, load_progress
from data import sessions
from data.models import Outcome, RatingKind, SessionKind
from data.other_massagers import massager_of
from data.ratings import session_ratings
from desktop.by_hand_view import ByHandPage
from desktop.theme import MIN_TARGET_PX, apply_theme
from tests.appcore.conftest import CLEAR_ANSWERS
from tests.desktop.helpers import shot
from tests.desktop.test_layout_audit import cut_text, settle
from tests.waiting import until as wait_for  # the one polling helper
from therapy import ROUTINES, CheckIn, Technique
from therapy.by_hand import BY_HAND_MOVES

NOW = dt.datetime(2026, 11, 26, 10, 0).astimezone()


@pytest.fixture
def now() -> Callable[[], dt.datetime]:
    return lambda: NOW  # ctx (tests/desktop/conftest.py) reads this clock


@pytest.fixture(autouse=True)
async def screened(ctx: AppContext) -> None:
    """Every test here starts with an all-clear screening."""
    await ctx.safety.save_screening(CLEAR_ANSWERS)


def page_for(qtbot: QtBot, ctx: AppContext) -> ByHandPage:
    page = ByHandPage(ctx)
    qtbot.addWidget(page)
    page.resize(1000, 1400)
    page.show()
    return page


def click(qtbot: QtBot, widget: object) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)  # type: ignore[arg-type]


async def test_massage_by_hand_runs_the_routine_as_steps_and_logs_it(
    qtbot: QtBot, ctx: AppContext, screenshot_dir: Path
) -> None:
    await ctx.safety.check_in(CheckIn(NOW.date(), discomfort=3))
    page = page_for(qtbot, ctx)
    key = next(iter(ROUTINES))
    assert page.routine.value() == key
    click(qtbot, page.before.pain.buttons[5])
    click(qtbot, page.before.stiffness.buttons[4])
    click(qtbot, page.start_button)
    await wait_for(page.guide.isVisible)
    steps = page.steps
    assert len(steps) > 3
    assert page.step_title.plain() == f"{steps[0].title}  ·  step 1 of {len(steps)}"
    assert BY_HAND_MOVES[Technique.EFFLEURAGE][0] in page.moves.text()
    seconds = steps[0].seconds
    assert page.time_label.text() == f"{seconds // 60}:{seconds % 60:02d} left in this step"
    page.tick()
    left = seconds - 1
    assert page.time_label.text() == f"{left // 60}:{left % 60:02d} left in this step"
    for _ in range(left):  # the timer moves on by itself when the step's time is up
        page.tick()
    assert page.step_index == 1
    await shot(page, screenshot_dir, "by_hand_step")
    while page.guide.isVisible():
        click(qtbot, page.next_button)
    assert page.after_box.isVisible()
    click(qtbot, page.after.pain.buttons[3])
    click(qtbot, page.after.stiffness.buttons[2])
    click(qtbot, page.save_button)
    await wait_for(lambda: "Saved" in page.message.text())
    (record,) = await ctx.db.run(sessions.list_sessions)
    assert record.kind is SessionKind.BY_HAND
    assert record.outcome is Outcome.COMPLETED
    assert record.device_id is None
    rated = await ctx.db.run(session_ratings, record.id)
    assert (rated[RatingKind.BEFORE].rating.pain, rated[RatingKind.AFTER].rating.pain) == (5, 3)
    data = await ctx.db.run(load_progress, Span.WEEKS_4, NOW.date())
    assert data.session_count == 1  # counted like any session
    assert any(p.name == ROUTINES[key].name for p in data.programs)


async def test_by_hand_needs_the_checkin_and_leaves_out_what_a_flare_forbids(
    qtbot: QtBot, ctx: AppContext
) -> None:
    page = page_for(qtbot, ctx)
    click(qtbot, page.start_button)
    await wait_for(page.message.isVisible)
    assert page.message.text() == ctx.safety.state.why_not()
    assert "check-in" in page.message.text()
    assert await ctx.db.run(sessions.list_sessions) == []

    await ctx.safety.check_in(CheckIn(NOW.date(), flare=True, discomfort=6))
    click(qtbot, page.start_button)
    await wait_for(page.guide.isVisible)
    assert "Kneading is left out today" in page.message.text()
    assert all(s.title != "Kneading" for s in page.steps)
    click(qtbot, page.stop_button)
    click(qtbot, page.save_button)  # nothing rated after: saved without a rating
    await wait_for(lambda: "Saved" in page.message.text())
    (record,) = await ctx.db.run(sessions.list_sessions)
    assert record.outcome is Outcome.STOPPED_BY_USER


async def test_another_massager_and_the_warning_that_counts_every_kind(
    qtbot: QtBot, ctx: AppContext
) -> None:
    await ctx.safety.check_in(CheckIn(NOW.date(), discomfort=2))
    page = page_for(qtbot, ctx)
    page.minutes.setValue(20)
    click(qtbot, page.other_before.pain.buttons[6])  # stiffness not rated: one of two
    click(qtbot, page.log_button)
    await wait_for(page.other_message.isVisible)
    assert page.other_message.text() == "Please rate stiffness too, or leave both as not rated."
    assert await ctx.db.run(sessions.list_sessions) == []
    click(qtbot, page.other_before.stiffness.buttons[6])
    click(qtbot, page.log_button)
    await wait_for(lambda: page.other_message.text().startswith("Saved"))
    (record,) = await ctx.db.run(sessions.list_sessions)
    assert record.kind is SessionKind.OTHER_MASSAGER
    assert record.ended_at is not None
    assert record.ended_at - record.started_at == dt.timedelta(minutes=20)
    for _ in range(2):
        click(qtbot, page.log_button)
        await wait_for(lambda: len(page.tasks._tasks) == 0)
    assert len(await ctx.db.run(sessions.list_sessions)) == 3
    # a fourth, by hand: warned, with the cause counted right, then it goes ahead
    click(qtbot, page.start_button)
    await wait_for(lambda: "Press again" in page.message.text())
    assert page.message.text().startswith(
        "You have already had 3 sessions today (3 with another massager)."
    )
    assert len(await ctx.db.run(sessions.list_sessions)) == 3
    click(qtbot, page.start_button)
    await wait_for(page.guide.isVisible)
    kinds = Counter(s.kind for s in await ctx.db.run(sessions.list_sessions))
    assert kinds == {SessionKind.OTHER_MASSAGER: 3, SessionKind.BY_HAND: 1}


async def test_another_massager_is_named_once_and_offered_again(
    qtbot: QtBot, ctx: AppContext
) -> None:
    page = page_for(qtbot, ctx)
    page.shown()
    await wait_for(lambda: not page.tasks.busy)
    assert page.massager.count() == 0  # nothing named yet
    page.massager.lineEdit().clear()
    qtbot.keyClicks(page.massager.lineEdit(), "  Brand HM-200 ")
    click(qtbot, page.log_button)
    await wait_for(lambda: page.other_message.text().startswith("Saved"))
    assert page.other_message.text() == (
        "Saved: a 15-minute session with Brand HM-200, on your Progress page."
    )
    (record,) = await ctx.db.run(sessions.list_sessions)
    assert massager_of(record.program_run) == "Brand HM-200"
    await wait_for(lambda: page.massager.count() == 1)
    assert page.massager.itemText(0) == "Brand HM-200"  # offered next time
    # a pasted name longer than a model name is cut at the field's limit, which it says
    page.massager.setEditText("x" * 81)
    assert page.massager.currentText() == "x" * 80
    assert page.massager.lineEdit().toolTip() == "Up to 80 characters"


@pytest.mark.parametrize(
    ("scale", "width"),
    [(1.5, 700), (2.0, 930)],  # the page's column at 1024x600 150% and at 1366x768 200%
    ids=["150%", "200%"],
)
async def test_the_0_to_10_buttons_wrap_rather_than_cut_at_large_text(
    qtbot: QtBot, ctx: AppContext, scale: float, width: int
) -> None:
    """Before, eleven buttons in one row were wider than the page: 10 was cut, the page
    scrolled sideways, and the introduction's last words ran off the right edge."""
    qapp = QApplication.instance()
    assert isinstance(qapp, QApplication)
    await ctx.safety.save_screening(CLEAR_ANSWERS)
    page = ByHandPage(ctx)
    qtbot.addWidget(page)
    try:
        apply_theme(qapp, scale, False)
        page.resize(width, 600)
        page.show()
        await settle(page)
        area = page.scroller
        assert isinstance(area, QScrollArea)
        assert area.horizontalScrollBar().maximum() == 0  # nothing off to the right
        view = area.viewport()
        for pair in (page.before, page.other_before, page.other_after):
            for scale_ in (pair.pain, pair.stiffness):
                for button in scale_.buttons:
                    assert cut_text(button) is None, button.text()
                    assert button.width() >= MIN_TARGET_PX
                    assert button.height() >= MIN_TARGET_PX
                    left = button.mapTo(view, button.rect().topLeft()).x()
                    assert left >= 0
                    assert left + button.width() <= view.width(), (button.text(), left)
    finally:
        apply_theme(qapp, 1.0, False)
