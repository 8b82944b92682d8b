"""Sessions without the Thenar massager: massage by hand with guided steps, or another massager.

Massage by hand runs a routine as steps on screen: the movements in words, the
hand drawing showing where, and a timer that moves on by itself (or "Next step").
It needs the same go-ahead as the massager (screening and today's check-in) and
leaves out what today's profile does not allow. A session with another massager
is logged once it is over, with how long it took. Both take ratings before and
after (both scales or neither) and count as sessions everywhere. Before either
starts, more than three sessions today brings a warning that counts every kind;
pressing again goes ahead.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from appcore.events import RatingsChanged, SessionsChanged
from appcore.manual_session import (
    OTHER_MASSAGER_MAX_MIN,
    ByHandStart,
    ManualSessions,
    too_many_warning,
)
from data.errors import StoreError
from data.models import Rating, SessionKind
from data.other_massagers import MASSAGER_NAME_MAX_CHARS
from desktop.entry_dialog import Choice, Scale
from desktop.hand_widget import HandWidget
from desktop.tasks import TaskOwner
from desktop.welcome_view import heading
from desktop.widgets import Page, big_button, limit_text, notice, paragraph
from therapy import ROUTINES

if TYPE_CHECKING:
    from appcore.context import AppContext
    from therapy.by_hand import GuidedStep


def rating_of(at: datetime, pain: Scale, stiffness: Scale) -> Rating | str | None:
    """Both scales: a Rating; neither: None (not rated); one: what is missing, in words."""
    p, s = pain.value(), stiffness.value()
    if p is None and s is None:
        return None
    if p is None or s is None:
        missing = pain if p is None else stiffness
        return f"Please rate {missing.name.lower()} too, or leave both as not rated."
    return Rating(at, p, s)


def _clock(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


class RatingPair(QWidget):
    """Pain and stiffness, each 0-10 and "not rated" until tapped."""

    def __init__(self, when: str) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel(when))
        self.pain = Scale("Pain", "none", "worst")
        self.stiffness = Scale("Stiffness", "none", "worst")
        layout.addWidget(self.pain)
        layout.addWidget(self.stiffness)

    def rating(self, at: datetime) -> Rating | str | None:
        return rating_of(at, self.pain, self.stiffness)

    def clear(self) -> None:
        self.pain.set_value(None)
        self.stiffness.set_value(None)


class ByHandPage(Page):
    """Massage by hand (guided) and sessions with another massager."""

    title = "Without the massager"

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.sessions = ManualSessions(ctx.db, ctx.safety, ctx.now, self._logged)
        self.tasks = TaskOwner(self._failed)
        self.plan: ByHandStart | None = None
        self.session_id: int | None = None
        self.step_index = 0
        self.remaining = 0
        self._warned: SessionKind | None = None  # pressed once past the warning
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.tick)

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 12, 0)
        layout.addWidget(
            paragraph(
                "No Thenar massager at hand? Massage your own hands with Thenar's routines "
                "as steps on screen, or log a session with another massager. Both count "
                "as sessions on your Progress page."
            )
        )
        # -- massage by hand
        layout.addWidget(heading("Massage by hand"))
        self.routine = Choice("Routine:", [(k, r.name) for k, r in ROUTINES.items()])
        self.routine.set_value(next(iter(ROUTINES)))
        self.routine.changed.connect(self._keep_a_routine)
        layout.addWidget(self.routine)
        self.before = RatingPair("Before you start (optional):")
        layout.addWidget(self.before)
        self.start_button = big_button("Start by hand  ▶", "Start massage by hand")
        self.start_button.clicked.connect(lambda: self.tasks.spawn(self.start()))
        layout.addWidget(self.start_button)
        self.message = notice()
        layout.addWidget(self.message)

        self.guide = QWidget()
        glayout = QVBoxLayout(self.guide)
        self.step_title = heading("", large=True)
        glayout.addWidget(self.step_title)
        row = QHBoxLayout()
        self.moves = paragraph("")
        self.moves.setAccessibleName("What to do")
        row.addWidget(self.moves, 2)
        self.hand = HandWidget()
        self.hand.setMinimumHeight(self.fontMetrics().height() * 10)
        row.addWidget(self.hand, 1)
        glayout.addLayout(row)
        self.time_label = QLabel("")
        self.time_label.setAccessibleName("Time left in this step")
        glayout.addWidget(self.time_label)
        buttons = QHBoxLayout()
        self.next_button = big_button("Next step  ▶")
        self.next_button.clicked.connect(self.next_step)
        self.stop_button = big_button("Stop")
        self.stop_button.clicked.connect(self.stop)
        buttons.addWidget(self.next_button)
        buttons.addStretch(1)
        buttons.addWidget(self.stop_button)
        glayout.addLayout(buttons)
        self.guide.setVisible(False)
        layout.addWidget(self.guide)

        self.after_box = QWidget()
        alayout = QVBoxLayout(self.after_box)
        self.after = RatingPair("How are your hands now? (optional)")
        alayout.addWidget(self.after)
        self.save_button = big_button("Save the session")
        self.save_button.clicked.connect(lambda: self.tasks.spawn(self.save_by_hand()))
        alayout.addWidget(self.save_button)
        self.after_box.setVisible(False)
        layout.addWidget(self.after_box)
        self._completed = False

        # -- another massager
        layout.addWidget(heading("A session with another massager"))
        minutes_row = QHBoxLayout()
        minutes_label = QLabel("How long it lasted:")
        self.minutes = QSpinBox()
        self.minutes.setRange(1, OTHER_MASSAGER_MAX_MIN)
        self.minutes.setValue(15)
        self.minutes.setSuffix(" min")
        self.minutes.setAccessibleName("Minutes the session lasted")
        minutes_label.setBuddy(self.minutes)
        minutes_row.addWidget(minutes_label)
        minutes_row.addWidget(self.minutes)
        minutes_row.addStretch(1)
        layout.addLayout(minutes_row)
        which_label = QLabel("Which massager (its model name, optional):")
        which_label.setWordWrap(True)
        self.massager = QComboBox()  # the names used before, newest first; or type a new one
        self.massager.setEditable(True)
        self.massager.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        edit = self.massager.lineEdit()
        assert edit is not None
        rule = limit_text(edit, MASSAGER_NAME_MAX_CHARS, "The name on the box")
        self.massager.setAccessibleName(f"Which massager, its model name, optional, {rule}")
        which_label.setBuddy(self.massager)
        layout.addWidget(which_label)
        layout.addWidget(self.massager)
        self.other_before = RatingPair("Before it (optional):")
        self.other_after = RatingPair("After it (optional):")
        layout.addWidget(self.other_before)
        layout.addWidget(self.other_after)
        self.log_button = big_button("Log this session")
        self.log_button.clicked.connect(lambda: self.tasks.spawn(self.log_other()))
        layout.addWidget(self.log_button)
        self.other_message = notice()
        layout.addWidget(self.other_message)
        layout.addStretch(1)

        area = QScrollArea()
        area.setWidget(body)
        area.setWidgetResizable(True)
        area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.layout_.addWidget(area, 1)

    # --- shared -------------------------------------------------------------------

    def _logged(self) -> None:
        self.ctx.log.sessions.publish(SessionsChanged())
        self.ctx.log.ratings.publish(RatingsChanged())

    def _failed(self, exc: BaseException) -> None:
        text = str(exc) if isinstance(exc, StoreError | ValueError) else "Something went wrong."
        self.say(f"{text} Nothing else was changed.")

    def say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _keep_a_routine(self) -> None:
        if self.routine.value() is None:  # tapping the chosen one again keeps it
            self.routine.set_value(next(iter(ROUTINES)))

    async def _past_warning(self, kind: SessionKind, say: QLabel) -> bool:
        """True to go ahead: under the advice, or pressed again after the warning."""
        today: Counter[SessionKind] = await self.sessions.today()
        warning = too_many_warning(today)
        if not warning or self._warned is kind:
            self._warned = None
            return True
        self._warned = kind
        say.setText(f"{warning} Press again to go ahead anyway.")
        say.setVisible(True)
        return False

    # --- massage by hand -----------------------------------------------------------

    async def start(self) -> None:
        key = self.routine.value()
        assert key is not None
        try:
            plan = self.sessions.plan(key)
        except ValueError as exc:
            self.say(str(exc))
            return
        before = self.before.rating(self.ctx.now())
        if isinstance(before, str):
            self.say(before)
            return
        if not await self._past_warning(SessionKind.BY_HAND, self.message):
            return
        self.start_button.setEnabled(False)
        try:
            self.session_id = await self.sessions.start_by_hand(plan, before)
        finally:
            self.start_button.setEnabled(self.session_id is None)
        self.plan = plan
        self.say(" ".join(plan.plan.left_out))
        self.guide.setVisible(True)
        self.after_box.setVisible(False)
        self._show_step(0)
        self.timer.start()

    @property
    def steps(self) -> tuple[GuidedStep, ...]:
        return () if self.plan is None else self.plan.plan.steps

    def _show_step(self, index: int) -> None:
        self.step_index = index
        step = self.steps[index]
        self.remaining = step.seconds
        self.step_title.set(f"{step.title}  ·  step {index + 1} of {len(self.steps)}")
        self.moves.setText("\n".join(f"{i + 1}. {m}" for i, m in enumerate(step.moves)))
        self.hand.set_targeted(step.zones)
        self._show_time()

    def _show_time(self) -> None:
        self.time_label.setText(f"{_clock(self.remaining)} left in this step")

    def tick(self) -> None:
        """One second passed: count down, and move on when the step's time is up."""
        if self.plan is None:
            return
        self.remaining = max(0, self.remaining - 1)
        self._show_time()
        if self.remaining == 0:
            self.next_step()

    def next_step(self) -> None:
        if self.step_index + 1 < len(self.steps):
            self._show_step(self.step_index + 1)
        else:
            self._end(completed=True)

    def stop(self) -> None:
        self._end(completed=False)

    def _end(self, *, completed: bool) -> None:
        self.timer.stop()
        self._completed = completed
        self.guide.setVisible(False)
        self.after_box.setVisible(True)
        self.say(
            "Well done: that was the last step." if completed else "Stopped. You can rate below."
        )

    async def save_by_hand(self) -> None:
        if self.session_id is None:
            return
        after = self.after.rating(self.ctx.now())
        if isinstance(after, str):
            self.say(after)
            return
        await self.sessions.finish_by_hand(self.session_id, completed=self._completed, after=after)
        self.session_id = None
        self.plan = None
        self.after_box.setVisible(False)
        self.before.clear()
        self.after.clear()
        self.start_button.setEnabled(True)
        self.say("Saved: the session is on your Progress page.")

    # --- another massager -------------------------------------------------------------

    def shown(self) -> None:
        """Offer the massagers named before (they may have changed since last time)."""
        self.tasks.spawn(self.load_massagers())

    async def load_massagers(self) -> None:
        typed = self.massager.currentText()
        names = await self.sessions.known_massagers()
        self.massager.clear()
        self.massager.addItems(names)
        self.massager.setEditText(typed)  # what the person was typing stays

    async def log_other(self) -> None:
        now = self.ctx.now()
        minutes = self.minutes.value()
        before = self.other_before.rating(now)
        after = self.other_after.rating(now)
        for rating in (before, after):
            if isinstance(rating, str):
                self.other_message.setText(rating)
                self.other_message.setVisible(True)
                return
        assert not isinstance(before, str)
        assert not isinstance(after, str)
        if before is not None:  # it was given before the session began
            before = Rating(before.at - timedelta(minutes=minutes), before.pain, before.stiffness)
        if not await self._past_warning(SessionKind.OTHER_MASSAGER, self.other_message):
            return
        try:
            await self.sessions.log_other(minutes, before, after, self.massager.currentText())
        except (ValueError, StoreError) as exc:
            self.other_message.setText(f"{exc} Nothing was saved.")
            self.other_message.setVisible(True)
            return
        self.other_before.clear()
        self.other_after.clear()
        name = self.massager.currentText().strip()
        self.other_message.setText(
            f"Saved: a {minutes}-minute session with "
            + (name if name else "another massager")
            + ", on your Progress page."
        )
        await self.load_massagers()  # the name is offered next time
        self.other_message.setVisible(True)
