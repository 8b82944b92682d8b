"""The Trial page: plan a personal comparison, follow it day by day, read the result.

All behaviour is in `appcore.trial.TrialOwner` (`ctx.trial`); this page draws its
state and forwards intent. Two panels: "plan" while no comparison runs (choose,
preview, lock) and "follow" once one is locked (today's plan, the schedule,
a note for a day done differently, the result so far or at the end, the PDF,
stop early).

Why this module is long: one page, two panels (plan and follow) switched on the trial's
state; all behaviour is in `appcore.trial`, so the file is layout and forwarding.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from appcore.explain import explain
from desktop.controls import DateBox, WrapCheckBox
from desktop.entry_dialog import EntryDialog, open_entry_dialog
from desktop.save_dialog import answer_of, ask_save_path
from desktop.tasks import TaskOwner
from desktop.trial_report import render_trial_report
from desktop.widgets import Page, big_button, notice, paragraph
from therapy import ROUTINES
from therapy.trial import (
    MAX_PERIOD_DAYS,
    MAX_WEEKS,
    MIN_PERIOD_DAYS,
    MIN_WEEKS,
    NO_MASSAGE,
    Outcome,
    TrialDesign,
    TrialPlan,
    arm_name,
    pairs_for_weeks,
)
from therapy.trial_analysis import (
    TrialResult,
    figure_lines,
    plan_lines,
    verdict_text,
)

if TYPE_CHECKING:
    from appcore.context import AppContext
    from appcore.safety import SafetyChanged
    from appcore.tracking import EntriesChanged
    from appcore.trial import TrialChanged

log = logging.getLogger(__name__)

INTRO = (
    "Compare two routines, or one routine and no massage, on your own hands. Thenar "
    "splits the weeks into pairs of short periods, one of each in every pair, in an "
    "order drawn at random, and fixes the plan before the first day. You record your "
    "morning stiffness or evening pain as usual. At the end Thenar shows whether one "
    'went with less stiffness or pain for you, and how sure it can be; "no clear '
    'difference" is a real answer too. This is about comfort: it does not diagnose or '
    "treat anything."
)
PLAN, FOLLOW = 0, 1
# Where the outcome comes from (appcore.trial.read_outcomes, data.entries.daily_outcomes).
ENTRY_HINT = {
    Outcome.MORNING_STIFFNESS: (
        "Each morning, record how many minutes your hands were stiff after waking: it "
        "counts for the day before."
    ),
    Outcome.EVENING_PAIN: (
        "Each evening, from 5 pm, record your pain: entries made earlier in the day do not "
        "count for the comparison."
    ),
}

AskPath = Callable[[Path], Path | Awaitable[Path | None] | None]


def _date(d: QDate) -> dt.date:
    return dt.date(d.year(), d.month(), d.day())


class TrialPage(Page):
    title = "Trial"

    def __init__(self, ctx: AppContext, ask_path: AskPath | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.ask_path: AskPath = ask_path or self._ask_pdf_path
        self.tasks = TaskOwner(self._failed)
        self.preview: TrialPlan | None = None
        self.planning_new = False  # planning the next comparison after one has ended
        self.result: TrialResult | None = None
        self.stack = QStackedWidget()  # scrolls with the page (no scroller inside a scroller)
        self.layout_.addWidget(self.stack, 1)
        self.message = notice()
        self.layout_.addWidget(self.message)
        self._build_plan()
        self._build_follow()
        self._sub = ctx.trial.subscribe(self._on_trial)
        self._safety_sub = ctx.safety.subscribe(self._on_safety)
        self._entries_sub = ctx.tracking.subscribe(self._on_entries)
        self.refresh()

    # --- panels -----------------------------------------------------------------

    def _build_plan(self) -> None:
        panel = QWidget()
        box = QVBoxLayout(panel)
        box.addWidget(paragraph(INTRO))
        form = QFormLayout()
        self.arm_a = QComboBox()
        self.arm_a.setAccessibleName("First routine to compare")
        self.arm_b = QComboBox()
        self.arm_b.setAccessibleName("Compare it with")
        self.outcome = QComboBox()
        self.outcome.setAccessibleName("What to measure")
        for outcome in Outcome:
            self.outcome.addItem(outcome.label[:1].upper() + outcome.label[1:], outcome.value)
        self.weeks = QSpinBox()
        self.weeks.setRange(MIN_WEEKS, MAX_WEEKS)
        self.weeks.setValue(6)
        self.weeks.setSuffix(" weeks")
        self.weeks.setAccessibleName("Length in weeks")
        self.period_days = QSpinBox()
        self.period_days.setRange(MIN_PERIOD_DAYS, MAX_PERIOD_DAYS)
        self.period_days.setValue(3)
        self.period_days.setSuffix(" days")
        self.period_days.setAccessibleName("Days in each period")
        self.washout = WrapCheckBox("Leave the first day of each period out (a washout day)")
        self.start = DateBox()
        self.start.setCalendarPopup(True)
        self.start.setAccessibleName("First day")
        form.addRow("Compare", self.arm_a)
        form.addRow("with", self.arm_b)
        form.addRow("Measured by", self.outcome)
        form.addRow("For about", self.weeks)
        form.addRow("Each period", self.period_days)
        form.addRow("", self.washout)
        form.addRow("Starting on", self.start)
        box.addLayout(form)
        row = QHBoxLayout()
        self.preview_button = big_button("Show the plan")
        self.preview_button.clicked.connect(self.show_preview)
        self.lock_button = big_button("Fix the plan and start")
        self.lock_button.clicked.connect(lambda: self.tasks.spawn(self.lock()))
        row.addWidget(self.preview_button)
        row.addStretch(1)
        row.addWidget(self.lock_button)
        box.addLayout(row)
        self.preview_text = paragraph("")
        self.preview_text.setAccessibleName("The plan")
        box.addWidget(self.preview_text)
        box.addStretch(1)
        for widget in (self.arm_a, self.arm_b, self.outcome):
            widget.currentIndexChanged.connect(self._design_changed)
        for spin in (self.weeks, self.period_days):
            spin.valueChanged.connect(self._design_changed)
        self.washout.toggled.connect(self._design_changed)
        self.start.dateChanged.connect(self._design_changed)
        self.stack.addWidget(panel)
        self.default_button = self.preview_button

    def _build_follow(self) -> None:
        panel = QWidget()
        box = QVBoxLayout(panel)
        self.today_text = paragraph("")
        self.today_text.setAccessibleName("Today in the comparison")
        box.addWidget(self.today_text)
        self.plan_text = paragraph("")
        self.plan_text.setAccessibleName("The fixed plan")
        box.addWidget(self.plan_text)
        entry_row = QHBoxLayout()
        self.entry_hint = paragraph("")
        self.entry_hint.setAccessibleName("What to record")
        self.entry_button = big_button("+ How are my hands?", "Record how your hands are")
        self.entry_button.clicked.connect(lambda: self.tasks.spawn(self.add_entry()))
        self.entry_dialog: EntryDialog | None = None  # while it is open
        entry_row.addWidget(self.entry_hint, 1)
        entry_row.addWidget(self.entry_button)
        box.addLayout(entry_row)
        note_row = QHBoxLayout()
        self.note_edit = QLineEdit()
        self.note_edit.setMaxLength(500)
        self.note_edit.setPlaceholderText("What was different today?")
        self.note_edit.setAccessibleName("A note about today")
        self.note_button = big_button("Note that today went differently")
        self.note_button.clicked.connect(lambda: self.tasks.spawn(self.add_note()))
        note_row.addWidget(self.note_edit, 1)
        note_row.addWidget(self.note_button)
        box.addLayout(note_row)
        row = QHBoxLayout()
        self.result_button = big_button("Show the result so far")
        self.result_button.clicked.connect(lambda: self.tasks.spawn(self.load_result()))
        self.pdf_button = big_button("Save as PDF")
        self.pdf_button.clicked.connect(lambda: self.tasks.spawn(self.save_pdf()))
        self.stop_button = big_button("Stop the comparison early…")
        self.stop_button.clicked.connect(self._ask_stop)
        self.confirm_stop = big_button("Yes, stop it and keep what was recorded")
        self.confirm_stop.clicked.connect(lambda: self.tasks.spawn(self.stop()))
        self.new_button = big_button("Plan a new comparison")
        self.new_button.clicked.connect(self.plan_new)
        for button in (
            self.result_button,
            self.pdf_button,
            self.stop_button,
            self.confirm_stop,
            self.new_button,
        ):
            row.addWidget(button)
        row.addStretch(1)
        box.addLayout(row)
        self.result_text = paragraph("")
        self.result_text.setAccessibleName("The result")
        box.addWidget(self.result_text)
        box.addStretch(1)
        self.stack.addWidget(panel)

    # --- behaviour ------------------------------------------------------------------

    def _failed(self, exc: BaseException) -> None:
        log.info("trial action refused or failed: %s", exc)
        self.show_message(explain(exc).sentence())

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _on_trial(self, _event: TrialChanged) -> None:
        self.refresh()

    def _on_entries(self, _event: EntriesChanged) -> None:
        """A new entry may be an outcome: a result on screen is read again."""
        if self.result is not None:
            self.tasks.spawn(self.load_result())

    def _on_safety(self, _event: SafetyChanged) -> None:
        """A new screening, check-in, or a new day."""
        self._fill_arms()
        self.refresh()

    def shown(self) -> None:
        self.show_message("")  # what was said last time the page was open is stale now
        self.refresh()
        state = self.ctx.trial.state
        if state is not None and state.finished_by(self.ctx.today()):
            self.tasks.spawn(self.load_result())

    def _fill_arms(self) -> None:
        allowed = self.ctx.trial.allowed()
        for combo, extra in ((self.arm_a, False), (self.arm_b, True)):
            chosen = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            for key, routine in ROUTINES.items():
                if key in allowed:
                    combo.addItem(routine.name, key)
            if extra:
                combo.addItem(arm_name(NO_MASSAGE), NO_MASSAGE)
            index = combo.findData(chosen)
            combo.setCurrentIndex(
                index if index >= 0 else (1 if extra and combo.count() > 2 else 0)
            )
            combo.blockSignals(False)
        self._design_changed()
        if not allowed:
            self.preview_text.setText(
                "Your safety limits allow no routine at the moment, so there is nothing to "
                "compare yet. " + self.ctx.safety.state.why_not()
            )

    def design(self) -> TrialDesign:
        period = self.period_days.value()
        return TrialDesign(
            arm_a=str(self.arm_a.currentData()),
            arm_b=str(self.arm_b.currentData()),
            outcome=Outcome(self.outcome.currentData()),
            start=_date(self.start.date()),
            period_days=period,
            pairs=pairs_for_weeks(self.weeks.value(), period),
            washout=self.washout.isChecked(),
        )

    def _design_changed(self, *_: object) -> None:
        """A plan on screen is only ever the one Fix would store: any change discards it."""
        self.preview = None
        self.preview_text.setText("")
        self.lock_button.setEnabled(False)
        self.default_button = self.preview_button

    def show_preview(self) -> None:
        """Draw a plan from a fresh seed and show it; nothing is stored yet."""
        self.show_message("")
        try:
            plan = self.ctx.trial.preview(self.design())
        except ValueError as exc:  # TrialError, with words for the person
            self.preview_text.setText(str(exc))
            return
        self.preview = plan
        self.preview_text.setText("\n".join(plan_lines(plan) + schedule_lines(plan)))
        self.lock_button.setEnabled(True)
        self.default_button = self.lock_button

    def plan_new(self) -> None:
        self.planning_new = True
        self.result = None
        self.result_text.setText("")
        self.refresh()

    async def lock(self) -> None:
        if self.preview is None:
            return
        await self.ctx.trial.lock(self.preview)
        self.planning_new = False
        self.preview = None
        self.default_button = self.preview_button
        self.show_message(
            "The plan is fixed. Today's routine is offered first on the Massage page."
        )

    async def add_entry(self) -> None:
        """The daily entry form (the tracking feature's): where the outcome is recorded."""

        def opened(dialog: EntryDialog) -> None:
            self.entry_dialog = dialog

        try:
            await open_entry_dialog(self.ctx, self, on_open=opened)
        finally:
            self.entry_dialog = None

    async def add_note(self) -> None:
        await self.ctx.trial.note(self.note_edit.text())
        self.note_edit.clear()
        self.show_message("Noted. The day still counts under the plan's routine.")

    async def load_result(self) -> None:
        result = await self.ctx.trial.result()
        self.result = result
        if result is None:
            self.result_text.setText("")
            return
        lines = [*verdict_text(result), "", *figure_lines(result)]
        self.result_text.setText("\n".join(lines))
        self.pdf_button.setEnabled(True)

    async def save_pdf(self) -> None:
        if self.result is None:
            await self.load_result()
        result = self.result
        if result is None:
            return
        name = f"thenar-comparison-{result.as_of.isoformat()}.pdf"
        path = await answer_of(self.ask_path(Path(name)))
        if path is None:
            return
        data = render_trial_report(result)
        try:
            await asyncio.to_thread(path.write_bytes, data)  # a slow disk never holds Stop
        except OSError as exc:
            log.info("saving the comparison failed: %s", exc)
            said = explain(exc)
            self.show_message(f"Could not save {path.name}: {said.sentence()} Try another folder.")
            return
        self.show_message(f"Saved {path.name}.")

    def _ask_pdf_path(self, suggested: Path) -> Awaitable[Path | None]:
        """A Save dialog that leaves the loop (and Stop) running; remembers its folder."""
        return ask_save_path(
            self.ctx,
            "trial-pdf",
            title="Save the comparison as PDF",
            name=suggested.name,
            filters="PDF document (*.pdf)",
            suffix=".pdf",
            parent=self,
        )

    def _ask_stop(self) -> None:
        self.confirm_stop.setVisible(True)
        self.confirm_stop.setFocus()

    async def stop(self) -> None:
        await self.ctx.trial.stop()
        await self.load_result()
        self.show_message("The comparison is stopped. What was recorded before today is kept.")

    def refresh(self) -> None:
        state = self.ctx.trial.state
        today = self.ctx.today()
        if self.start.date() <= QDate(today.year, today.month, today.day):  # from tomorrow
            tomorrow = today + dt.timedelta(days=1)
            self.start.setDate(QDate(tomorrow.year, tomorrow.month, tomorrow.day))
        if self.arm_a.count() == 0:
            self._fill_arms()
        self.confirm_stop.setVisible(False)
        finished = state is not None and state.finished_by(today)
        if state is None or (finished and self.planning_new):
            self.stack.setCurrentIndex(PLAN)
            return
        self.planning_new = False
        self.stack.setCurrentIndex(FOLLOW)
        offer = self.ctx.trial.offer()
        if offer is not None:
            self.today_text.setText(" ".join(t for t in (offer.reason, offer.limits_note) if t))
        elif finished:
            ended = "stopped early" if state.stopped_on is not None else "finished"
            self.today_text.setText(f"This comparison has {ended}. The result is below.")
        else:
            self.today_text.setText(
                f"The comparison starts on {state.plan.first_day:%A %d %B}. "
                "Until then, use Thenar as you like."
            )
        self.plan_text.setText("\n".join(plan_lines(state.plan) + schedule_lines(state.plan)))
        self.entry_hint.setText(ENTRY_HINT[state.plan.design.outcome])
        self.note_button.setEnabled(offer is not None)
        self.note_edit.setEnabled(offer is not None)
        self.stop_button.setVisible(not finished)
        self.new_button.setVisible(finished)
        self.result_button.setText("Show the result" if finished else "Show the result so far")
        self.pdf_button.setEnabled(self.result is not None)


def schedule_lines(plan: TrialPlan) -> list[str]:
    """The schedule, one period a line."""
    return [f"{p.first:%a %d %b} to {p.last:%a %d %b}: {arm_name(p.arm)}" for p in plan.periods]
