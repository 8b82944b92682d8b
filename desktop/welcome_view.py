"""Home: on first run, what Thenar is and is not; afterwards, the person's limits and why.

The words come from `appcore.screening.summarize`; this module only lays them out in
large, wrapped text that grows with the app font.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from appcore.summary import Line, NextStep, ProfileSummary, summarize
from desktop.main_window import MainWindow
from desktop.tasks import TaskOwner
from desktop.widgets import ActionFlow, Page, big_button, notice, paragraph
from therapy import SCREENING_QUESTIONS, SafetyProfile, Verdict

if TYPE_CHECKING:
    from appcore.context import AppContext
    from appcore.settings import TemperatureUnit
    from desktop.entry_dialog import EntryDialog
    from desktop.entry_list import EntryListDialog

WHAT_THENAR_IS = (
    "Thenar helps you use your hand massager for comfort and relaxation. "
    "It is not a medical treatment: it does not diagnose, treat or cure any condition."
)
TALK_TO_A_CLINICIAN = (
    "If you have a health condition, or hand pain you are unsure about, talk to your "
    "doctor, nurse, physiotherapist or hand therapist before you use a massager."
)
WHY_QUESTIONS = (
    f"Before your first session Thenar asks {len(SCREENING_QUESTIONS)} short safety "
    "questions (about two minutes). Your answers set the limits for squeezing, heat and "
    "session length, and stay on this computer."
)


def escape(text: str) -> str:
    """`html.escape(text)`, for the rich-text labels. The `html` package imports its table
    of named entities (html.entities) with it: 3-4 ms of the first window (issue 13)."""
    for plain, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;")):
        text = text.replace(plain, entity)
    return text.replace("'", "&#x27;")


class Heading(QLabel):
    """A bold line, optionally "large": sizes are relative, so it follows the app font."""

    def __init__(self, text: str = "", large: bool = False) -> None:
        super().__init__()
        self.large = large
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.set(text)

    def set(self, text: str) -> None:
        size = "large" if self.large else "medium"
        self.setText(f'<span style="font-size: {size}; font-weight: bold">{escape(text)}</span>')
        self.setAccessibleName(text)

    def plain(self) -> str:
        return self.accessibleName()


def heading(text: str, large: bool = False) -> Heading:
    return Heading(text, large)


def line_label(line: Line) -> QLabel:
    """One limit or reason: the fact in bold, then "Why:" on its own line."""
    text = f"<b>{escape(line.text)}</b>"
    if line.why:
        text += f"<br>Why: {escape(line.why)}"
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAccessibleName(line.text)
    label.setAccessibleDescription(f"Why: {line.why}" if line.why else "")
    label.setContentsMargins(12, 0, 0, 6)
    return label


class ProfileSummaryView(QWidget):
    """A profile in plain words: the headline, what stops a session, what waits, the limits."""

    def __init__(self, summary: ProfileSummary) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.headline = heading(summary.headline, large=True)
        self.headline.setObjectName("summaryHeadline")
        layout.addWidget(self.headline)
        self.lines: list[QLabel] = []

        def section(title: str, lines: list[Line], intro: str = "") -> None:
            if not lines:
                return
            layout.addWidget(heading(title))
            if intro:
                layout.addWidget(paragraph(intro))
            for line in lines:
                label = line_label(line)
                self.lines.append(label)
                layout.addWidget(label)

        section("Why there are no sessions for now", summary.blocked)
        section(
            "Ask a clinician first",
            summary.needs_clearance,
            "When a clinician says it is fine, record it in Settings, under "
            "“Clinician clearances”.",
        )
        section("Today", summary.postpone)
        if summary.verdict is Verdict.BLOCKED:
            section("Your limits once sessions are possible", summary.limits)
        else:  # waiting for a clearance: each line says what the clearance changes
            section("Your limits", summary.limits)
        self.design_note = paragraph(summary.design_note)
        layout.addWidget(self.design_note)  # in the layout first: a shown orphan is a window
        self.design_note.setVisible(bool(summary.design_note))

    def text(self) -> str:
        """Everything shown, as plain text (for tests and for copying)."""
        parts = [self.headline.plain()]
        parts += [
            label.accessibleName() + " " + label.accessibleDescription() for label in self.lines
        ]
        parts += [self.design_note.text()] if self.design_note.text() else []
        return "\n".join(parts)


def open_page(widget: QWidget, title: str) -> bool:
    """Show the main window's page with this title; False if `widget` is not in one."""
    window = widget.window()
    if not isinstance(window, MainWindow):
        return False
    if title not in window.titles:
        return False
    window.show_page(window.titles.index(title))  # built now if it was not yet
    return True


