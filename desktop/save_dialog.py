"""File dialogs that never block the event loop, and remember where each kind of file went.

The static `QFileDialog.getSaveFileName` runs a nested loop on the GUI thread: while it
is open (or hung on a slow path) nothing else runs, Stop included. These helpers show a
dialog *without* modality and wait for its `finished` signal as an asyncio future, so the
massage keeps being watched and the window's Stop (and Esc) still work while the person
chooses. A window-modal `open()` would keep the loop running but block the Stop button.

The first dialog of a kind starts in Documents; afterwards in the folder last used for
that kind, kept in the settings (`Settings.last_folders`, so it survives a restart).
Writing the file is the caller's job, off the loop (`asyncio.to_thread` or the DB worker).
"""

from __future__ import annotations

import asyncio
import inspect
import os
from collections.abc import Awaitable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QWidget

if TYPE_CHECKING:
    from appcore.context import AppContext

# How long a check that the remembered folder still exists may take (a network folder
# that hangs must not delay the dialog for long: then it starts in Documents).
FOLDER_CHECK_S = 1.0
_open: dict[str, QFileDialog] = {}  # one dialog per kind of file at a time


def documents() -> Path:
    """The person's Documents folder (the home folder if the system names none)."""
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(found) if found else Path.home()


async def start_folder(ctx: AppContext, kind: str) -> Path:
    """The folder last used for `kind` if it still exists, else Documents (else home)."""
    candidates = [ctx.settings.folder_for(kind), documents()]
    folders = [c for c in candidates if c is not None]
    try:
        return await asyncio.wait_for(asyncio.to_thread(_first_folder, folders), FOLDER_CHECK_S)
    except TimeoutError:  # a hung network folder: start somewhere that answers
        return Path.home()


def _first_folder(folders: list[Path]) -> Path:
    return next((f for f in folders if os.path.isdir(f)), Path.home())


def open_dialog(kind: str) -> QFileDialog | None:
    """The dialog open now for `kind`, if any (tests and the second click use it)."""
    return _open.get(kind)


async def _run(ctx: AppContext, kind: str, dialog: QFileDialog) -> Path | None:
    """Show `dialog` without modality; the chosen path (remembered for `kind`) or None."""
    already = _open.get(kind)
    if already is not None:  # a second click: bring the open one forward, no second dialog
        already.raise_()
        already.activateWindow()
        dialog.deleteLater()
        return None
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[Path | None] = loop.create_future()

    def finished(result: int) -> None:
        chosen = dialog.selectedFiles()
        if answer.done():
            return
        accepted = result == QDialog.DialogCode.Accepted and bool(chosen) and bool(chosen[0])
        answer.set_result(Path(chosen[0]) if accepted else None)

    dialog.finished.connect(finished)
    dialog.setWindowModality(Qt.WindowModality.NonModal)  # Stop stays within reach
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
    _open[kind] = dialog
    dialog.show()
    try:
        path = await answer
    finally:
        _open.pop(kind, None)
        if dialog.isVisible():  # the asking task was cancelled (the page closed): close it
            dialog.finished.disconnect(finished)
            dialog.reject()
        dialog.deleteLater()
    if path is not None:
        folder = path if dialog.fileMode() == QFileDialog.FileMode.Directory else path.parent
        if ctx.settings.folder_for(kind) != folder:
            ctx.update_settings(last_folders=ctx.settings.with_folder(kind, folder))
    return path


async def ask_save_path(
    ctx: AppContext,
    kind: str,
    *,
    title: str,
    name: str,
    filters: str = "",
    suffix: str = "",
    parent: QWidget | None = None,
) -> Path | None:
    """Ask where to save a file called `name` by default; None if the person cancels.

    `suffix` (".ics"): added when the person typed a name without it.
    """
    dialog = QFileDialog(parent, title, str(await start_folder(ctx, kind)), filters)
    dialog.selectFile(name)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    if suffix:
        dialog.setDefaultSuffix(suffix.lstrip("."))
    path = await _run(ctx, kind, dialog)
    if path is not None and suffix and path.suffix.lower() != suffix.lower():
        path = path.with_name(path.name + suffix)
    return path


async def ask_open_path(
    ctx: AppContext,
    kind: str,
    *,
    title: str,
    filters: str = "",
    parent: QWidget | None = None,
) -> Path | None:
    """Ask for an existing file to open; None if the person cancels."""
    dialog = QFileDialog(parent, title, str(await start_folder(ctx, kind)), filters)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    return await _run(ctx, kind, dialog)


async def ask_folder(
    ctx: AppContext, kind: str, *, title: str, parent: QWidget | None = None
) -> Path | None:
    """Ask for a folder; None if the person cancels."""
    dialog = QFileDialog(parent, title, str(await start_folder(ctx, kind)))
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
    dialog.setFileMode(QFileDialog.FileMode.Directory)
    dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    return await _run(ctx, kind, dialog)


async def answer_of(value: Path | Awaitable[Path | None] | None) -> Path | None:
    """A page's `ask_path` may answer at once (tests) or later (the dialogs above)."""
    if inspect.isawaitable(value):
        return await value
    return value
