"""The Massage page: choose, check in, rate, run with a big Stop, rate again.

Four panels in a stack: choose (routine, hand drawing, intensity, heat, the
ratings before), live (pressures on the hand, temperature, step guidance, time
left, Pause/Stop), after (why it ended, ratings after) and interrupted (a lost
link: what happened, and Resume once the massager is back). All behaviour is in
`appcore.session.SessionController`; this page draws it and forwards intent.

Why this module is long: one page of four panels (choose, live, after, interrupted) that
hand over to each other on the controller's phase; they share the page's ratings, its
controller subscription and one phase switch (`_show_phase`), which a split per panel
would spread across files. The behaviour itself is already in `appcore.session`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidgetItem,
    QSlider,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from appcore.explain import explain
from appcore.programs import single_programs
from appcore.session import APP_CLOSED, Phase, Plan, SessionController
from appcore.settings import format_temperature
from data import ratings as rating_log
from data import sessions as session_log
from data.models import Outcome, Rating, RatingKind, SessionRecord
from desktop.controls import RowsList
from desktop.dialogs import shown
from desktop.hand_widget import HandWidget, SpareZonesPanel
from desktop.reflow import OnResize, Spots, is_narrow, place
from desktop.tasks import TaskOwner
from desktop.theme import MIN_TARGET_PX
from desktop.widgets import (
    ActionFlow,
    Page,
    action_row,
    big_button,
    notice,
    paragraph,
)
from therapy import EXERCISES, ROUTINES, TECHNIQUES, CustomProgram, Routine, SafetyProfile
from therapy.techniques import MUSCLE_WORDS, ZONE_MUSCLES, Technique

if TYPE_CHECKING:
    from appcore.context import AppContext
    from data.db import LogDb
    from desktop.checkin_dialog import CheckInDialog
    from massage import Zone
    from therapy.compiler import StepGuidance

log = logging.getLogger(__name__)

LEVEL_MIN, LEVEL_MAX = 2, 10  # squeezing during a session, as tenths of the plan
# Routines shown side by side with the drawing; in one column (1024x600 at 200% text) the
# list fills the page's view with whole rows, at least two (three there: its 313 px hold
# three 86 px rows), so the whole list is in view at once and only the page scrolls past it.
ROUTINE_ROWS, NARROW_ROWS = 3, 2
REPAINT_MS = 100  # status arrives at up to 20 Hz; people need no more than 10 updates a second


def _zones_for(spec: Routine | CustomProgram) -> set[Zone]:
    muscles = frozenset().union(*(b.muscles() for b in spec.blocks))
    return {zone for zone, zone_muscles in ZONE_MUSCLES.items() if zone_muscles & muscles}


def describe(spec: Routine | CustomProgram) -> str:
    """A routine's own description; for a single technique, what it does and works."""
    if isinstance(spec, Routine):
        return spec.description
    block = spec.blocks[0]
    if block.exercise is not None:
        moves = EXERCISES[block.exercise].moves
        return f"A guided movement with the glove's air off, {len(moves)} moves: " + "; ".join(
            moves
        )
    info = TECHNIQUES[block.technique]
    return info.guidance


def technique_name(technique: Technique) -> str:
    """The massage term itself: "Effleurage", "Trigger point"."""
    return technique.value.replace("_", " ").capitalize()


def step_heading(step: StepGuidance) -> str:
    """The step's own title with the technique it is built on: "Gliding wave (Effleurage)"."""
    name = technique_name(step.technique)
    return step.title if step.title.lower() == name.lower() else f"{step.title} ({name})"


def step_words(step: StepGuidance) -> list[str]:
    """What the technique is, then each muscle it works, in plain words (one line each)."""
    parts = []
    info = TECHNIQUES[step.technique]
    if info.guidance and info.guidance not in step.instruction:
        parts.append(f"{technique_name(step.technique)}: {info.guidance}")
    for muscle in sorted(step.muscles):
        parts.append(f"Works the {muscle.value}: {MUSCLE_WORDS[muscle]}.")
    return parts


def last_unrated_interrupted(db: LogDb) -> SessionRecord | None:
    """The latest session, if Thenar closed (or stopped) during it and it has no rating after."""
    latest = session_log.list_sessions(db, limit=1)
    if not latest:
        return None
    last = latest[0]
    if last.outcome != Outcome.INTERRUPTED_CRASH and last.stop_reason != APP_CLOSED:
        return None
    if RatingKind.AFTER in rating_log.session_ratings(db, last.id):
        return None
    return last


