"""Your entries, newest first: correct or delete one you got wrong (issue 14).

People mistype; the log must be theirs to fix. Each daily entry is a row in words
with Correct (the entry form, filled in) and Delete (a confirmation that says
exactly what goes). Sessions' before and after ratings are listed among them for
reference: they belong to that session's record and are not changed here. Every
change goes through the tracking owner, whose `EntriesChanged` event reloads this
list, Progress and everything else that follows the log.

A dialog, reached from Progress and Home; no nested Qt loop (`open()`, awaited).
The rows are plain words and large buttons: Tab walks them and the list scrolls to
the focused one, text wraps at any size.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QHBoxLayout,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from appcore.entry_words import (
    deletion_question,
    describe_entry,
    describe_session,
    entry_title,
    session_title,
)
from appcore.explain import explain
from data.entries import EntryRecord
from desktop.dialogs import shown
from desktop.entry_dialog import EntryDialog, open_entry_dialog
from desktop.locale_words import locale_date, locale_time
from desktop.tasks import TaskOwner
from desktop.welcome_view import heading, scroll
from desktop.widgets import ActionFlow, big_button, fit_to_screen, notice, paragraph

if TYPE_CHECKING:
    from appcore.context import AppContext
    from appcore.tracking import EntriesChanged, RecentLog
    from data.queries import SessionSummary

PAGE = 30  # rows shown at first, and added by "Show older"
_RUN = re.compile(r"(\S{30})(?=\S)")  # a run of text with no space to wrap at


def breakable(text: str) -> str:
    """`text` with a zero-width space in each long run without spaces (a pasted link, a
    long name), so a label wraps it instead of growing wider than the window."""
    return _RUN.sub("\\1\u200b", text)


def when_text(at: dt.datetime, today: dt.date) -> str:
    """'Today at 8:12', 'Yesterday at 21:40' or the date with its weekday, at the entry's
    own local time (as the person saw the clock when they made it)."""
    words = {today: "Today", today - dt.timedelta(days=1): "Yesterday"}
    day = words.get(at.date()) or locale_date(at.date())
    return f"{day} at {locale_time(at.time())}"


class EntryRow(QFrame):
    """One entry in words, with Correct and Delete."""

    def __init__(self, record: EntryRecord, when: str) -> None:
        super().__init__()
        self.record, self.when = record, when
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        self.title = paragraph(f"<b>{entry_title(record, when)}</b>")
        self.title.setAccessibleName(entry_title(record, when))
        self.text = paragraph("")
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setText(breakable(describe_entry(record.entry)))
        self.text.setAccessibleName(describe_entry(record.entry))
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        buttons = ActionFlow()
        self.correct_button = big_button("Correct", f"Correct your entry of {when}")
        self.delete_button = big_button("Delete", f"Delete your entry of {when}")
        for button in (self.correct_button, self.delete_button):
            button.setAutoDefault(False)
            button.setAccessibleDescription(self.text.accessibleName())
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)


class SessionRow(QFrame):
    """A rated session, for reference: its ratings belong to the session's record."""

    def __init__(self, summary: SessionSummary, when: str) -> None:
        super().__init__()
        self.summary = summary
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        title = session_title(summary, when)
        self.title = paragraph(f"<b>{title}</b>")
        self.title.setAccessibleName(title)
        self.text = paragraph("")
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setText(breakable(describe_session(summary)))
        self.text.setAccessibleName(describe_session(summary))
        layout.addWidget(self.title)
        layout.addWidget(self.text)


