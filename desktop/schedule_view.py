"""The Schedule page: recurring sessions made with large, simple choices.

The view only draws `appcore.reminders` (the picker, the week, the warnings) and
forwards clicks; all log work goes through the DB worker, off the event loop.

Why this module is long: one page whose picker (repeat, days, time, with its live
sentence) is most of it; the week list, add, delete and export are short and share the
picker's state and the page's DB-worker calls. The schedule logic itself is in `appcore`
(schedule_picker, schedule_week, schedule_words).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QLocale, Qt, QTime, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from appcore.explain import explain, os_cause
from appcore.reminders import LEAD_CHOICES, ScheduleEntry, ScheduleService, Snapshot
from appcore.schedule_picker import PickerChoice, PickerError, Repeat
from appcore.schedule_week import Mark, overload_warning, week_overview
from appcore.schedule_words import DAY_NAMES, choice_sentence, entry_sentence, lead_phrase
from data.errors import StoreError
from desktop.controls import DateBox, NumberBox, TimeBox
from desktop.locale_words import locale_date as locale_date  # also named from here
from desktop.locale_words import locale_time as locale_time
from desktop.locale_words import locale_when as locale_when
from desktop.locale_words import system_zone as system_zone
from desktop.save_dialog import answer_of, ask_save_path
from desktop.tasks import TaskOwner
from desktop.widgets import (
    ActionFlow,
    Page,
    big_button,
    notice,
    paragraph,
)
from therapy import ROUTINES

if TYPE_CHECKING:
    from appcore.context import AppContext

log = logging.getLogger(__name__)

AskPath = Callable[[Path], Path | Awaitable[Path | None] | None]
TIME_STEP_MIN = 15  # design: the Earlier/Later buttons move a quarter of an hour
_REPEAT_LABELS = (
    (Repeat.DAILY, "Every day"),
    (Repeat.WEEKDAYS, "Weekdays"),
    (Repeat.DAYS, "Chosen days"),
    (Repeat.EVERY_N_DAYS, "Every few days"),
)
_ENDS = ("Never", "On a date", "After a number of sessions")


def plain_error(exc: BaseException) -> str:
    """An error as a sentence a person can act on."""
    if isinstance(exc, PickerError):
        return str(exc)
    if isinstance(exc, StoreError) and isinstance(exc.__cause__, OSError):
        exc = exc.__cause__  # the file the person chose, not the log (the DB worker wraps it)
    if isinstance(exc, OSError):
        return f"The file could not be written ({os_cause(exc)}). Try another folder."
    said = explain(exc)  # the one mapper: what happened, and what to do if it says
    return " ".join(t for t in (said.what, "Nothing was changed.", said.advice) if t)


def dialog_ask_path(ctx: AppContext, parent: QWidget) -> AskPath:
    """The default: a Save dialog (`desktop.save_dialog`: the loop and Stop keep running)
    in Documents the first time, then where the last calendar file went."""

    def ask(suggested: Path) -> Awaitable[Path | None]:
        return ask_save_path(
            ctx,
            "calendar",
            title="Export to calendar",
            name=suggested.name,
            filters="Calendar file (*.ics)",
            suffix=".ics",
            parent=parent,
        )

    return ask


def _heading(text: str) -> QLabel:
    label = QLabel(f"<h3>{text}</h3>")
    label.setAccessibleName(text)
    return label


def _bold(label: QLabel) -> QLabel:
    font = QFont()  # only the weight is set, so the size still follows the app font
    font.setBold(True)
    label.setFont(font)
    return label


class SchedulePage(Page):
    """Schedules with their next time, an easy picker, the coming week, calendar export."""

    title = "Schedule"
    refreshed = Signal()  # new data is on screen (tests wait on it)
    changed = Signal()  # a schedule was added, changed or removed

    def __init__(
        self,
        ctx: AppContext,
        start_session: Callable[[int], None],
        *,
        now: Callable[[], dt.datetime] | None = None,
        zone: ZoneInfo | None = None,
        ask_path: AskPath | None = None,
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.start_session = start_session
        self.now = now or ctx.now  # one clock: the context's
        self.zone = zone or system_zone()
        self.ask_path = ask_path or dialog_ask_path(ctx, self)
        self.service = ScheduleService(ctx, self.now)
        self.snapshot = Snapshot()
        self.tasks = TaskOwner()
        self._confirm: QMessageBox | None = None
        self._just_added: PickerChoice | None = None

        self.message = notice()  # outcomes and warnings stay in view below the scrolling page
        self.footer.insertWidget(0, self.message)
        self.warning = notice()
        self.warning.setAccessibleName("Warning")
        self.footer.insertWidget(1, self.warning)

        self.body = self.layout_  # the page scrolls as a whole
        self.body.addWidget(_heading("Your schedules"))
        self.rows = QVBoxLayout()
        self.body.addLayout(self.rows)
        self.body.addWidget(self._build_picker())
        self.body.addWidget(_heading("The coming week"))
        self.week = QListWidget()
        self.week.setAccessibleName("Sessions in the coming week, missed ones first")
        self.week.setMinimumHeight(8 * self.fontMetrics().height())
        self.body.addWidget(self.week)
        self.export_button = big_button("Export to calendar (.ics)…", "Export to a calendar file")
        self.export_button.setToolTip(
            "Save your schedules as a file that calendar apps (Outlook, Google, Apple) open."
        )
        self.export_button.clicked.connect(self._export_clicked)
        export_row = QHBoxLayout()
        export_row.addWidget(self.export_button)
        export_row.addStretch(1)
        self.body.addLayout(export_row)
        self.body.addStretch(1)
        self._subscription = ctx.log.schedules.subscribe(lambda _e: self.shown())
        self._update_picker()

    # --- The picker ------------------------------------------------------------------

    def _build_picker(self) -> QWidget:
        box = QFrame()
        box.setFrameShape(QFrame.Shape.StyledPanel)
        outer = QVBoxLayout(box)
        outer.addWidget(_heading("Add a schedule"))
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setVerticalSpacing(10)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)

        self.repeat_group = QButtonGroup(self)
        self.repeat_group.setExclusive(True)
        repeat_box = QWidget()  # a widget, so the form gives the wrapped rows their height
        repeat_row = ActionFlow(repeat_box)  # wraps at large text rather than cutting a button
        repeat_row.setContentsMargins(0, 0, 0, 0)
        self.repeat_buttons: dict[Repeat, QPushButton] = {}
        for repeat, text in _REPEAT_LABELS:
            button = big_button(text, f"Repeat: {text}")
            button.setCheckable(True)
            self.repeat_group.addButton(button)
            self.repeat_buttons[repeat] = button
            repeat_row.addWidget(button)
        repeat_row.addStretch(1)
        self.repeat_buttons[Repeat.WEEKDAYS].setChecked(True)
        self.repeat_group.buttonClicked.connect(self._repeat_clicked)
        form.addRow(self._label("How &often", self.repeat_buttons[Repeat.DAILY]), repeat_box)

        self.day_buttons: list[QPushButton] = []
        days_box = QWidget()
        days_row = ActionFlow(days_box)
        days_row.setContentsMargins(0, 0, 0, 0)
        for index, name in enumerate(DAY_NAMES):
            button = big_button(name[:3], name)
            button.setCheckable(True)
            button.setChecked(index < 5)
            button.toggled.connect(self._day_toggled)
            self.day_buttons.append(button)
            days_row.addWidget(button)
        days_row.addStretch(1)
        self.days_label = self._label("&Days", self.day_buttons[0])
        form.addRow(self.days_label, days_box)

        # design: beyond two weeks a calendar suits better
        self.every_n = NumberBox(2, 14, "The gap in days")
        self.every_n.problem.connect(self._input_problem)
        self.every_n.setValue(2)
        self.every_n.setPrefix("every ")
        self.every_n.setSuffix(" days")
        self.every_n.setAccessibleName("Days between sessions")
        self.every_n.valueChanged.connect(self._update_picker)
        self.every_n_label = self._label("&Gap", self.every_n)
        form.addRow(self.every_n_label, self.every_n)

        self.time_edit = TimeBox(QTime(8, 0))
        self.time_edit.problem.connect(self._input_problem)
        self.time_edit.setDisplayFormat(QLocale().timeFormat(QLocale.FormatType.ShortFormat))
        self.time_edit.setAccessibleName("Time of day")
        self.time_edit.setAlignment(Qt.AlignmentFlag.AlignCenter)
        metrics = self.time_edit.fontMetrics()  # wide enough for "12:30 PM" plus padding
        self.time_edit.setMinimumWidth(
            metrics.horizontalAdvance("00:00 PM") + 4 * metrics.horizontalAdvance("M")
        )
        self.time_edit.timeChanged.connect(self._update_picker)
        self.earlier = big_button("− 15 min", "15 minutes earlier")
        self.later = big_button("+ 15 min", "15 minutes later")
        self.earlier.clicked.connect(lambda: self._step_time(-TIME_STEP_MIN))
        self.later.clicked.connect(lambda: self._step_time(TIME_STEP_MIN))
        time_row = ActionFlow()  # the two buttons wrap below the time at large text
        for widget in (self.time_edit, self.earlier, self.later):
            time_row.addWidget(widget)
        form.addRow(self._label("&Time", self.time_edit), time_row)

        self.routine = QComboBox()
        self.routine.setAccessibleName("Routine")
        for key, routine in ROUTINES.items():
            self.routine.addItem(routine.name, key)
        self.routine.currentIndexChanged.connect(self._update_picker)
        form.addRow(self._label("&Routine", self.routine), self.routine)

        self.lead = QComboBox()
        self.lead.setAccessibleName("Reminder")
        for minutes in LEAD_CHOICES:
            self.lead.addItem(lead_phrase(minutes).removeprefix("reminder ").capitalize(), minutes)
        self.lead.setCurrentIndex(LEAD_CHOICES.index(10))
        self.lead.currentIndexChanged.connect(self._update_picker)
        form.addRow(self._label("Re&minder", self.lead), self.lead)

        self.ends = QComboBox()
        self.ends.setAccessibleName("Ends")
        self.ends.addItems(_ENDS)
        self.ends.currentIndexChanged.connect(self._update_picker)
        self.until = DateBox()
        self.until.problem.connect(self._input_problem)
        self.until.setCalendarPopup(True)
        self.until.setAccessibleName("Last day")
        self.until.setDisplayFormat(QLocale().dateFormat(QLocale.FormatType.ShortFormat))
        self.until.dateChanged.connect(self._update_picker)
        self.count = NumberBox(1, 999, "The number of sessions")
        self.count.problem.connect(self._input_problem)
        self.count.setValue(10)
        self.count.setSuffix(" sessions")
        self.count.setAccessibleName("Number of sessions")
        self.count.valueChanged.connect(self._update_picker)
        ends_row = QHBoxLayout()
        for end_widget in (self.ends, self.until, self.count):
            ends_row.addWidget(end_widget)
        ends_row.addStretch(1)
        form.addRow(self._label("&Ends", self.ends), ends_row)
        outer.addLayout(form)
        self.input_message = notice()  # what a number or time box could not take
        self.input_message.setAccessibleName("What that box cannot take")
        outer.addWidget(self.input_message)
        checked: tuple[NumberBox | TimeBox | DateBox, ...] = (
            self.every_n,
            self.count,
            self.time_edit,
            self.until,
        )
        for field in checked:
            field.editingFinished.connect(lambda: self.input_message.setVisible(False))

        self.preview = _bold(paragraph(""))
        self.preview.setAccessibleName("The schedule you are making")
        outer.addWidget(self.preview)
        self.preview_warning = notice()
        self.preview_warning.setAccessibleName("Warning about this schedule")
        outer.addWidget(self.preview_warning)
        self.add_button = big_button("Add this schedule")
        self.add_button.setDefault(True)
        self.default_button = self.add_button  # Enter in a box of the picker adds it
        self.add_button.clicked.connect(self._add_clicked)
        add_row = QHBoxLayout()
        add_row.addWidget(self.add_button)
        add_row.addStretch(1)
        outer.addLayout(add_row)
        return box

    @staticmethod
    def _label(text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(buddy)  # Alt+letter jumps to the control; screen readers pair them
        return label

    def _repeat(self) -> Repeat:
        for repeat, button in self.repeat_buttons.items():
            if button.isChecked():
                return repeat
        return Repeat.DAILY

    def _days(self) -> frozenset[int]:
        return frozenset(i for i, b in enumerate(self.day_buttons) if b.isChecked())

    def _repeat_clicked(self, button: QAbstractButton) -> None:
        repeat = self._repeat()
        preset = {Repeat.DAILY: range(7), Repeat.WEEKDAYS: range(5)}.get(repeat)
        if preset is not None:
            self._set_days(frozenset(preset))
        self._update_picker()

    def _set_days(self, days: frozenset[int]) -> None:
        for index, button in enumerate(self.day_buttons):
            button.blockSignals(True)
            button.setChecked(index in days)
            button.blockSignals(False)

    def _day_toggled(self, _checked: bool) -> None:
        """Touching a day means 'these days'; the choice then reads in its simplest words."""
        self.repeat_buttons[Repeat.DAYS].setChecked(True)
        self._update_picker()

    def _step_time(self, minutes: int) -> None:
        self.time_edit.setTime(self.time_edit.time().addSecs(minutes * 60))

    def choice(self) -> PickerChoice:
        """What the picker shows now."""
        t = self.time_edit.time()
        ends = self.ends.currentIndex()
        d = self.until.date()
        return PickerChoice(
            repeat=self._repeat(),
            at=dt.time(t.hour(), t.minute()),
            routine_id=str(self.routine.currentData()),
            lead_min=int(self.lead.currentData()),
            days=self._days(),
            every_n=self.every_n.value(),
            until=dt.date(d.year(), d.month(), d.day()) if ends == 1 else None,
            count=self.count.value() if ends == 2 else None,
        )

    def _update_picker(self) -> None:
        repeat = self._repeat()
        every_n = repeat is Repeat.EVERY_N_DAYS
        for widget in (self.days_label, *self.day_buttons):
            widget.setVisible(not every_n)
        self.every_n_label.setVisible(every_n)
        self.every_n.setVisible(every_n)
        self.until.setVisible(self.ends.currentIndex() == 1)
        self.count.setVisible(self.ends.currentIndex() == 2)
        if self.ends.currentIndex() != 1:
            today = self.now().astimezone(self.zone).date()
            self.until.setMinimumDate(QDate(today.year, today.month, today.day))
        choice = self.choice()
        problems = choice.problems(self.now().astimezone(self.zone).date())
        if problems:
            self.preview.setText(" ".join(problems))
            self.add_button.setEnabled(False)
            self.preview_warning.setVisible(False)
            return
        self.preview.setText(choice_sentence(choice, None, locale_time, locale_date) + ".")
        self.add_button.setEnabled(True)
        try:
            extra = choice.schedule(self.now(), self.zone)
        except PickerError as exc:
            self.preview.setText(str(exc))
            self.add_button.setEnabled(False)
            return
        if choice == self._just_added:  # it is in the list now; counting it twice misleads
            warn = None
        else:
            warn = overload_warning(
                self.snapshot, self.now(), self.zone, extra=extra, fmt_date=locale_date
            )
        self.preview_warning.setText(f"⚠ Too many sessions. {warn}" if warn else "")
        self.preview_warning.setVisible(bool(warn))

    # --- Showing what is stored -------------------------------------------------------

    def shown(self) -> None:
        self.tasks.spawn(self.refresh())

    async def refresh(self) -> None:
        """Reload from the log and redraw."""
        try:
            self.snapshot = await self.service.load()
        except Exception as exc:
            log.exception("loading schedules failed")
            self._say(f"Your schedules could not be loaded. {plain_error(exc)}")
            return
        self._draw()
        self.refreshed.emit()

    def _draw(self) -> None:
        now = self.now()
        while self.rows.count():
            old = self.rows.takeAt(0)
            if old is not None and (widget := old.widget()) is not None:
                widget.deleteLater()
        if not self.snapshot.entries:
            self.rows.addWidget(paragraph("No schedules yet. Make one below."))
        for entry in self.snapshot.entries:
            self.rows.addWidget(self._row(entry, now))

        self.week.clear()
        items = week_overview(self.snapshot, now)
        for item in items:
            when = locale_when(item.when, now, self.zone)
            if item.mark is Mark.MISSED:
                row = QListWidgetItem(f"✗ Missed: {when}, {item.program_name}")
                font = QFont()
                font.setBold(True)
                row.setFont(font)
            elif item.mark is Mark.LATE:
                row = QListWidgetItem(f"Still to do: {when}, {item.program_name}")
            else:
                row = QListWidgetItem(f"{when}, {item.program_name}")
            self.week.addItem(row)
        if not items:
            self.week.addItem("Nothing planned in the coming week.")

        warn = overload_warning(self.snapshot, now, self.zone, fmt_date=locale_date)
        self.warning.setText(f"⚠ Too many sessions. {warn}" if warn else "")
        self.warning.setVisible(bool(warn))
        self._update_picker()

    def _row(self, entry: ScheduleEntry, now: dt.datetime) -> QWidget:
        sched = entry.schedule
        frame = QFrame()
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        frame.setObjectName(f"schedule-{sched.id}")
        layout = QVBoxLayout(frame)
        sentence = entry_sentence(entry, locale_time, locale_date)
        title = _bold(paragraph(sentence + "."))
        layout.addWidget(title)
        nxt = self.snapshot.next_time(sched.id, now)
        if not sched.enabled:
            status = "Turned off: no reminders."
        elif nxt is None:
            status = "Finished: no more sessions."
        else:
            status = f"Next: {locale_when(nxt, now, self.zone)}."
        status_label = paragraph(status)
        status_label.setObjectName("nextTime")
        layout.addWidget(status_label)
        buttons = QHBoxLayout()
        start = big_button("▶ Start now", f"Start now: {entry.program_name}")
        start.clicked.connect(lambda: self.start_session(sched.program_id))
        toggle = big_button(
            "Turn off" if sched.enabled else "Turn on",
            f"{'Turn off' if sched.enabled else 'Turn on'}: {sentence}",
        )
        toggle.setObjectName("toggle")
        toggle.clicked.connect(
            lambda: self.tasks.spawn(self._set_enabled(sched.id, not sched.enabled))
        )
        delete = big_button("Delete…", f"Delete: {sentence}")
        delete.setObjectName("delete")
        delete.clicked.connect(lambda: self._confirm_delete(entry))
        for button in (start, toggle, delete):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        return frame

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # --- Actions ---------------------------------------------------------------------

    def _add_clicked(self) -> None:
        self.add_button.setEnabled(False)  # one click, one schedule
        self.tasks.spawn(self._add(self.choice()))

    async def _add(self, choice: PickerChoice) -> None:
        try:
            await self.service.add(choice, self.zone)
            self._just_added = choice
            self._say(f"Added: {choice_sentence(choice, None, locale_time, locale_date)}.")
            self.changed.emit()
        except Exception as exc:
            if not isinstance(exc, PickerError | StoreError):
                log.exception("adding a schedule failed")
            self._say(plain_error(exc))
        finally:
            self._update_picker()

    async def _set_enabled(self, schedule_id: int, enabled: bool) -> None:
        try:
            await self.service.set_enabled(schedule_id, enabled)
            self._say("Turned on." if enabled else "Turned off. It keeps its history.")
            self.changed.emit()
        except Exception as exc:
            log.exception("changing a schedule failed")
            self._say(plain_error(exc))

    def _confirm_delete(self, entry: ScheduleEntry) -> None:
        """Ask first (without a nested event loop): deleting also drops its reminder history."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Delete schedule")
        box.setText(f"Delete “{entry_sentence(entry, locale_time, locale_date)}”?")
        box.setInformativeText(
            "Its reminder history goes too. To keep the history, choose Turn off instead."
        )
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.button(QMessageBox.StandardButton.Yes).setText("Delete")
        box.button(QMessageBox.StandardButton.No).setText("Keep it")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        sid = entry.schedule.id

        def finished(result: int) -> None:
            if result == QMessageBox.StandardButton.Yes.value:
                self.tasks.spawn(self._delete(sid))

        box.finished.connect(finished)
        self._confirm = box
        box.open()

    async def _delete(self, schedule_id: int) -> None:
        try:
            await self.service.delete(schedule_id)
            self._say("Deleted.")
            self.changed.emit()
        except Exception as exc:
            log.exception("deleting a schedule failed")
            self._say(plain_error(exc))

    def _input_problem(self, text: str) -> None:
        self.input_message.setText(f"{text} What you just typed was not taken.")
        self.input_message.setVisible(True)

    def _export_clicked(self) -> None:
        self.tasks.spawn(self.export())

    async def export(self) -> None:
        """Ask where (the Save dialog leaves the loop running), then write off the loop."""
        path = await answer_of(self.ask_path(Path("thenar-schedule.ics")))
        if path is None:
            return
        self.export_button.setEnabled(False)
        try:
            written = await self.service.export_ics(path)
            self._say(
                f"Saved your schedules to {written}. Open it with your calendar app. "
                "Only you can read the file."
            )
        except Exception as exc:
            log.exception("calendar export failed")
            self._say(plain_error(exc))
        finally:
            self.export_button.setEnabled(True)
            # Disabled while writing, it passed the focus on (to "▶ Start now"): take it back.
            self.export_button.setFocus(Qt.FocusReason.OtherFocusReason)