def interrupted_words(record: SessionRecord) -> str:
    when = record.started_at.astimezone().strftime("%d %b at %H:%M")
    how = (
        "Thenar closed during it, so the massager was stopped"
        if record.stop_reason == APP_CLOSED
        else "Thenar stopped unexpectedly during it; the massager stops by itself then"
    )
    return f"Your last session ({record.program_name}, {when}) was interrupted: {how}."


class RatingRow(QWidget):
    """A 0-10 rating with large − and + buttons and the arrow keys; "not rated" until touched.

    `value()` is None until the person moves it: an untouched row is never saved as a 0.
    """

    NOT_RATED = "not rated"

    def __init__(self, label: str, hint: str) -> None:
        super().__init__()
        grid = QGridLayout(self)  # the label above, the controls below: fits narrow windows
        grid.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.name = label
        self.label = QLabel(f"{label} (0 = none, 10 = worst)")
        self.label.setToolTip(hint)
        self.minus = big_button("−", f"Less {label.lower()}")
        self.plus = big_button("+", f"More {label.lower()}")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 10)
        self.slider.setPageStep(1)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.slider.setAccessibleName(f"{label}, 0 to 10")
        self.value_label = QLabel(self.NOT_RATED)
        self.value_label.setMinimumWidth(
            self.value_label.fontMetrics().horizontalAdvance(self.NOT_RATED + "  ")
        )
        self.touched = False
        self.slider.valueChanged.connect(self._touch)
        self.slider.actionTriggered.connect(lambda _a: self._touch())  # a press at 0 too
        self.slider.sliderPressed.connect(self._touch)
        self.minus.clicked.connect(lambda: self._step(-1))
        self.plus.clicked.connect(lambda: self._step(+1))
        self.label.setWordWrap(True)
        self.slider.setMinimumWidth(3 * MIN_TARGET_PX)
        grid.addWidget(self.label, 0, 0)
        row.addWidget(self.minus)
        row.addWidget(self.slider, 1)
        row.addWidget(self.plus)
        row.addWidget(self.value_label)
        grid.addLayout(row, 1, 0)
        self._show()

    def _step(self, by: int) -> None:
        if not self.touched:  # the first press counts from where the slider shows (0):
            self._touch()  # − gives 0, + gives 1
        self.slider.setValue(self.slider.value() + by)

    def _touch(self, *_: object) -> None:
        self.touched = True
        self._show()

    def _show(self) -> None:
        text = str(self.slider.value()) if self.touched else self.NOT_RATED
        self.value_label.setText(text)
        self.slider.setAccessibleDescription(text)

    def value(self) -> int | None:
        return self.slider.value() if self.touched else None

    def clear(self) -> None:
        """Back to "not rated" (a new session, a new rating)."""
        self.slider.blockSignals(True)
        self.slider.setValue(0)
        self.slider.blockSignals(False)
        self.touched = False
        self._show()


def rating_from(at: datetime, pain: RatingRow, stiffness: RatingRow) -> Rating | str | None:
    """Both rows rated: a Rating. Neither: None (not rated). One: what is missing, in words."""
    p, s = pain.value(), stiffness.value()
    if p is None and s is None:
        return None
    if p is None or s is None:
        missing = pain if p is None else stiffness
        return (
            f'Please rate "{missing.name.lower()}" too, or leave both as not rated: '
            "a rating is saved only with both."
        )
    return Rating(at, p, s)


