"""Settings: restore a backup or import an export (with a preview), move the data folder,
and start with the computer in the tray. A self-contained box the Settings page adds.

Restoring never happens on one click: the file is checked first and the box says
what the log holds now and what would replace it; only "Replace my log" replaces
it, after a verified backup. Moving copies everything to an empty folder and then
asks Thenar to close (`quit_requested`), so nothing is written to the old log
afterwards; the next start uses the new folder.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from appcore.autostart import Autostart
from appcore.data_tools import DataTools, RestorePreview
from data.errors import StoreError
from desktop.controls import WrapCheckBox
from desktop.save_dialog import answer_of, ask_folder, ask_open_path
from desktop.tasks import TaskOwner
from desktop.widgets import ActionFlow, big_button, notice, paragraph

if TYPE_CHECKING:
    from appcore.context import AppContext

AskFile = Callable[[], Path | Awaitable[Path | None] | None]
RUNNING = "A massage is running: finish or stop it first. Nothing was changed."


def _ask_file(ctx: AppContext, parent: QWidget) -> AskFile:
    """An Open dialog that leaves the loop (and Stop) running (`desktop.save_dialog`)."""

    def ask() -> Awaitable[Path | None]:
        return ask_open_path(
            ctx,
            "restore",
            title="Choose a Thenar backup or export",
            filters="Thenar backup or export (*.db *.json);;All files (*)",
            parent=parent,
        )

    return ask


def _ask_folder(ctx: AppContext, parent: QWidget) -> AskFile:
    def ask() -> Awaitable[Path | None]:
        return ask_folder(
            ctx, "data-folder", title="Choose an empty folder for your data", parent=parent
        )

    return ask


class DataToolsBox(QGroupBox):
    """Restore, import, move, start with the computer."""

    quit_requested = Signal()  # after a move: close, so the next start uses the new folder

    def __init__(
        self,
        ctx: AppContext,
        *,
        ask_file: AskFile | None = None,
        ask_folder: AskFile | None = None,
        autostart: Autostart | None = None,
    ) -> None:
        super().__init__("Your data, your computer")
        self.ctx = ctx
        self.tools = DataTools(ctx)
        self.ask_file = ask_file or _ask_file(ctx, self)
        self.ask_folder = ask_folder or _ask_folder(ctx, self)
        self.autostart = autostart or Autostart()
        self.tasks = TaskOwner(self._failed)
        self.pending: RestorePreview | None = None
        # Whether a massage runs now (the app sets it): the log is never swapped under one.
        self.busy: Callable[[], bool] = lambda: False
        layout = QVBoxLayout(self)

        layout.addWidget(
            paragraph(
                "Go back to one of your backups, or bring in a Thenar export from another "
                "computer. You see what would change before anything does."
            )
        )
        self.backup_choice = QComboBox()
        self.backup_choice.setAccessibleName("Backups to restore from")
        layout.addWidget(self.backup_choice)
        row = ActionFlow()  # below the list, wrapping at large text rather than cutting
        self.check_backup = big_button("Check this backup")
        self.check_backup.clicked.connect(self._check_backup)
        self.choose_file = big_button("Choose a file…", "Choose a backup or export file")
        self.choose_file.clicked.connect(self._choose_file)
        row.addWidget(self.check_backup)
        row.addWidget(self.choose_file)
        layout.addLayout(row)
        self.preview_text = paragraph("")
        self.preview_text.setAccessibleName("What would change")
        self.preview_text.setVisible(False)
        layout.addWidget(self.preview_text)
        confirm = QHBoxLayout()
        self.replace_button = big_button("Replace my log with it")
        self.replace_button.clicked.connect(lambda: self.tasks.spawn(self.replace()))
        self.cancel_button = big_button("Keep my log as it is")
        self.cancel_button.clicked.connect(lambda: self.tasks.spawn(self.cancel()))
        confirm.addWidget(self.replace_button)
        confirm.addWidget(self.cancel_button)
        confirm.addStretch(1)
        layout.addLayout(confirm)
        self.message = notice()
        layout.addWidget(self.message)

        self.move_button = big_button("Move my data folder…")
        self.move_button.clicked.connect(lambda: self.tasks.spawn(self.move_folder()))
        layout.addWidget(self.move_button)

        self.start_with_computer = WrapCheckBox(  # a long sentence: it wraps, never cut
            "Start Thenar with my computer, in the tray, so reminders come while the "
            "window is closed"
        )
        self.start_with_computer.setChecked(self.autostart.enabled())
        self.start_with_computer.toggled.connect(self._autostart_toggled)
        layout.addWidget(self.start_with_computer)
        where = self.autostart.describe().replace("/", "/\u200b")  # may wrap after a "/"
        self.autostart_where = QLabel(f"Kept in {where}.")
        self.autostart_where.setWordWrap(True)
        layout.addWidget(self.autostart_where)
        self._confirming(False)
        self.tasks.spawn(self.refresh_backups())

    # --- shared --------------------------------------------------------------------

    def say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, StoreError):
            advice = f" {exc.advice}" if exc.advice else ""
            self.say(f"{_sentence(str(exc))} Your log has not been changed.{advice}")
        else:
            self.say("Something went wrong. Your log has not been changed.")
        self._confirming(False)

    def _confirming(self, on: bool) -> None:
        self.replace_button.setVisible(on)
        self.cancel_button.setVisible(on)
        self.preview_text.setVisible(on)
        for button in (self.check_backup, self.choose_file, self.move_button):
            button.setEnabled(not on)

    async def refresh_backups(self) -> None:
        backups = await self.tools.backups()
        self.backup_choice.clear()
        for info in backups:
            when = info.taken_at.astimezone().strftime("%Y-%m-%d %H:%M")
            self.backup_choice.addItem(f"{when} ({info.reason})", str(info.path))
        self.check_backup.setEnabled(self.backup_choice.count() > 0)

    # --- restore -----------------------------------------------------------------------

    def _check_backup(self) -> None:
        path = self.backup_choice.currentData()
        if path:
            self.tasks.spawn(self.check(Path(path)))

    def _choose_file(self) -> None:
        self.tasks.spawn(self.choose_file_and_check())

    async def choose_file_and_check(self) -> None:
        path = await answer_of(self.ask_file())
        if path is not None:
            await self.check(path)

    async def check(self, path: Path) -> None:
        """Check the file and show what would change (nothing changes yet)."""
        self.say(f"Checking {path.name}…")
        self.pending = await self.tools.preview(path)
        self.preview_text.setText("\n".join(self.pending.words()))
        self.say("")
        self._confirming(True)

    async def replace(self) -> None:
        chosen = self.pending
        if chosen is None:
            return
        if self.busy():
            self.say(RUNNING)
            return
        self.pending = None
        self._confirming(False)
        self.say("Backing up your log, then replacing it…")
        made = await self.tools.restore(chosen)
        await self.refresh_backups()
        self.say(
            f"Done: your log now holds what {chosen.source.name} held. Your log as it was "
            f"is kept in {made.name}, in the backups folder."
        )

    async def cancel(self) -> None:
        if self.pending is not None:
            await self.tools.cancel(self.pending)
        self.pending = None
        self._confirming(False)
        self.say("Nothing was changed.")

    # --- move ------------------------------------------------------------------------

    async def move_folder(self) -> None:
        if self.busy():
            self.say(RUNNING)
            return
        target = await answer_of(self.ask_folder())
        if target is None:
            return
        if self.busy():  # a massage started while the dialog was open (it does not block)
            self.say(RUNNING)
            return
        self.say(f"Copying your data to {target}…")
        moved = await self.tools.move(target)
        self.say(
            f"Your data is now in {moved.parent}. Thenar closes now; start it again and it "
            "uses the new folder. The old folder is left as it was: remove it when you are "
            "sure."
        )
        self.move_button.setEnabled(False)
        self.quit_requested.emit()

    # --- start with the computer -------------------------------------------------------

    def _autostart_toggled(self, on: bool) -> None:
        try:
            if on:
                self.autostart.enable()
            else:
                self.autostart.disable()
        except OSError as exc:
            self.say(f"That could not be changed here: {exc}.")
            self.start_with_computer.blockSignals(True)
            self.start_with_computer.setChecked(self.autostart.enabled())
            self.start_with_computer.blockSignals(False)
            return
        self.say(
            "Thenar will start in the tray when you log in."
            if on
            else "Thenar will no longer start with your computer."
        )


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
