"""Reminders from the system tray, also while the window is closed to the tray.

One single-shot QTimer is armed for the next due reminder (`ReminderClock.wait`), so
nothing polls. When one falls due, a tray notification and a small window offer
Start now (one click), Snooze 10 minutes, or Skip. Without a system tray the main
window is raised instead, with the same small window over it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QColor, QFont, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QMainWindow,
    QMenu,
    QSystemTrayIcon,
    QVBoxLayout,
)

from appcore.reminders import MAX_WAIT, SNOOZE, Due, ReminderClock, ScheduleService, Snapshot
from desktop.entry_dialog import EntryDialog, open_entry_dialog
from desktop.schedule_view import locale_when, plain_error, system_zone
from desktop.tasks import TaskOwner
from desktop.widgets import big_button, notice, paragraph

if TYPE_CHECKING:
    from appcore.context import AppContext

log = logging.getLogger(__name__)

ICON_PX = 64  # drawn once at this size; Qt scales it to the tray's size
# design: how long a tray balloon stays up; reminders also stay in the prompt window.
MESSAGE_MS = 15_000
_SNOOZE_MIN = int(SNOOZE.total_seconds() // 60)


def hand_icon() -> QIcon:
    """A palm with four fingers and a thumb on a teal disc: recognisable at 16 px."""
    pixmap = QPixmap(ICON_PX, ICON_PX)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QPen(QColor("#0b4f4a"), 2))
    p.setBrush(QColor("#138a7e"))
    p.drawEllipse(QRectF(1, 1, ICON_PX - 2, ICON_PX - 2))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("white"))
    p.drawRoundedRect(QRectF(20, 30, 24, 22), 7, 7)  # palm
    for x, top in ((20, 13), (26.5, 10), (33, 11), (39.5, 15)):  # fingers
        p.drawRoundedRect(QRectF(x, top, 5, 24), 2.5, 2.5)
    p.save()
    p.translate(21, 42)
    p.rotate(-50)
    p.drawRoundedRect(QRectF(-3, -16, 6, 17), 3, 3)  # thumb
    p.restore()
    p.end()
    return QIcon(pixmap)


class ReminderPrompt(QDialog):
    """The small window a due reminder opens: three large choices, Start now first."""

    start_now = Signal()
    snooze = Signal()
    skip = Signal()

    def __init__(self) -> None:
        super().__init__(None)  # top-level: it shows even while the main window is hidden
        self.setWindowTitle("Thenar reminder")
        self.setWindowIcon(hand_icon())
        self.setModal(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(14)
        self.heading = paragraph("<h2>Time for your hand massage</h2>")
        self.heading.setAccessibleName("Time for your hand massage")
        layout.addWidget(self.heading)
        self.text = paragraph("")
        self.text.setAccessibleName("Reminder")
        layout.addWidget(self.text)
        self.hint = paragraph(
            f"Closing this window snoozes the reminder for {_SNOOZE_MIN} minutes."
        )
        layout.addWidget(self.hint)
        buttons = QHBoxLayout()
        self.start_button = big_button("▶ &Start now")
        self.start_button.setObjectName("startNow")
        self.snooze_button = big_button(f"S&nooze {_SNOOZE_MIN} minutes")
        self.skip_button = big_button("S&kip this one")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start_now)
        self.snooze_button.clicked.connect(self.snooze)
        self.skip_button.clicked.connect(self.skip)
        bold = QFont()  # weight only: the size still follows the app's text size
        bold.setBold(True)
        self.start_button.setFont(bold)
        for button in (self.start_button, self.snooze_button, self.skip_button):
            # Room around the label, so the focus frame never crowds the text.
            em = button.fontMetrics().horizontalAdvance("M")
            button.setMinimumWidth(button.fontMetrics().horizontalAdvance(button.text()) + 4 * em)
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self.error = notice()
        layout.addWidget(self.error)
        self._answered = False

    def ask(self, text: str) -> None:
        self.text.setText(text)
        self.error.setVisible(False)
        self._answered = False
        self.show()
        self.raise_()
        self.activateWindow()
        self.start_button.setFocus()

    def answered(self) -> None:
        """Close without counting it as a snooze."""
        self._answered = True
        self.hide()

    def reject(self) -> None:
        """Esc or the close button: the person did not choose, so it comes back later."""
        if not self._answered and self.isVisible():
            self.snooze.emit()
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.reject()
        event.accept()


class TrayReminders(QObject):
    """The tray icon, its menu and the reminder timer. Quit is only a request.

    The app must call `QApplication.setQuitOnLastWindowClosed(False)`: with the window
    in the tray, closing the reminder window would otherwise end the app.
    """

    quit_requested = Signal()  # the app stops a running massage before it exits
    reminder_shown = Signal(object)  # Due: a reminder is on screen
    armed = Signal(int)  # milliseconds until the timer fires; -1 when nothing is planned

    def __init__(
        self,
        ctx: AppContext,
        window: QMainWindow,
        start_session: Callable[[int], None],
        now: Callable[[], dt.datetime] | None = None,
        *,
        zone: ZoneInfo | None = None,
    ) -> None:
        super().__init__(window)
        self.ctx, self.window, self.start_session = ctx, window, start_session
        self.now = now or ctx.now  # one clock: the context's
        self.service = ScheduleService(ctx, self.now)
        self.snapshot = Snapshot()
        self.clock: ReminderClock = self.snapshot.clock()
        self.current: Due | None = None
        self.tasks = TaskOwner()
        self.zone = zone or system_zone()  # times are shown in the person's zone

        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setTimerType(Qt.TimerType.CoarseTimer)  # a few ms late is fine; saves power
        self.timer.timeout.connect(self._timer_fired)

        self.prompt = ReminderPrompt()
        self.prompt.start_now.connect(self.start_now)
        self.prompt.snooze.connect(self.snooze)
        self.prompt.skip.connect(self.skip)

        self.menu = QMenu()
        self.start_action = QAction("Start now", self.menu)
        self.snooze_action = QAction(f"Snooze {_SNOOZE_MIN} minutes", self.menu)
        self.skip_action = QAction("Skip", self.menu)
        self.entry_action = QAction("How are my hands today?", self.menu)
        self.entry_action.triggered.connect(self.add_entry)
        self.entry_dialog: EntryDialog | None = None  # while it is open
        self._entry_task: asyncio.Task[None] | None = None
        self.open_action = QAction("Open Thenar", self.menu)
        self.quit_action = QAction("Quit Thenar", self.menu)
        self.start_action.triggered.connect(self.start_now)
        self.snooze_action.triggered.connect(self.snooze)
        self.skip_action.triggered.connect(self.skip)
        self.open_action.triggered.connect(self.open_window)
        self.quit_action.triggered.connect(self.quit_requested)
        for action in (self.start_action, self.snooze_action, self.skip_action):
            self.menu.addAction(action)
        self.menu.addSeparator()
        self.menu.addAction(self.entry_action)
        self.menu.addAction(self.open_action)
        self.menu.addAction(self.quit_action)
        self._update_menu()

        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(hand_icon(), self)
            self.tray.setToolTip("Thenar")
            self.tray.setContextMenu(self.menu)
            self.tray.activated.connect(self._tray_activated)
            self.tray.messageClicked.connect(self._show_prompt)
            self.tray.show()
        self._subscription = ctx.log.schedules.subscribe(lambda _e: self.reload())
        QTimer.singleShot(0, self.reload)  # once the loop runs

    @property
    def available(self) -> bool:
        """False: the window must not close to the tray, or reminders cannot be seen."""
        return self.tray is not None

    # --- Loading and arming ---------------------------------------------------------

    def reload(self) -> None:
        self.tasks.spawn(self._reload())

    async def _reload(self) -> None:
        try:
            self.snapshot = await self.service.load()
        except Exception:
            log.exception("loading schedules for reminders failed")
            self._arm()  # keep the old plan rather than none
            return
        self.clock = self.snapshot.clock()
        self._arm()

    def _arm(self) -> None:
        """One timer for the next reminder; while one is on screen, re-check each minute."""
        now = self.now()
        wait = self.clock.wait(now)
        if self.current is not None:
            still = {(d.schedule_id, d.occurrence) for d in self.clock.pending(now)}
            if (self.current.schedule_id, self.current.occurrence) not in still:
                self._dismiss()  # its hour has passed: it now shows as missed
            else:
                wait = MAX_WAIT
        if wait is None:
            self.timer.stop()
            self.armed.emit(-1)
            return
        ms = int(wait.total_seconds() * 1000)
        self.timer.start(ms)
        self.armed.emit(ms)

    def _timer_fired(self) -> None:
        if self.current is None:
            due = self.clock.due_now(self.now())
            if due:
                self.current = due[0]
                self._show_prompt()
                self._notify()
        self._arm()

    # --- Showing --------------------------------------------------------------------

    def _describe(self, due: Due) -> str:
        """'Morning ease, planned for today at 8:00 (in 10 minutes).'"""
        name = self.snapshot.entry(due.schedule_id).program_name
        now = self.now()
        when = locale_when(due.occurrence, now, self.zone)
        if when.startswith(("Today", "Tomorrow")):
            when = when[:1].lower() + when[1:]
        minutes = round((due.occurrence - now).total_seconds() / 60)
        if minutes > 0:
            relative = "in 1 minute" if minutes == 1 else f"in {minutes} minutes"
        elif minutes == 0:
            relative = "now"
        else:
            relative = "1 minute ago" if minutes == -1 else f"{-minutes} minutes ago"
        trial = self.ctx.trial.reminder_note(due.occurrence.astimezone(self.zone).date())
        return f"{name}, planned for {when} ({relative}).{' ' + trial if trial else ''}"

    def _show_prompt(self) -> None:
        if self.current is None:
            return
        if self.tray is None:  # no tray: bring the window forward so the reminder is seen
            self.open_window()
        self.prompt.ask(self._describe(self.current))
        self._update_menu()
        self.reminder_shown.emit(self.current)

    def _notify(self) -> None:
        if self.tray is not None and self.current is not None:
            self.tray.showMessage(
                "Time for your hand massage",
                self._describe(self.current) + " Click to start, snooze or skip.",
                hand_icon(),
                MESSAGE_MS,
            )

    def _dismiss(self) -> None:
        self.current = None
        self.prompt.answered()
        self._update_menu()

    def _update_menu(self) -> None:
        due = self.current is not None
        for action in (self.start_action, self.snooze_action, self.skip_action):
            action.setEnabled(due)
        self.start_action.setText(
            f"Start now: {self.snapshot.entry(self.current.schedule_id).program_name}"
            if self.current is not None
            else "Start now"
        )

    def _tray_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason is QSystemTrayIcon.ActivationReason.Context:
            return
        if self.current is not None:
            self._show_prompt()
        else:
            self.open_window()

    def open_window(self) -> None:
        """Bring the main window back from the tray."""
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    def add_entry(self) -> None:
        """One click from the tray: the window comes back with the daily entry form open
        (the one already open, if it is)."""
        self.open_window()
        if self._entry_task is not None and not self._entry_task.done():
            if self.entry_dialog is not None:
                self.entry_dialog.raise_()
                self.entry_dialog.activateWindow()
            return
        self._entry_task = self.tasks.spawn(self._entry())

    async def _entry(self) -> None:
        def opened(dialog: EntryDialog) -> None:
            self.entry_dialog = dialog

        try:
            await open_entry_dialog(self.ctx, self.window, opened)
        finally:
            self.entry_dialog = None

    # --- The person's answer ----------------------------------------------------------

    def start_now(self) -> None:
        """One click: open the window and start the scheduled routine; then note it done."""
        due = self.current
        if due is None:
            return
        self._answer()
        self.open_window()
        self.start_session(due.program_id)
        self.tasks.spawn(self._record(self.service.done(due)))

    def snooze(self) -> None:
        due = self.current
        if due is not None:
            self._answer()
            self.tasks.spawn(self._record(self.service.snooze(due)))

    def skip(self) -> None:
        due = self.current
        if due is not None:
            self._answer()
            self.tasks.spawn(self._record(self.service.skip(due)))

    def _answer(self) -> None:
        self.timer.stop()  # re-armed once the answer is in the log
        self._dismiss()

    async def _record(self, action: Coroutine[Any, Any, None]) -> None:
        try:
            await action
        except Exception as exc:
            log.exception("recording a reminder answer failed")
            if self.tray is not None:
                self.tray.showMessage(
                    "Thenar", f"Your answer could not be saved. {plain_error(exc)}", hand_icon()
                )
            self.reload()  # the notification also reloads on success