class SessionPage(Page):
    title = "Massage"

    def __init__(
        self,
        ctx: AppContext,
        session: SessionController,
        program_ids: Callable[[], dict[str, int]],
        today: Callable[[], date] = date.today,
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.session = session
        self._program_ids = program_ids
        self._today = today
        self.checkin_dialog: CheckInDialog | None = None  # while the check-in is open
        self._warned_today = False  # the too-many-sessions warning was shown at Start
        self.tasks = TaskOwner(self._failed)
        self.choices: dict[str, Routine | CustomProgram] = {**ROUTINES, **single_programs()}
        self.trial_offer = paragraph("")  # today's plan in a comparison trial (issue 16)
        self.trial_offer.setAccessibleName("Today's plan in your comparison")
        self.layout_.addWidget(self.trial_offer)
        self._offered_on: date | None = None
        self.stack = QStackedWidget()
        self.layout_.addWidget(self.stack, 1)
        self.message = notice()
        # What the last check-in said ("Your check-in is saved…"): it stays on screen until
        # the person acts again, not only until the next refresh (a caps sync triggers one).
        self._checkin_note = ""
        self._rating_note = ""  # "please rate stiffness too": until a rating changes
        self.footer.insertWidget(0, self.message)  # in view with the buttons, never scrolled off
        self.action_rows = self.action_stack(self.stack)
        # The last session was interrupted (Thenar closed during it): say so, offer to rate.
        self.unrated: SessionRecord | None = None
        self.unrated_text = QLabel()
        self.unrated_text.setWordWrap(True)
        self.unrated_text.setObjectName("notice")
        self.rate_unrated = big_button("Rate it now", "Rate the interrupted session now")
        self.rate_unrated.clicked.connect(self._rate_unrated)
        self.unrated_row = QWidget()
        unrated_layout = QHBoxLayout(self.unrated_row)
        unrated_layout.setContentsMargins(0, 0, 0, 0)
        unrated_layout.addWidget(self.unrated_text, 1)
        unrated_layout.addWidget(self.rate_unrated)
        self.unrated_row.setVisible(False)
        self.layout_.insertWidget(0, self.unrated_row)
        # Each panel's grid in two arrangements: side by side (False) and one column (True).
        self._arrangements: list[tuple[QGridLayout, dict[bool, Spots]]] = []
        self.narrow = False  # one column: narrow for the text (1024x600 at 200%)
        self._build_choose()
        self._build_live()
        self._build_after()
        self._build_interrupted()
        assert self.scroller is not None  # a Page scrolls unless it says otherwise
        self._on_view_resize = OnResize(self.scroller.viewport(), self._arrange)
        self._repaint = QTimer(self)
        self._repaint.setInterval(REPAINT_MS)
        self._repaint.timeout.connect(self._paint_live)
        self._dirty = False
        self._log_note = ""  # the log's note last shown (a full disk, readings not saved)
        self.previewed: Plan | None = None  # what the chosen routine would run, as shown
        self._subscriptions = [
            session.subscribe(lambda _e: self._on_session_change()),
            ctx.safety.subscribe(lambda _e: self.refresh()),
            ctx.settings_changed.subscribe(lambda _e: self.refresh()),
            ctx.trial.subscribe(lambda _e: self.refresh()),
            session.massager.link_changes.subscribe(lambda _change: self.refresh()),
        ]
        self.refresh()

    # --- panels ---------------------------------------------------------------

    def _build_choose(self) -> None:
        panel = QWidget()
        grid = QGridLayout(panel)
        grid.setContentsMargins(0, 0, 0, 0)
        self.routines = RowsList(ROUTINE_ROWS)
        self.routines.setAccessibleName("Routines and techniques")
        for key, spec in self.choices.items():
            minutes = max(1, round(sum(b.duration_s for b in spec.blocks) / 60))
            kind = "" if isinstance(spec, Routine) else "  · single technique"
            item = QListWidgetItem(f"{spec.name}  ({minutes} min){kind}")
            item.setData(Qt.ItemDataRole.UserRole, key)
            self.routines.addItem(item)
        self.routines.currentItemChanged.connect(lambda *_: self._on_choice())
        grid.addWidget(self.routines, 0, 0)
        self.hand = HandWidget()
        grid.addWidget(self.hand, 0, 1)
        self.description = paragraph("")
        grid.addWidget(self.description, 1, 0, 1, 2)
        controls = QVBoxLayout()
        intensity_row = QHBoxLayout()
        self.intensity = QSlider(Qt.Orientation.Horizontal)
        self.intensity.setRange(1, 10)
        self.intensity.setValue(5)
        self.intensity.setPageStep(1)
        self.intensity.setAccessibleName("Intensity, 1 to 10")
        self.intensity_label = QLabel("Intensity 5 of 10")
        self.intensity.valueChanged.connect(self._on_choice)
        intensity_row.addWidget(self.intensity_label)
        intensity_row.addWidget(self.intensity, 1)
        controls.addLayout(intensity_row)
        self.heat = QCheckBox("Warmth")
        self.heat.setChecked(True)
        self.heat.setAccessibleName("Warmth on or off")
        self.heat.toggled.connect(self._on_choice)
        controls.addWidget(self.heat)
        self.caps_text = paragraph("")
        self.caps_text.setAccessibleName("What your limits changed")
        controls.addWidget(self.caps_text)
        self.pain_before = RatingRow("Pain now", "How much do your hands hurt right now?")
        self.stiff_before = RatingRow("Stiffness now", "How stiff do your hands feel right now?")
        for row in (self.pain_before, self.stiff_before):
            row.slider.valueChanged.connect(self._rating_changed)
        controls.addWidget(self.pain_before)
        controls.addWidget(self.stiff_before)
        self.checkin_button = big_button("Today's check-in")
        self.checkin_button.clicked.connect(self.run_checkin)
        self.start_button = big_button("▶ Start massage")
        self.start_button.clicked.connect(lambda: self.tasks.spawn(self.start()))
        self.action_rows.addWidget(action_row(self.checkin_button, None, self.start_button))
        grid.addLayout(controls, 2, 0, 1, 2)
        wide: Spots = [
            (self.routines, (0, 0, 1, 1)),
            (self.hand, (0, 1, 1, 1)),
            (self.description, (1, 0, 1, 2)),
            (controls, (2, 0, 1, 2)),
        ]
        narrow: Spots = [  # the routines above the drawing, each the page's width
            (self.routines, (0, 0, 1, 2)),
            (self.hand, (1, 0, 1, 2)),
            (self.description, (2, 0, 1, 2)),
            (controls, (3, 0, 1, 2)),
        ]
        self._arrangements.append((grid, {False: wide, True: narrow}))
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        self.stack.addWidget(panel)
        self.routines.setCurrentRow(0)

    def _build_live(self) -> None:
        panel = QWidget()
        grid = QGridLayout(panel)
        grid.setContentsMargins(0, 0, 0, 0)
        self.paused_banner = QLabel("❚❚ Paused: the glove has let go. Press Resume to go on.")
        self.paused_banner.setObjectName("pausedBanner")
        self.paused_banner.setWordWrap(True)
        self.paused_banner.setVisible(False)
        grid.addWidget(self.paused_banner, 0, 0, 1, 2)
        self.live_hand = HandWidget()
        grid.addWidget(self.live_hand, 1, 0, 3, 1)
        self.step_title = QLabel("")
        self.step_title.setObjectName("stepTitle")
        self.step_title.setWordWrap(True)
        grid.addWidget(self.step_title, 1, 1)
        self.step_text = paragraph("")
        self.step_text.setAccessibleName("What to do now")
        grid.addWidget(self.step_text, 5, 0, 1, 2)  # full width: long words wrap less
        self.step_about = QVBoxLayout()  # the technique and each muscle, a label each
        self.about_labels: list[QLabel] = []
        grid.addLayout(self.step_about, 6, 0, 1, 2)
        self.live_numbers = paragraph("")
        self.live_numbers.setAccessibleName("Time left and temperature")
        grid.addWidget(self.live_numbers, 2, 1)
        adjust = ActionFlow()  # wraps rather than cuts a button
        self.gentler_button = big_button("− Gentler", "Gentler: less squeezing")
        self.gentler_button.clicked.connect(lambda: self.tasks.spawn(self.adjust_level(-2)))
        self.firmer_button = big_button("+ Firmer", "Firmer: more squeezing, up to your plan")
        self.firmer_button.clicked.connect(lambda: self.tasks.spawn(self.adjust_level(+2)))
        self.warmth_button = big_button("Warmth: on", "Warmth on or off")
        self.warmth_button.setCheckable(True)
        self.warmth_button.clicked.connect(lambda on: self.tasks.spawn(self.set_warmth(bool(on))))
        for button in (self.gentler_button, self.firmer_button, self.warmth_button):
            adjust.addWidget(button)
        adjust.addStretch(1)
        grid.addLayout(adjust, 3, 1)
        # Sparing a tender zone (the massager confirms before a toggle says "spared").
        self.spare_panel = SpareZonesPanel(
            self.tasks.spawn, self.session.spare, self._show_live_controls
        )
        grid.addWidget(self.spare_panel, 4, 0, 1, 2)
        self.pause_button = big_button("❚❚ Pause")
        self.pause_button.clicked.connect(lambda: self.tasks.spawn(self.toggle_pause()))
        self.live_stop = big_button("■ Stop (Esc)", "Stop the massage now")
        self.live_stop.setObjectName("stopButton")
        self.live_stop.clicked.connect(lambda: self.tasks.spawn(self.stop()))
        row = action_row(self.pause_button, self.live_stop)
        self.action_rows.addWidget(row)
        words: Spots = [  # what is happening, then the buttons to change it
            (self.step_title, (1, 1, 1, 1)),
            (self.live_numbers, (2, 1, 1, 1)),
            (adjust, (3, 1, 1, 1)),
        ]
        below: Spots = [
            (self.spare_panel, (4, 0, 1, 2)),
            (self.step_text, (5, 0, 1, 2)),
            (self.step_about, (6, 0, 1, 2)),
        ]
        wide: Spots = [*words, (self.live_hand, (1, 0, 3, 1)), *below]
        narrow: Spots = [  # the words and buttons above the drawing, each the page's width
            *((item, (r, 0, 1, 2)) for item, (r, *_) in words),
            (self.live_hand, (4, 0, 1, 2)),
            *((item, (r + 1, 0, 1, 2)) for item, (r, *_) in below),
        ]
        self._arrangements.append((grid, {False: wide, True: narrow}))
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        self.stack.addWidget(panel)

    def _build_after(self) -> None:
        panel = QWidget()
        box = QVBoxLayout(panel)
        box.setContentsMargins(0, 0, 0, 0)
        self.after_text = paragraph("")
        box.addWidget(self.after_text)
        box.addWidget(paragraph("How do your hands feel now?"))
        self.pain_after = RatingRow("Pain now", "How much do your hands hurt right now?")
        self.stiff_after = RatingRow("Stiffness now", "How stiff do your hands feel right now?")
        box.addWidget(self.pain_after)
        box.addWidget(self.stiff_after)
        self.save_after = big_button("Skip")  # "Save how I feel" once something is rated
        self.save_after.clicked.connect(lambda: self.tasks.spawn(self.save_rating_after()))
        for rating_row in (self.pain_after, self.stiff_after):
            rating_row.slider.valueChanged.connect(self._after_changed)
            rating_row.slider.actionTriggered.connect(self._after_changed)
            rating_row.minus.clicked.connect(self._after_changed)
            rating_row.plus.clicked.connect(self._after_changed)
        self.action_rows.addWidget(action_row(None, self.save_after))
        box.addStretch(1)
        self.stack.addWidget(panel)

    def _build_interrupted(self) -> None:
        panel = QWidget()
        box = QVBoxLayout(panel)
        box.setContentsMargins(0, 0, 0, 0)
        self.interrupted_text = paragraph("")
        box.addWidget(self.interrupted_text)
        self.end_button = big_button("End the session")
        self.end_button.clicked.connect(self.session.skip_rating)
        self.resume_button = big_button("▶ Resume where it stopped")
        self.resume_button.clicked.connect(lambda: self.tasks.spawn(self.start(resume=True)))
        self.action_rows.addWidget(action_row(self.end_button, None, self.resume_button))
        box.addStretch(1)
        self.stack.addWidget(panel)

    # --- behaviour --------------------------------------------------------------

    async def look_for_interrupted(self) -> None:
        """At start-up: was the last session interrupted and never rated? Offer it."""
        record = await self.ctx.db.run(last_unrated_interrupted)
        self.unrated = record
        if record is not None and self.session.phase == Phase.CHOOSING:
            self.unrated_text.setText(interrupted_words(record) + " How do your hands feel now?")
            self.unrated_row.setVisible(True)

    def _rate_unrated(self) -> None:
        record = self.unrated
        self.unrated_row.setVisible(False)
        if record is None or self.session.active:
            return
        self.unrated = None
        self.session.offer_rating(record.id, interrupted_words(record))

    def _arrange(self) -> None:
        """One column when the page is narrow for its text, side by side otherwise. In one
        column the routines show as many whole rows as the page's view holds; a drawing
        takes the page's width at its preferred height (its labels need that)."""
        area = self.scroller
        assert area is not None
        narrow = is_narrow(area.width(), self.fontMetrics().height())
        if narrow != self.narrow:
            self.narrow = narrow
            for grid, spots in self._arrangements:
                place(grid, spots[narrow])
            self.routines.rows = NARROW_ROWS if narrow else ROUTINE_ROWS
            self.routines.room = (lambda: area.viewport().height()) if narrow else None
        self.routines.updateGeometry()  # the view's height changed, or the rows'

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._arrange()  # the same window holds fewer lines of larger text

    def _failed(self, exc: BaseException) -> None:
        log.warning("session action failed: %s", exc)
        self.show_message(f"That did not work: {explain(exc).sentence()}")

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def profile(self) -> SafetyProfile | None:
        """The profile in force now, from the safety owner (today's check-in included)."""
        return self.ctx.safety.state.profile

    def _selected(self) -> Routine | CustomProgram | None:
        item = self.routines.currentItem()
        return None if item is None else self.choices[item.data(Qt.ItemDataRole.UserRole)]

    def _on_choice(self) -> None:
        routine = self._selected()
        self.intensity_label.setText(f"Intensity {self.intensity.value()} of 10")
        if routine is None:
            return
        self.description.setText(describe(routine))
        self.hand.set_targeted(_zones_for(routine))
        profile = self.profile()
        if profile is None:
            self.caps_text.setText("Answer the safety questions first (Home).")
            return
        heat_off = profile.heat_off or not self.heat.isChecked()
        self.heat.setEnabled(not profile.heat_off)
        if profile.heat_off:
            self.heat.setChecked(False)
            self.heat.setToolTip("Warmth is off for you: " + profile.max_heat.why.about("heat"))
        self.previewed = None
        try:
            plan = self.session.preview(
                self._spec(routine, heat_off),
                self._program_id(routine),
                self.intensity.value(),
                profile,
            )
        except Exception as exc:  # a blocked profile or a routine it does not allow
            self.caps_text.setText(str(exc))
            return
        self.previewed = plan
        changes = [c.message for c in plan.compiled.changes]
        unit = self.ctx.settings.temperature_unit
        limits = plan.compiled.limits
        heat = (
            "off" if limits.max_heat_dc == 0 else format_temperature(limits.max_heat_dc / 10, unit)
        )
        summary = (
            f"Your limits: up to {limits.max_pressure_mmhg} mmHg, warmth {heat}, "
            f"{limits.max_session_s // 60} minutes."
        )
        self.caps_text.setText(summary + ("\n" + "\n".join(changes) if changes else ""))

    def _spec(self, spec: Routine | CustomProgram, heat_off: bool) -> Routine | CustomProgram:
        if not heat_off:
            return spec
        return replace(spec, blocks=tuple(replace(b, heat_c=0) for b in spec.blocks))

    def _program_id(self, spec: Routine | CustomProgram) -> int:
        item = self.routines.currentItem()
        key = item.data(Qt.ItemDataRole.UserRole) if item is not None else ""
        return self._program_ids().get(key, 0)

    def refresh(self) -> None:
        state = self.ctx.safety.state
        connected = self.session.massager.is_connected  # either device family
        reason = "" if state.allowed else state.why_not()
        if not reason and not connected:
            reason = "Connect your massager on the Device page first."
        self.start_button.setEnabled(not reason and self.session.phase == Phase.CHOOSING)
        self.start_button.setToolTip(reason)
        self.checkin_button.setEnabled(state.base is not None and not self.session.active)
        if self.session.phase == Phase.CHOOSING:
            # What stops Start comes first; then the answer to the person's last action
            # (kept until they act again: a refresh from a link or settings event must
            # not wipe it).
            self.show_message(reason or self._rating_note or self._checkin_note)
        # The button says that Start begins with today's check-in (a line in the footer
        # would take the room of two routines at 200% text on a 1024x600 screen).
        start = "▶ Start massage" if state.checked_in else "▶ Check in and start"
        self.start_button.setText(start)
        self.start_button.setAccessibleName(start)
        self._show_trial_offer()
        self._on_choice()
        self._show_phase()

    def _rating_changed(self) -> None:
        if self._rating_note:
            self._rating_note = ""
            self.refresh()

    def shown(self) -> None:
        self._show_trial_offer()  # a new day may have begun while the page was hidden

    def _show_trial_offer(self) -> None:
        """Today's routine from the comparison's plan, chosen first (once a day), with why."""
        offer = self.ctx.trial.offer()
        self.trial_offer.setText(
            "" if offer is None else " ".join(t for t in (offer.reason, offer.limits_note) if t)
        )
        self.trial_offer.setVisible(offer is not None)
        if offer is None or offer.routine is None or self._offered_on == offer.day:
            return
        self._offered_on = offer.day
        for row in range(self.routines.count()):
            if self.routines.item(row).data(Qt.ItemDataRole.UserRole) == offer.routine:
                self.routines.setCurrentRow(row)

    def run_checkin(self) -> None:
        """The check-in button: check in, and start the session if the person says so."""
        self.tasks.spawn(self.start(ask_checkin=True))

    async def check_in(self) -> str | None:
        """Ask today's questions and save whatever was checked.

        None: go ahead with a session; otherwise what to tell the person instead.
        """
        base = self.ctx.safety.state.base
        if base is None:
            return "Answer the safety questions on the Home page first."
        can_start = self.session.massager.is_connected and not self.session.active
        meds = [m.name for m in await self.ctx.tracking.medications() if m.stopped_on is None]
        from desktop.checkin_dialog import CheckInDialog  # loads at the first check-in

        dialog = CheckInDialog(base, self.ctx.today(), self, can_start=can_start, medications=meds)
        self.checkin_dialog = dialog
        try:  # not exec(): a nested Qt loop would step asyncio tasks re-entrantly
            accepted = await shown(dialog) == QDialog.DialogCode.Accepted
        finally:
            self.checkin_dialog = None
            dialog.deleteLater()
            self.window().activateWindow()  # Esc (the global Stop) works again at once
        checkin = dialog.checkin()
        if checkin is None:
            return "No check-in today yet, so no session. Press Start to begin it."
        # saved with the day's entry, and its caps go to the massager
        await self.ctx.safety.check_in(checkin, dialog.details(self.ctx.now()))
        if not accepted:
            return f"Your check-in is saved. No session now. {' '.join(dialog.reasons())}".strip()
        if not can_start:
            return "Your check-in is saved. Connect your massager on the Device page."
        return None

    async def start(self, resume: bool = False, ask_checkin: bool = False) -> None:
        """Start (the day's first session begins with the check-in), or resume."""
        self._checkin_note = self._rating_note = ""
        before = rating_from(self.ctx.now(), self.pain_before, self.stiff_before)
        if isinstance(before, str):  # one of the two rated: say which is missing, start nothing
            self._rating_note = before  # stays through refreshes until a rating changes
            self.show_message(before)
            (
                self.pain_before if self.pain_before.value() is None else self.stiff_before
            ).slider.setFocus()
            return
        if ask_checkin or not self.ctx.safety.state.checked_in:
            self.start_button.setEnabled(False)
            note: str | None = "The check-in did not finish."
            try:
                note = await self.check_in()
            finally:
                self.refresh()
            if note is not None:
                self._checkin_note = note
                self.show_message(note)
                return
        if self.session.phase != Phase.CHOOSING and not resume:
            return
        if not resume:
            self._on_choice()  # the plan for the profile in force now, as shown
            if self.previewed is None:
                return  # the caps text says why
            plan = self.previewed
            self.session.plan_for(plan.spec, plan.program_row_id, plan.intensity)
            if not await self._past_daily_advice():
                return
        self.start_button.setEnabled(False)
        self.show_message("Starting…")
        try:
            await self.session.start(before, resume=resume)
        finally:
            self.refresh()
        self.show_message("")
        self.pain_before.clear()  # the next session starts "not rated" again
        self.stiff_before.clear()
        self.live_stop.setFocus()

    async def _past_daily_advice(self) -> bool:
        """More than three sessions today (every kind counts: issue 14) warns once at
        Start; pressing Start again goes ahead."""
        from appcore.manual_session import sessions_on, too_many_warning  # at the first Start

        today = await self.ctx.db.run(sessions_on, self.ctx.today())
        warning = too_many_warning(today)
        if not warning or self._warned_today:
            self._warned_today = False
            return True
        self._warned_today = True
        self.show_message(f"{warning} Press Start again to go ahead anyway.")
        return False

    async def stop(self) -> None:
        await self.session.stop()

    async def adjust_level(self, by: int) -> None:
        """Gentler (−) or firmer (+) now; the massager confirms before the screen says so."""
        level = max(LEVEL_MIN, min(LEVEL_MAX, self.session.level + by))
        if level != self.session.level:
            await self.session.set_level(level)
        self._show_live_controls()

    async def set_warmth(self, on: bool) -> None:
        try:
            await self.session.set_warmth(on)
        finally:
            self._show_live_controls()

    def _show_live_controls(self) -> None:
        level = self.session.level
        running = self.session.phase == Phase.RUNNING
        self.gentler_button.setEnabled(running and level > LEVEL_MIN)
        self.firmer_button.setEnabled(running and level < LEVEL_MAX)
        refusal = self.session.warmth_refusal()  # no warmth planned, or above the caps
        can_warm = not refusal
        self.warmth_button.setEnabled(running and can_warm)
        on = self.session.warmth_on and can_warm
        self.warmth_button.setChecked(on)
        self.warmth_button.setText("Warmth: on" if on else "Warmth: off")
        self.warmth_button.setToolTip(refusal)
        spare_refusal = self.session.spare_refusal()  # this massager squeezes all zones together
        self.spare_panel.show_state(
            self.session.spared, enabled=self.session.active, refusal=spare_refusal
        )
        self.live_hand.set_spared(self.session.spared)

    async def toggle_pause(self) -> None:
        if self.session.phase == Phase.PAUSED:
            await self.session.resume()
        else:
            await self.session.pause()

    async def save_rating_after(self) -> None:
        after = rating_from(self.ctx.now(), self.pain_after, self.stiff_after)
        if isinstance(after, str):
            self.show_message(after)
            (
                self.pain_after if self.pain_after.value() is None else self.stiff_after
            ).slider.setFocus()
            return
        await self.session.rate_after(after)
        self.show_message(
            "Saved. You can see it on the Progress page." if after else "Not rated: nothing saved."
        )

    def _after_changed(self) -> None:
        """Save says what it will do: "Skip" while nothing is rated."""
        rated = self.pain_after.value() is not None or self.stiff_after.value() is not None
        self.save_after.setText("Save how I feel" if rated else "Skip")
        self.save_after.setAccessibleName(
            "Save how I feel" if rated else "Skip rating: save nothing"
        )

    # --- painting ----------------------------------------------------------------

    def _on_session_change(self) -> None:
        self._dirty = True
        if self.session.active and self.unrated_row.isVisible():  # a new session began
            self.unrated_row.setVisible(False)
            self.unrated = None
        if self.session.log_note != self._log_note:  # say what the log could not save
            self._log_note = self.session.log_note
            self.show_message(self._log_note)
        if self.session.phase == Phase.CHOOSING:
            self.refresh()  # back to choosing: Start becomes available again
        else:
            self._show_phase()

    def _show_phase(self) -> None:
        phase = self.session.phase
        index = {
            Phase.CHOOSING: 0,
            Phase.RUNNING: 1,
            Phase.PAUSED: 1,
            Phase.ENDED: 2,
            Phase.INTERRUPTED: 3,
        }[phase]
        if index == 2:  # the message can follow the phase (Stop's, once the log replied)
            self.after_text.setText(self.session.message)
        if self.stack.currentIndex() != index:
            self.stack.setCurrentIndex(index)
            if index == 2:
                self.pain_after.clear()  # each session's rating starts "not rated"
                self.stiff_after.clear()
                self._after_changed()
                self.save_after.setFocus()
        if index == 1:
            if not self._repaint.isActive():
                self._repaint.start()
            paused = phase == Phase.PAUSED
            self.pause_button.setText("▶ Resume" if paused else "❚❚ Pause")
            self.paused_banner.setVisible(paused)
            self._show_live_controls()
        else:
            self._repaint.stop()
        if index == 3:
            self.interrupted_text.setText(self.session.message)
            self.resume_button.setEnabled(self.session.can_resume)
            self.resume_button.setToolTip(
                "" if self.session.can_resume else "Waiting for the massager to come back…"
            )

    def show_about(self, lines: list[str]) -> None:
        if [label.text() for label in self.about_labels] == lines:
            return
        for label in self.about_labels:
            self.step_about.removeWidget(label)
            label.hide()
            label.deleteLater()
        self.about_labels = [paragraph(line) for line in lines]
        for label in self.about_labels:
            self.step_about.addWidget(label)

    def _paint_live(self) -> None:
        """Throttled: at most every REPAINT_MS, whatever the status rate."""
        if not self._dirty:
            return
        self._dirty = False
        status = self.session.status
        plan = self.session.plan
        if status is None or plan is None or status.pressures_mmhg is None:
            return  # a device that reports no pressure has no live panel
        self.live_hand.set_pressures(status.pressures_mmhg)
        guidance = plan.compiled.guidance
        if status.step_index is not None and 0 <= status.step_index < len(guidance):
            step = guidance[status.step_index]
            self.step_title.setText(step_heading(step))
            self.step_text.setText(step.instruction)
            self.show_about(step_words(step))
        unit = self.ctx.settings.temperature_unit
        minutes, seconds = divmod(status.remaining_s or 0, 60)
        heat = (
            f"warmth {format_temperature((status.temperature_dc or 0) / 10, unit)}"
            if status.heat_setpoint_dc
            else "warmth off"
        )
        self.live_numbers.setText(
            f"{minutes} min {seconds:02d} s left · {heat} · squeezing up to "
            f"{max(status.pressures_mmhg)} mmHg now · level {self.session.level} of 10"
        )