class EntryListDialog(QDialog):
    """The newest entries and rated sessions; Correct and Delete for each entry."""

    loaded = Signal()  # the list on screen matches the log (tests wait on it)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Your entries")
        self.setModal(True)
        self.tasks = TaskOwner(self._failed)
        self.limit = PAGE
        self.rows: list[EntryRow | SessionRow] = []
        self.entry_dialog: EntryDialog | None = None  # while a correction is open
        self.confirm: QMessageBox | None = None  # while a deletion is being confirmed
        self._generation = 0

        outer = QVBoxLayout(self)
        outer.addWidget(heading("Your entries", large=True))
        outer.addWidget(
            paragraph(
                "Newest first. Correct or delete an entry you got wrong: your charts and "
                "report follow. Ratings you gave before and after a session are shown "
                "too; they stay with that session's record."
            )
        )
        self.body = QWidget()
        self.rows_layout = QVBoxLayout(self.body)
        self.rows_layout.setContentsMargins(0, 0, 0, 0)
        self.empty = paragraph("Loading your entries…")
        self.rows_layout.addWidget(self.empty)
        self.older_button = big_button("Show older entries")
        self.older_button.setAutoDefault(False)
        self.older_button.clicked.connect(self._older_clicked)
        self.older_button.setVisible(False)
        self.rows_layout.addWidget(self.older_button)
        self.rows_layout.addStretch(1)
        self.scroller = scroll(self.body)
        self.scroller.setAccessibleName("Your entries, newest first")
        outer.addWidget(self.scroller, 1)
        self.message = notice()
        outer.addWidget(self.message)
        row = QHBoxLayout()
        row.addStretch(1)
        self.close_button = big_button("Close")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.accept)
        row.addWidget(self.close_button)
        outer.addLayout(row)
        unit = self.fontMetrics()
        fit_to_screen(self, unit.averageCharWidth() * 90, unit.height() * 40)

        app = QApplication.instance()
        assert isinstance(app, QApplication)
        app.focusChanged.connect(self._focus_changed)
        self._subscription = ctx.tracking.subscribe(self._on_entries)
        self.finished.connect(self._end)

    # --- loading ----------------------------------------------------------------------

    def reload(self, focus_index: int | None = None) -> None:
        self.tasks.spawn(self.load(focus_index))

    async def load(self, focus_index: int | None = None) -> None:
        """Read the newest `limit` items; a newer load wins over an older one."""
        self._generation += 1
        generation = self._generation
        log: RecentLog = await self.ctx.tracking.newest(self.limit)
        if generation != self._generation:
            return
        self._show(log)
        if focus_index is not None:
            self._focus_row(focus_index)
        self.loaded.emit()

    def _show(self, log: RecentLog) -> None:
        for old in self.rows:
            self.rows_layout.removeWidget(old)
            old.hide()
            old.deleteLater()
        self.rows = []
        today = self.ctx.today()
        for i, item in enumerate(log.items):
            row: EntryRow | SessionRow
            if isinstance(item, EntryRecord):
                row = EntryRow(item, when_text(item.entry.at, today))
                row.correct_button.clicked.connect(
                    lambda _c=False, r=row: self.tasks.spawn(self.correct(r))
                )
                row.delete_button.clicked.connect(
                    lambda _c=False, r=row: self.tasks.spawn(self.delete(r))
                )
            else:
                row = SessionRow(item, when_text(item.session.started_at, today))
            self.rows_layout.insertWidget(1 + i, row)
            row.show()  # now, not on the next loop turn: the focus may go to it at once
            self.rows.append(row)
        self.empty.setText(
            "No entries yet. Add one with “How are my hands?”." if not log.items else ""
        )
        self.empty.setVisible(not log.items)
        self.older_button.setVisible(log.more)

    def entry_rows(self) -> list[EntryRow]:
        return [r for r in self.rows if isinstance(r, EntryRow)]

    def _older_clicked(self) -> None:
        shown = len(self.rows)
        self.limit += PAGE
        self.reload(focus_index=shown)  # the first of the older rows

    def _on_entries(self, _event: EntriesChanged) -> None:
        self.reload()

    # --- correcting and deleting --------------------------------------------------------

    async def correct(self, row: EntryRow) -> None:
        """The entry form, filled in; Save replaces the entry (the list reloads on the event)."""

        def opened(dialog: EntryDialog) -> None:
            self.entry_dialog = dialog

        try:
            saved = await open_entry_dialog(
                self.ctx, self, opened, correcting=(row.record, row.when)
            )
        finally:
            self.entry_dialog = None
        if saved is not None:
            self.say(f"Your entry of {row.when} is corrected.")

    async def delete(self, row: EntryRow) -> None:
        """Ask first, saying exactly what goes; delete only on a clear yes."""
        index = self.rows.index(row) if row in self.rows else 0
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Delete this entry?")
        box.setText(deletion_question(row.record, row.when))
        box.setTextFormat(Qt.TextFormat.PlainText)
        delete = box.addButton("Delete this entry", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton("Keep it", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        self.confirm = box
        try:
            await shown(box)
        finally:
            self.confirm = None
            box.deleteLater()
        if box.clickedButton() is not delete:
            self.say("Nothing was deleted.")
            return
        await self.ctx.tracking.delete_entry(row.record)
        self.say(f"Your entry of {row.when} is deleted.")
        self.reload(focus_index=index)

    # --- focus, messages, closing -----------------------------------------------------

    def _focus_row(self, index: int) -> None:
        """Keyboard focus on a row's first button after a change (Close if none is left),
        with this window active again once the confirmation has closed."""
        self.activateWindow()
        rows = self.rows[index:] + self.rows[:index][::-1]
        for row in rows:
            if isinstance(row, EntryRow):
                row.correct_button.setFocus()
                return
        self.close_button.setFocus()

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        """Tab through the rows: the list scrolls so the focused button is in view."""
        if new is not None and self.body.isAncestorOf(new):
            self.scroller.ensureWidgetVisible(new)

    def say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _failed(self, exc: BaseException) -> None:
        said = explain(exc)  # the one mapper: what happened, what to do
        self.say(" ".join(t for t in (said.what, "Your log was not changed.", said.advice) if t))

    def _end(self, _code: int) -> None:
        self._subscription.close()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.disconnect(self._focus_changed)


async def open_entry_list(
    ctx: AppContext,
    parent: QWidget | None,
    on_open: Callable[[EntryListDialog], None] | None = None,
) -> None:
    """Show the list of entries (not exec(): no nested Qt loop) until the person closes it."""
    dialog = EntryListDialog(ctx, parent)
    dialog.reload()
    if on_open is not None:
        on_open(dialog)
    try:
        await shown(dialog)
    finally:
        await dialog.tasks.cancel()  # nothing of it runs on after it is gone
        dialog.deleteLater()