class NextStepRow(QWidget):
    """What to do next, as a button that opens the page where it is done; hidden when none."""

    def __init__(self, before_open: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.step: NextStep | None = None
        self._before_open = before_open
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel()  # the step in words wraps; the button stays short at 200% text
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setWordWrap(True)
        self.button = big_button("")
        self.button.clicked.connect(self.open)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        self.setVisible(False)

    def set_step(self, step: NextStep | None) -> None:
        self.step = step
        self.setVisible(step is not None)
        if step is not None:
            self.label.setText(f"<b>Next step:</b> {escape(step)}.")
            self.label.setAccessibleName(f"Next step: {step}.")
            self.button.setText(f"Open {step.page}  ▶")
            self.button.setAccessibleName(f"Next step: {step}")

    def open(self) -> None:
        if self.step is None:
            return
        if self._before_open is not None:
            self._before_open()
        open_page(self, self.step.page)


def scroll(widget: QWidget) -> QScrollArea:
    """A frameless vertical scroller: at 200% text a summary is taller than the window."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(widget)
    area.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # Tab reaches it; arrows and PgDn scroll
    area.setAccessibleName("Scrollable text")
    return area


class EntryButtons(QWidget):
    """ "How are my hands today?" and "Your entries": one click each, from any page (Home).

    The entry form and the list (with the hand map, the dialogs and the date words) are
    imported at the first click, not with Home: the first window needs only the two
    buttons (issue 13, fast start)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tasks = TaskOwner()  # a failure goes to the app's handler, in words
        row = ActionFlow(self)  # wraps at large text rather than cutting a button
        row.setContentsMargins(0, 0, 0, 0)
        self.entry_button = big_button(
            "+ How are my hands today?", "Add an entry: how your hands are today"
        )
        self.entry_button.setToolTip("Pain, stiffness, where it hurts, a note: any time of day")
        self.list_button = big_button("Your entries", "Your entries: correct or delete one")
        self.list_button.setToolTip("Newest first: correct or delete an entry you got wrong")
        self.entry_button.clicked.connect(lambda: self.tasks.spawn(self.add_entry()))
        self.list_button.clicked.connect(lambda: self.tasks.spawn(self.show_entries()))
        row.addWidget(self.entry_button)
        row.addWidget(self.list_button)
        row.addStretch(1)
        self.entry_dialog: EntryDialog | None = None  # while it is open
        self.entry_list: EntryListDialog | None = None  # while it is open

    async def add_entry(self) -> int | None:
        from desktop.entry_dialog import open_entry_dialog

        def opened(dialog: EntryDialog) -> None:
            self.entry_dialog = dialog

        try:
            return await open_entry_dialog(self.ctx, self.window(), opened)
        finally:
            self.entry_dialog = None

    async def show_entries(self) -> None:
        from desktop.entry_list import open_entry_list  # it builds on this module's heading

        def opened(dialog: EntryListDialog) -> None:
            self.entry_list = dialog

        try:
            await open_entry_list(self.ctx, self.window(), opened)
        finally:
            self.entry_list = None


class HomePage(Page):
    """The first page: the welcome before screening, the person's limits after it."""

    title = "Home"

    def __init__(self, ctx: AppContext, on_start_screening: Callable[[], None]) -> None:
        super().__init__()
        self.ctx = ctx
        self._on_start = on_start_screening
        self.rescreen_notice = notice()
        self.layout_.addWidget(self.rescreen_notice)
        self.hands = EntryButtons(ctx)  # the daily entry in one click (issue 14)
        self.layout_.addWidget(self.hands)
        self._body: QWidget | None = None  # the text, rebuilt on each refresh; the page scrolls
        self.next_step = NextStepRow()  # the next step and its button stay in view
        self.footer.insertWidget(0, self.next_step)
        self.start_button = big_button("Answer the safety questions")
        self.start_button.clicked.connect(self._on_start)
        self.action_buttons.addWidget(self.start_button)
        self.summary_view: ProfileSummaryView | None = None
        self._subscriptions = [
            ctx.settings_changed.subscribe(lambda _e: self.refresh()),
            ctx.safety.subscribe(lambda _e: self.refresh()),
        ]
        self.refresh()

    def shown(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        profile = self.ctx.profile
        unit: TemperatureUnit = self.ctx.settings.temperature_unit
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 8, 0)
        layout.setSpacing(12)
        if profile is None:
            self.summary_view = None
            self.next_step.set_step(None)
            self.rescreen_notice.setVisible(False)
            layout.addWidget(heading("Welcome to Thenar"))
            for text in (WHAT_THENAR_IS, TALK_TO_A_CLINICIAN, WHY_QUESTIONS):
                layout.addWidget(paragraph(text))
            self.start_button.setText("Answer the safety questions")
        else:
            self._show_profile(profile, unit, layout)
            self.start_button.setText("Answer the questions again")  # fits at 200% text
        self.start_button.setAccessibleName(self.start_button.text())
        layout.addStretch(1)
        if self._body is not None:
            self.layout_.removeWidget(self._body)
            self._body.hide()
            self._body.setParent(None)  # no longer one of the page's children
            self._body.deleteLater()
        self._body = body
        self.layout_.insertWidget(self.layout_.indexOf(self.hands) + 1, body, 1)

    def _show_profile(
        self, profile: SafetyProfile, unit: TemperatureUnit, layout: QVBoxLayout
    ) -> None:
        summary = summarize(profile, unit, paired=bool(self.ctx.settings.pinned_address))
        due = summary.rescreen
        self.rescreen_notice.setText(due or "")
        self.rescreen_notice.setVisible(bool(due))
        self.summary_view = ProfileSummaryView(summary)
        self.next_step.set_step(summary.next_step)
        layout.addWidget(self.summary_view)
        layout.addWidget(paragraph(WHAT_THENAR_IS))
