"""The safety questions, one at a time, then the result in plain words.

Built for stiff hands and tired eyes: each answer is a large framed row that can be
clicked anywhere, picked with the arrow keys, or with its number key (1, 2, 3...);
Enter moves on. The flow itself (order, validation, saving) is `appcore.screening`.

Why this module is long: one flow's screens: the answer rows and the question panel
(built for keyboard, number keys and large targets; `OptionRow` is reused by the
check-in and Settings) and the page that steps through them share one keyboard handling.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from appcore.screening import QuestionFlow, ScreeningFlow
from appcore.screening_log import stored_answers
from appcore.summary import summarize
from desktop.tasks import TaskOwner
from desktop.welcome_view import NextStepRow, ProfileSummaryView, heading
from desktop.widgets import (
    ARROW_STEPS,
    Page,
    action_row,
    big_button,
    notice,
    paragraph,
    shown_options,
)

if TYPE_CHECKING:
    from appcore.context import AppContext
    from therapy import Question, SafetyProfile

AUTO_ADVANCE_MS = 350  # long enough to see the answer chosen, short enough not to wait


class OptionRow(QFrame):
    """One answer: an indicator and wrapping text in a frame; a click anywhere picks it."""

    def __init__(self, number: int, label: str, multiple: bool = False) -> None:
        super().__init__()
        self.setObjectName("option")
        self.button: QAbstractButton = QCheckBox() if multiple else QRadioButton()
        self.button.setAccessibleName(label)
        if number:
            self.button.setAccessibleDescription(f"Key {number}")
        self.button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.button.installEventFilter(self)
        self.by_pointer = False  # the last pick was a click (not a key): the page moves on
        self.label = QLabel(f"{number}.  {label}" if number else label)
        self.label.setWordWrap(True)
        self.label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addWidget(self.button)
        layout.addWidget(self.label, 1)
        self.setMinimumHeight(round(self.fontMetrics().height() * 2.4))
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.button.toggled.connect(lambda on: self._set_prop("chosen", on))

    def _set_prop(self, name: str, on: bool) -> None:
        self.setProperty(name, "true" if on else "false")
        self.style().unpolish(self)
        self.style().polish(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.MouseButtonRelease:
            self.by_pointer = True  # a click on the round button itself
        elif event.type() == QEvent.Type.KeyPress:
            self.by_pointer = False
        if event.type() in (QEvent.Type.FocusIn, QEvent.Type.FocusOut):
            self._set_prop("focused", event.type() == QEvent.Type.FocusIn)
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            step = ARROW_STEPS.get(Qt.Key(event.key()))
            if step is not None:  # Qt would also *pick* the next radio button: only move
                if event.modifiers() == Qt.KeyboardModifier.NoModifier:
                    self._move_focus(step)  # (Alt+arrow and the like do nothing here)
                return True
        return False

    def _move_focus(self, step: int) -> None:
        """Arrow keys move the focus between answers; only a visible choice changes one."""
        parent = self.parentWidget()
        if parent is None:
            return
        rows = [
            r
            for r in parent.findChildren(
                OptionRow, options=Qt.FindChildOption.FindDirectChildrenOnly
            )
            if r.isVisible() and r.button.isEnabled()
        ]
        if self not in rows:
            return
        index = min(max(rows.index(self) + step, 0), len(rows) - 1)
        rows[index].button.setFocus(Qt.FocusReason.TabFocusReason)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
            event.position().toPoint()
        ):
            self.button.setFocus(Qt.FocusReason.MouseFocusReason)
            self.by_pointer = True
            self.button.click()
        event.accept()


class QuestionPanel(QWidget):
    """Shows the flow's current question; writes the person's choices back into the flow."""

    changed = Signal()
    picked_by_pointer = Signal()  # a single answer clicked: the page goes on by itself

    def __init__(self, flow: QuestionFlow) -> None:
        super().__init__()
        self.flow = flow
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self.progress = QLabel()
        self.progress.setAccessibleName("Progress")
        layout.addWidget(self.progress)
        self.question = heading("", large=True)
        layout.addWidget(self.question)
        self._options_host = QVBoxLayout()
        self._options_host.setSpacing(8)
        layout.addLayout(self._options_host)
        self.help_button = big_button("Why we ask (H)", "Show why we ask this question")
        self.help_button.setCheckable(True)
        self.help_button.toggled.connect(self._toggle_help)
        self.help_text = paragraph("")
        self.help_text.setObjectName("notice")
        self.help_text.setVisible(False)
        help_row = QHBoxLayout()
        help_row.addWidget(self.help_button)
        help_row.addStretch(1)
        layout.addLayout(help_row)
        layout.addWidget(self.help_text)
        layout.addStretch(1)
        self.rows: list[OptionRow] = []
        self.group: QButtonGroup | None = None

    def show_question(self) -> None:
        q = self.flow.current
        self.progress.setText(self.flow.progress())
        self.question.set(q.text)
        self.help_text.setText(q.help)
        self.help_button.setChecked(False)
        for row in self.rows:
            row.deleteLater()
        self.rows = []
        if self.group is not None:
            self.group.deleteLater()
        self.group = QButtonGroup(self)
        self.group.setExclusive(not q.multiple)
        chosen = self.flow.chosen()
        for number, option in enumerate(shown_options(q), start=1):
            row = OptionRow(number, option.label, q.multiple)
            row.button.setChecked(option.option_id in chosen)
            row._set_prop("chosen", option.option_id in chosen)
            row.button.clicked.connect(
                lambda _=False, oid=option.option_id, r=row: self._picked(q, oid, r)
            )
            self.group.addButton(row.button, number)
            self._options_host.addWidget(row)
            row.show()  # not the queued show Qt does for a visible parent: no blank frame
            self.rows.append(row)
        self.focus_answer()

    def focus_answer(self) -> None:
        """Focus the chosen answer (or the first): where the keyboard should be."""
        target = next((r for r in self.rows if r.button.isChecked()), None) or (
            self.rows[0] if self.rows else None
        )
        if target is not None:
            target.button.setFocus(Qt.FocusReason.OtherFocusReason)

    def pick_number(self, number: int) -> bool:
        """Pick (or, for tick boxes, flip) the answer with this number; False if none."""
        if not 1 <= number <= len(self.rows):
            return False
        button = self.rows[number - 1].button
        button.setFocus(Qt.FocusReason.ShortcutFocusReason)
        button.click()
        return True

    def _picked(self, q: Question, option_id: str, row: OptionRow) -> None:
        button = row.button
        pointer, row.by_pointer = row.by_pointer, False
        if q.multiple:
            self.flow.toggle(option_id, button.isChecked(), q.question_id)
            chosen = self.flow.chosen(q.question_id)
            for other, option in zip(self.rows, shown_options(q), strict=True):
                other.button.setChecked(option.option_id in chosen)
        else:
            self.flow.choose(option_id, q.question_id)
        self.changed.emit()
        # One answer settles it: a single-choice question, or "None of these" ticked.
        settled = not q.multiple or (option_id in q.exclusive and button.isChecked())
        if pointer and settled:
            self.picked_by_pointer.emit()

    def _toggle_help(self, on: bool) -> None:
        self.help_text.setVisible(on)
        self.help_button.setText("Hide why we ask (H)" if on else "Why we ask (H)")


class ScreeningPage(Page):
    """The questionnaire and its result; `on_done(profile)` runs when the person continues."""

    title = "Safety questions"

    def __init__(self, ctx: AppContext, on_done: Callable[[SafetyProfile], None]) -> None:
        super().__init__()
        self.ctx = ctx
        self._on_done = on_done
        self.tasks = TaskOwner()
        self.flow = ScreeningFlow()
        self.profile: SafetyProfile | None = None
        self._started = False
        self._saving = False

        self.stack = QStackedWidget()
        self.layout_.addWidget(self.stack, 1)

        # Questions
        questions = QWidget()
        qlayout = QVBoxLayout(questions)
        qlayout.setContentsMargins(0, 0, 0, 0)
        self.message = notice()
        self.panel = QuestionPanel(self.flow)
        self.panel.changed.connect(lambda: self.message.setVisible(False))
        # A clicked answer moves on by itself, after a moment to see it chosen (a key
        # press, 1-9, waits for Enter; tick-box questions wait for Next).
        self._advance = QTimer(self)
        self._advance.setSingleShot(True)
        self._advance.setInterval(AUTO_ADVANCE_MS)
        self._advance.timeout.connect(self._auto_next)
        self._advance_from = -1
        self.panel.picked_by_pointer.connect(self._schedule_next)
        qlayout.addWidget(self.panel, 1)  # the page itself scrolls
        qlayout.addWidget(self.message)
        actions = self.action_stack(self.stack)  # Next and Continue never scroll away
        self.back_button = big_button("◀  Back")
        self.back_button.clicked.connect(self.back)
        self.next_button = big_button("Next  ▶")
        self.next_button.clicked.connect(self.next)
        actions.addWidget(action_row(self.back_button, None, self.next_button))
        self.stack.addWidget(questions)

        # Result
        result = QWidget()
        rlayout = QVBoxLayout(result)
        rlayout.setContentsMargins(0, 0, 0, 0)
        self.result_title = heading("Your result")
        rlayout.addWidget(self.result_title)
        self.result_box = QVBoxLayout()  # the summary, rebuilt for each result; the page scrolls
        rlayout.addLayout(self.result_box, 1)
        self._result_body: QWidget | None = None
        self.summary_view: ProfileSummaryView | None = None
        # Continue's work first (the app moves on from the result), then the step's page.
        self.next_step = NextStepRow(before_open=self._continue)
        rlayout.addWidget(self.next_step)
        self.change_button = big_button("Change my answers")
        self.change_button.clicked.connect(self.change_answers)
        self.continue_button = big_button("Continue  ▶", "Continue to Thenar")
        self.continue_button.clicked.connect(self._continue)
        actions.addWidget(action_row(self.change_button, None, self.continue_button))
        self.stack.addWidget(result)

        self.setTabOrder(self.back_button, self.next_button)
        self.setTabOrder(self.next_step.button, self.change_button)
        self.setTabOrder(self.change_button, self.continue_button)

    # --- life cycle

    def shown(self) -> None:
        if not self._started:
            self.start()

    def start(self) -> None:
        """Begin (again) at question 1, pre-filled with the last stored answers, if any."""
        self._started = True
        self.flow = ScreeningFlow()
        self.panel.flow = self.flow
        self.stack.setCurrentIndex(0)
        self.message.setVisible(False)
        self._show()
        self.tasks.spawn(self._prefill())

    async def _prefill(self) -> None:
        try:
            earlier = await self.ctx.db.run(stored_answers)
        except Exception:  # nothing to pre-fill is fine: the person answers from scratch
            return
        if earlier and not self.flow.answers:
            self.flow.answers.update(earlier)
            self._show()

    # --- moving through

    def _show(self) -> None:
        self.panel.show_question()
        self.back_button.setEnabled(not self.flow.is_first)
        last = self.flow.is_last
        self.next_button.setText("See my result  ▶" if last else "Next  ▶")
        self.next_button.setAccessibleName("See my result" if last else "Next question")

    def next(self) -> None:
        if self._saving:
            return
        was_last = self.flow.is_last
        if not self.flow.next():
            self.message.setText(
                "Please choose an answer to go on (click it, or press its number)."
            )
            self.message.setVisible(True)
            self.panel.focus_answer()
            return
        self.message.setVisible(False)
        if was_last:
            missing = self.flow.missing()
            if missing:  # only possible if answers were cleared on the way; go back to it
                self.flow.go_to(missing[0].question_id)
                self._show()
                self.message.setText("Please answer this question too.")
                self.message.setVisible(True)
                return
            self._saving = True
            self.tasks.spawn(self._finish())
            return
        self._show()

    def _schedule_next(self) -> None:
        self._advance_from = self.flow.index
        self._advance.start()

    def _auto_next(self) -> None:
        if self.stack.currentIndex() == 0 and self.flow.index == self._advance_from:
            self.next()

    def back(self) -> None:
        self.flow.back()
        self.message.setVisible(False)
        self._show()

    def change_answers(self) -> None:
        self.flow.index = 0
        self.stack.setCurrentIndex(0)
        self._show()

    async def _finish(self) -> None:
        """Save the answers and their result off the loop, then show the result."""
        today = self.ctx.today()
        profile = self.flow.result(today)
        answers = dict(self.flow.answers)
        self.next_button.setEnabled(False)
        self.back_button.setEnabled(False)
        self.message.setText("Saving your answers…")
        self.message.setVisible(True)
        try:
            await self.ctx.safety.save_screening(answers)
        except Exception as exc:
            self.message.setText(
                f"Your answers could not be saved ({exc}). They are still here: press "
                "“See my result” to try again. If it keeps failing, restart Thenar."
            )
            return
        finally:
            self._saving = False
            self.next_button.setEnabled(True)
            self.back_button.setEnabled(not self.flow.is_first)
        self.message.setVisible(False)
        self.profile = profile
        self.show_result(profile)

    def show_result(self, profile: SafetyProfile) -> None:
        summary = summarize(
            profile,
            self.ctx.settings.temperature_unit,
            paired=bool(self.ctx.settings.pinned_address),
        )
        self.summary_view = ProfileSummaryView(summary)
        self.next_step.set_step(summary.next_step)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 8, 0)
        layout.addWidget(self.summary_view)
        layout.addStretch(1)
        if self._result_body is not None:
            self.result_box.removeWidget(self._result_body)
            self._result_body.hide()
            self._result_body.setParent(None)
            self._result_body.deleteLater()
        self._result_body = body
        self.result_box.addWidget(body)
        self.stack.setCurrentIndex(1)
        self.continue_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _continue(self) -> None:
        if self.profile is not None:
            self._on_done(self.profile)

    # --- keyboard

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Digits pick answers, H shows help, Enter presses the focused or the main button."""
        key = event.key()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        on_questions = self.stack.currentIndex() == 0
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            focused = self.focusWidget()
            if isinstance(focused, QPushButton) and focused.isEnabled():
                focused.click()
            elif on_questions:
                self.next_button.click()
            else:
                self.continue_button.click()
            return
        if on_questions and mods == Qt.KeyboardModifier.NoModifier:
            if Qt.Key.Key_1 <= key <= Qt.Key.Key_9 and self.panel.pick_number(key - Qt.Key.Key_0):
                return
            if key == Qt.Key.Key_H:
                self.panel.help_button.toggle()
                return
        super().keyPressEvent(event)
