"""The day's check-in, before its first session: today's answers make today's limits stricter.

All questions are on one page (there are only five or six) with large Yes/No rows and a
0-10 row; "Check" shows the outcome in words. Accepting means "go ahead with today's
profile" (and starts the session when `can_start`); rejecting (Close, Rest today, Esc)
means no session now. The caller saves the check-in either way once it was checked.

The check-in is also the day's entry (issue 14): below the safety questions the
person may add stiffness, morning stiffness, which hand and where, a note and
medications (`EntryForm`); its discomfort is the entry's pain, its flare the flare.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from appcore.screening import CheckInFlow, CheckInOutcome, CheckInResult
from data.errors import StoreError
from desktop.entry_dialog import EntryForm
from desktop.screening_view import OptionRow
from desktop.welcome_view import heading, scroll
from desktop.widgets import (
    ActionFlow,
    arrows_move_focus_only,
    big_button,
    fit_to_screen,
    notice,
    paragraph,
    shown_options,
)
from therapy.questionnaire import NO

if TYPE_CHECKING:
    from PySide6.QtGui import QKeyEvent

    from data.entries import Entry
    from therapy import CheckIn, Question, SafetyProfile

# "As usual" answers No to these four (each one's safe answer, the same as ticking it);
# the helper question is not among them (its safe answer is a Yes only the person can
# give), nor the 0-10 discomfort (a number only the person can give).
USUAL_NO = ("flare", "new_injury", "broken_skin", "tingling")
USUAL_WORDS = (
    "Everything as usual today: no flare, no new hurt, no broken or sore skin, and no "
    "more numbness or tingling than usual"
)


class CheckInDialog(QDialog):
    """Ask today's questions; `result_profile()` is today's profile once checked."""

    def __init__(
        self,
        profile: SafetyProfile,
        today: dt.date,
        parent: QWidget | None = None,
        *,
        can_start: bool = True,
        medications: list[str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.can_start = can_start  # False: no massager to start, "Done" just saves
        self.setWindowTitle("Today's check-in")
        self.setModal(True)
        self.flow = CheckInFlow(profile, today)
        self.result_: CheckInResult | None = None
        self.groups: dict[str, QButtonGroup] = {}
        self._first_button: dict[str, QPushButton | OptionRow] = {}
        self._option_rows: dict[tuple[str, str], OptionRow] = {}

        outer = QVBoxLayout(self)
        self.stack = QStackedWidget()
        outer.addWidget(self.stack, 1)

        # Page 1: the questions
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 8, 0)
        layout.setSpacing(8)
        layout.addWidget(heading("Today's check-in", large=True))
        layout.addWidget(
            paragraph(
                "A few quick questions about your hands today. Your answers can make "
                "today's session gentler, or suggest resting."
            )
        )
        asked = {q.question_id for q in self.flow.questions}
        # One answer for an ordinary day; the questions below show what it ticked, and any
        # of them can still be changed (a Yes unticks it).
        self.as_usual = OptionRow(0, USUAL_WORDS, multiple=True)
        self.as_usual.setVisible(all(qid in asked for qid in USUAL_NO))
        self.as_usual.button.toggled.connect(self._as_usual)
        layout.addWidget(self.as_usual)
        for q in self.flow.questions:
            layout.addSpacing(self.fontMetrics().height())
            layout.addWidget(heading(q.text))
            layout.addWidget(paragraph(q.help))
            layout.addWidget(self._scale(q) if q.question_id == "discomfort" else self._yes_no(q))
        layout.addSpacing(self.fontMetrics().height())
        layout.addWidget(heading("More about today, if you like"))
        layout.addWidget(
            paragraph(
                "Your answer about discomfort is saved as today's pain, and the flare "
                "question as a flare. Anything you leave here stays not rated."
            )
        )
        self.details_form = EntryForm(medications or [], checkin=True)
        self.details_form.med_name.setVisible(False)  # the list is kept in the daily entry
        self.details_form.med_add.setVisible(False)
        layout.addWidget(self.details_form)
        layout.addStretch(1)
        questions = QWidget()
        qlayout = QVBoxLayout(questions)
        qlayout.setContentsMargins(0, 0, 0, 0)
        qlayout.addWidget(scroll(body), 1)
        self.message = notice()
        qlayout.addWidget(self.message)
        row = QHBoxLayout()
        self.cancel_button = big_button("Not now")
        self.cancel_button.clicked.connect(self.reject)
        self.check_button = big_button("Check  ▶", "Check my answers")
        self.check_button.setDefault(True)
        self.cancel_button.setAutoDefault(False)
        self.check_button.clicked.connect(self.check)
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        row.addWidget(self.check_button)
        qlayout.addLayout(row)
        self.stack.addWidget(questions)

        # Page 2: the outcome
        outcome = QWidget()
        olayout = QVBoxLayout(outcome)
        olayout.setContentsMargins(0, 0, 0, 0)
        self.outcome_title = heading("", large=True)
        olayout.addWidget(self.outcome_title)
        self.outcome_text = paragraph("")
        self.outcome_text.setTextFormat(Qt.TextFormat.PlainText)
        self.outcome_text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        olayout.addWidget(scroll(self.outcome_text), 1)
        orow = QHBoxLayout()
        self.back_button = big_button("◀  Change answers")
        self.back_button.clicked.connect(self._back)
        self.stop_button = big_button("Rest today")
        self.stop_button.clicked.connect(self.reject)
        self.go_button = big_button("Start the session  ▶")
        self.go_button.clicked.connect(self.accept)
        orow.addWidget(self.back_button)
        orow.addStretch(1)
        orow.addWidget(self.stop_button)
        orow.addWidget(self.go_button)
        olayout.addLayout(orow)
        self.stack.addWidget(outcome)

        fit_to_screen(
            self, self.fontMetrics().averageCharWidth() * 80, self.fontMetrics().height() * 32
        )

    # --- building

    def _yes_no(self, q: Question) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        group = QButtonGroup(self)
        for option in shown_options(q):  # the safe answer first, as in the screening
            option_row = OptionRow(0, option.label)
            option_row.button.setAccessibleName(f"{option.label}: {q.text}")
            option_row.button.toggled.connect(self._answerer(q.question_id, option.option_id))
            group.addButton(option_row.button)
            row.addWidget(option_row, 1)
            self._first_button.setdefault(q.question_id, option_row)
            self._option_rows[(q.question_id, option.option_id)] = option_row
        self.groups[q.question_id] = group
        return box

    def _scale(self, q: Question) -> QWidget:
        box = QWidget()
        row = ActionFlow(box)  # 0-10 wraps at large text on a small screen, never cut
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        group = QButtonGroup(self)
        for option in q.options:
            button = big_button(option.label, f"Discomfort {option.label} out of 10")
            button.setCheckable(True)
            button.setAutoDefault(False)  # Enter means "Check", not "press 4 again"
            button.setMinimumWidth(self.fontMetrics().horizontalAdvance("10") * 2)
            button.toggled.connect(self._answerer(q.question_id, option.option_id))
            group.addButton(button)
            arrows_move_focus_only(button)  # a 4 stays 4 until another number is pressed
            row.addWidget(button)
            self._first_button.setdefault(q.question_id, button)
        self.groups[q.question_id] = group
        return box

    def _answerer(self, question_id: str, option_id: str) -> Callable[[bool], None]:
        """A toggled-handler that records this option when it is switched on."""

        def answer(on: bool) -> None:
            if on:
                self.flow.choose(option_id, question_id)
                self.message.setVisible(False)
                if question_id in USUAL_NO and option_id != NO:
                    self.as_usual.button.setChecked(False)  # not as usual any more

        return answer

    def _as_usual(self, on: bool) -> None:
        """Tick No on each of the four, as the person would one by one."""
        if not on:
            return  # unticking changes no answer: they stay as shown
        for qid in USUAL_NO:
            row = self._option_rows.get((qid, NO))
            if row is not None:
                row.button.setChecked(True)

    # --- checking

    def check(self) -> None:
        missing = self.flow.missing()
        if missing:
            n = len(missing)
            self.message.setText(
                f"Please answer {'this question' if n == 1 else f'these {n} questions'}: "
                + " / ".join(q.text for q in missing)
            )
            self.message.setVisible(True)
            first = self._first_button[missing[0].question_id]
            target = first.button if isinstance(first, OptionRow) else first
            target.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        result = self.flow.result()
        try:  # checked here; the safety owner gives it the time it is saved at
            self._details(result, dt.datetime.now().astimezone())
        except StoreError as exc:  # e.g. a note over its limit: say so, stay on the questions
            self.message.setText(f"{exc} Nothing was saved yet.")
            self.message.setVisible(True)
            self.details_form.note.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.result_ = result
        self._show_outcome(self.result_)

    def _show_outcome(self, result: CheckInResult) -> None:
        lines: list[str] = []
        if result.outcome is CheckInOutcome.BLOCKED:
            self.outcome_title.set("No session today")
            lines += list(result.reasons)
            lines.append("Rest your hands. Answer the check-in again on another day.")
        elif result.outcome is CheckInOutcome.POSTPONE:
            self.outcome_title.set("You may prefer to rest today")
            lines += list(result.reasons)
            lines.append("If you go ahead, Thenar uses today's gentler limits.")
        else:
            self.outcome_title.set("You can start your session")
        others = [c for c in result.changes if c not in result.reasons]
        if others:
            lines.append("Today's changes:")
            lines += others
        profile = result.profile
        heat = "off" if profile.heat_off else "on, within your limit"
        lines.append(f"Today: squeezing up to {profile.max_pressure.value} mmHg; heat {heat}.")
        self.outcome_text.setText("\n\n".join(lines))
        self.outcome_text.setAccessibleName(self.outcome_title.plain())
        blocked = result.outcome is CheckInOutcome.BLOCKED
        self.go_button.setVisible(not blocked)
        if not self.can_start:
            self.go_button.setText("Done")
        elif result.outcome is CheckInOutcome.POSTPONE:
            self.go_button.setText("Go ahead gently  ▶")
        else:
            self.go_button.setText("Start the session  ▶")
        self.go_button.setAccessibleName(self.go_button.text().rstrip(" ▶"))
        self.stop_button.setText("Close" if blocked else "Rest today")
        self.stop_button.setAccessibleName(self.stop_button.text())
        self.check_button.setDefault(False)
        main = self._main_button()
        main.setDefault(True)
        (self.stop_button if main is self.go_button else self.go_button).setDefault(False)
        self.stack.setCurrentIndex(1)
        main.setFocus(Qt.FocusReason.OtherFocusReason)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter presses a focused action button, else this page's main button.

        Qt's own default-button logic loses the default once focus has passed through
        another button, and would make Enter re-press a 0-10 button; this is predictable.
        """
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            focused = self.focusWidget()
            if isinstance(focused, QPushButton) and not focused.isCheckable():
                focused.click()
            elif self.stack.currentIndex() == 0:
                self.check_button.click()
            else:
                self._main_button().click()
            return
        super().keyPressEvent(event)

    def _main_button(self) -> QPushButton:
        if self.outcome() is CheckInOutcome.GO:
            return self.go_button
        return self.stop_button

    def _back(self) -> None:
        self.go_button.setDefault(False)
        self.stop_button.setDefault(False)
        self.check_button.setDefault(True)
        self.cancel_button.setAutoDefault(False)
        self.stack.setCurrentIndex(0)
        self.check_button.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- what the caller reads

    def result_profile(self) -> SafetyProfile | None:
        """Today's profile once checked (None before); check `outcome()` before a session."""
        return None if self.result_ is None else self.result_.profile

    def outcome(self) -> CheckInOutcome | None:
        return None if self.result_ is None else self.result_.outcome

    def reasons(self) -> tuple[str, ...]:
        """Why no session, or why rest is suggested, in plain words."""
        return () if self.result_ is None else self.result_.reasons

    def checkin(self) -> CheckIn | None:
        """The answers (with the 0-10 discomfort) for the caller to log."""
        return None if self.result_ is None else self.result_.checkin

    def _details(self, result: CheckInResult, at: dt.datetime) -> Entry | None:
        if not self.details_form.has_details():
            return None
        checkin = result.checkin
        return self.details_form.entry(at, pain=checkin.discomfort, flare=checkin.flare)

    def details(self, at: dt.datetime) -> Entry | None:
        """What else the person recorded with the check-in (None: nothing), as of `at`."""
        return None if self.result_ is None else self._details(self.result_, at)
