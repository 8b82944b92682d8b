"""The Trial page on a real log and a simulated clock: plan, lock, follow, result, PDF, stop."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QDate, QIODevice, Qt
from PySide6.QtPdf import QPdfDocument
from pytestqt.qtbot import QtBot

from appcore.context import AppContext
from data.entries import Entry
from desktop.trial_report import render_trial_report, trial_report_text
from desktop.trial_view import FOLLOW, INTRO, PLAN, TrialPage
from tests.appcore.conftest import CLEAR_ANSWERS
from tests.appcore.helpers import DayClock
from tests.desktop.helpers import shot, until
from therapy import CheckIn
from therapy.trial import NO_MASSAGE, Outcome, TrialDesign

TZ = ZoneInfo("Europe/Berlin")


@pytest.fixture
def now() -> DayClock:
    return DayClock(dt.datetime(2026, 3, 1, 9, tzinfo=TZ))  # ctx (tests/desktop/conftest.py)


@pytest.fixture
async def app(ctx: AppContext, now: DayClock) -> AsyncIterator[tuple[AppContext, DayClock]]:
    await ctx.safety.load()
    await ctx.trial.load()
    yield ctx, now
    ctx.trial.close()


def make_page(qtbot: QtBot, ctx: AppContext, saved: list[Path] | None = None) -> TrialPage:
    answers = list(saved or [])
    page = TrialPage(ctx, ask_path=lambda _s: answers.pop(0) if answers else None)
    qtbot.addWidget(page)
    page.resize(1000, 1200)
    page.show()
    return page


def choose(page: TrialPage, arm_b: str, outcome: Outcome, weeks: int, days: int) -> None:
    page.arm_a.setCurrentIndex(page.arm_a.findData("arthritis_morning"))
    page.arm_b.setCurrentIndex(page.arm_b.findData(arm_b))
    page.outcome.setCurrentIndex(page.outcome.findData(outcome.value))
    page.weeks.setValue(weeks)
    page.period_days.setValue(days)


async def test_nothing_to_compare_until_the_safety_questions_allow_a_routine(
    qtbot: QtBot, app
) -> None:
    ctx, _clock = app
    page = make_page(qtbot, ctx)
    assert page.stack.currentIndex() == PLAN
    assert page.arm_a.count() == 0
    assert "allow no routine at the moment" in page.preview_text.text()
    qtbot.mouseClick(page.preview_button, Qt.MouseButton.LeftButton)
    assert "safety limits" in page.preview_text.text()
    assert not page.lock_button.isEnabled()
    await ctx.safety.save_screening(CLEAR_ANSWERS)  # the page hears it from the owner
    assert page.arm_a.findData("arthritis_morning") >= 0
    assert page.preview_text.text() == ""  # the refusal no longer holds, so it is gone
    assert page.arm_b.findData(NO_MASSAGE) == page.arm_b.count() - 1


async def test_plan_preview_lock_follow_and_stop(
    qtbot: QtBot, app, screenshot_dir: Path, tmp_path: Path
) -> None:
    ctx, clock = app
    await ctx.safety.save_screening(CLEAR_ANSWERS)
    page = make_page(qtbot, ctx, [tmp_path / "comparison.pdf"])
    assert INTRO.startswith("Compare two routines")
    # the first day offered is tomorrow: nothing can be planned into the past
    assert page.start.date() == QDate(2026, 3, 2)
    choose(page, NO_MASSAGE, Outcome.EVENING_PAIN, weeks=4, days=7)
    qtbot.mouseClick(page.preview_button, Qt.MouseButton.LeftButton)
    preview = page.preview
    assert preview is not None
    assert preview.design.pairs == 2
    text = page.preview_text.text()
    assert "Compared: Morning ease and No massage, by pain in the evening (0-10)." in text
    assert text.count("Mar: Morning ease") == 2
    assert text.count("Mar: No massage") == 2
    await shot(page, screenshot_dir, "trial_plan_preview")
    # a change after the preview: the shown plan is no longer the one that would be fixed
    page.weeks.setValue(6)
    assert not page.lock_button.isEnabled()
    assert page.preview_text.text() == ""  # no plan on screen that Fix would not store
    page.weeks.setValue(4)
    qtbot.mouseClick(page.preview_button, Qt.MouseButton.LeftButton)
    shown = page.preview
    qtbot.mouseClick(page.lock_button, Qt.MouseButton.LeftButton)
    await until(lambda: ctx.trial.state is not None)
    assert ctx.trial.state is not None
    assert ctx.trial.state.plan == shown  # what was shown is what was fixed
    assert page.stack.currentIndex() == FOLLOW
    assert "starts on Monday 02 March" in page.today_text.text()
    # the first day: today's plan and why
    clock.to(dt.date(2026, 3, 2))
    page.shown()
    first = shown.periods[0].arm if shown is not None else ""
    expected = "today's plan is Morning ease" if first != NO_MASSAGE else "without massage"
    assert expected in page.today_text.text()
    assert page.today_text.text().startswith("Day 1 of 28 of your comparison")
    # a note about the day is kept
    page.note_edit.setText("slept badly")
    qtbot.mouseClick(page.note_button, Qt.MouseButton.LeftButton)
    await until(lambda: bool(ctx.trial.state and ctx.trial.state.deviations))
    await until(lambda: "Noted." in page.message.text())
    # evening entries over the first nine days, then an interim look
    for i in range(9):
        day = dt.date(2026, 3, 2) + dt.timedelta(days=i)
        at = dt.datetime.combine(day, dt.time(20), tzinfo=TZ)
        planned = ctx.trial.state.plan.on(day)  # type: ignore[union-attr]
        await ctx.tracking.add_entry(Entry(at, pain=3 if planned.arm != NO_MASSAGE else 5))  # type: ignore[union-attr]
    clock.to(dt.date(2026, 3, 11))
    qtbot.mouseClick(page.result_button, Qt.MouseButton.LeftButton)
    await until(lambda: page.result is not None)
    assert page.result_text.text().startswith("Interim look: the trial is not finished")
    assert "Not enough yet to compare: 1 of 2 pairs" in page.result_text.text()
    await shot(page, screenshot_dir, "trial_follow_interim")
    # stop early: a second, deliberate click, and the data is kept
    assert not page.confirm_stop.isVisible()
    qtbot.mouseClick(page.stop_button, Qt.MouseButton.LeftButton)
    assert page.confirm_stop.isVisible()
    qtbot.mouseClick(page.confirm_stop, Qt.MouseButton.LeftButton)
    await until(lambda: "is stopped" in page.message.text())
    assert page.result_text.text().startswith("The trial was stopped early")
    assert "slept badly" in page.result_text.text()
    assert page.new_button.isVisible()
    assert not page.stop_button.isVisible()
    # the report page: the same sentences, in a real PDF
    qtbot.mouseClick(page.pdf_button, Qt.MouseButton.LeftButton)
    await until(lambda: (tmp_path / "comparison.pdf").exists() and "Saved" in page.message.text())
    doc = QPdfDocument()
    doc.load(str(tmp_path / "comparison.pdf"))
    words = " ".join(doc.getAllText(i).text() for i in range(doc.pageCount())).split()
    joined = " ".join(words)
    assert page.result is not None
    for _style, line in trial_report_text(page.result):
        assert " ".join(line.split()) in joined


def test_the_report_page_marks_an_interim_result() -> None:
    import datetime as _dt

    from therapy.trial import TrialDesign, plan_trial
    from therapy.trial_analysis import analyse

    plan = plan_trial(
        TrialDesign(
            "arthritis_morning", NO_MASSAGE, Outcome.EVENING_PAIN, _dt.date(2026, 1, 5), 3, 2
        ),
        1,
        {"arthritis_morning"},
    )
    interim = analyse(plan, {}, (), as_of=_dt.date(2026, 1, 7))
    headings = [t for s, t in trial_report_text(interim) if s == "heading"]
    assert "Interim result (the trial is not finished)" in headings
    final = analyse(plan, {}, (), as_of=_dt.date(2026, 2, 7))
    assert "Result" in [t for s, t in trial_report_text(final) if s == "heading"]
    assert render_trial_report(final).startswith(b"%PDF")


async def test_the_clinician_report_ends_with_the_comparisons_page(app) -> None:
    from appcore.progress import Span
    from appcore.report import load_report
    from desktop.report_pdf import render_report

    ctx, clock = app
    await ctx.safety.save_screening(CLEAR_ANSWERS)
    report = await ctx.db.run(load_report, Span.WEEKS_4, clock().date(), "", str)
    without = QPdfDocument()
    without.load(_buffer(render_report(report, generated="today")))
    state = await ctx.trial.lock(ctx.trial.preview(_design(), seed=4))
    clock.to(state.plan.first_day + dt.timedelta(days=3))
    result = await ctx.trial.result()
    assert result is not None
    assert result.interim
    doc = QPdfDocument()
    doc.load(_buffer(render_report(report, generated="today", trial=result)))
    assert doc.pageCount() == without.pageCount() + 1
    last = " ".join(doc.getAllText(doc.pageCount() - 1).text().split())
    for _style, line in trial_report_text(result):
        assert " ".join(line.split()) in last
    assert "Interim result (the trial is not finished)" in last


def _design() -> TrialDesign:
    return TrialDesign(
        "arthritis_morning", NO_MASSAGE, Outcome.EVENING_PAIN, dt.date(2026, 3, 2), 3, 2
    )


def _buffer(data: bytes) -> QBuffer:
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    _keep.append(buffer)  # QPdfDocument reads from it lazily
    return buffer


_keep: list[QBuffer] = []


async def test_after_a_comparison_ends_a_new_one_can_be_planned(qtbot: QtBot, app) -> None:
    ctx, clock = app
    await ctx.safety.save_screening(CLEAR_ANSWERS)
    first = await ctx.trial.lock(ctx.trial.preview(_design(), seed=2))
    clock.to(first.plan.last_day + dt.timedelta(days=1))
    page = make_page(qtbot, ctx)
    page.shown()
    assert page.stack.currentIndex() == FOLLOW
    await until(lambda: page.result is not None)
    assert page.new_button.isVisible()
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    assert page.stack.currentIndex() == PLAN
    await ctx.safety.check_in(CheckIn(clock().date()))  # an event while planning
    assert page.stack.currentIndex() == PLAN  # stays where the person is
    qtbot.mouseClick(page.preview_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.lock_button, Qt.MouseButton.LeftButton)
    await until(lambda: ctx.trial.state is not None and ctx.trial.state.trial_id != first.trial_id)
    assert page.stack.currentIndex() == FOLLOW
    assert "starts on" in page.today_text.text()
