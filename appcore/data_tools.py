"""Your data, your computer: restore a backup or import an export, move the data folder.

Restoring is two steps the person sees: `preview(file)` checks the file (a copy is
prepared; the log is not touched) and says what the log holds now and what would
replace it; `restore(preview)` takes a verified backup of the log and then
replaces it, after which the safety owner and the trial reload from the new log
and every page reads again (`LogEvents.replaced`). Moving the folder copies the
log (SQLite's backup API, verified) and its backups to a new, empty folder and
points the settings at it; the old folder is left as it was, and Thenar restarts
to use the new one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from data import backup, restore
from data.errors import StoreError
from data.files import ensure_private_dir, make_private
from data.store import BACKUP_DIR, DB_NAME

if TYPE_CHECKING:
    from appcore.context import AppContext
    from data.backup import BackupInfo
    from data.db import LogDb
    from data.restore import Preview

WORK_DIR = "restore-work"


@dataclass(frozen=True)
class RestorePreview:
    """A checked file, ready to replace the log once the person says so."""

    source: Path
    prepared: Path
    current: Preview
    incoming: Preview

    def words(self) -> list[str]:
        return [
            f"Your log now: {self.current.words()}.",
            f"{self.source.name} holds: {self.incoming.words()}.",
            "Replacing keeps a verified backup of your log as it is now, in the backups "
            "folder, so you can go back to it.",
        ]


def _preview(db: LogDb, source: Path, work: Path) -> RestorePreview:
    prepared, incoming = restore.prepare(source, work)
    return RestorePreview(source, prepared, restore.preview_log(db), incoming)


def _replace(db: LogDb, prepared: Path, backups: Path, now: dt.datetime) -> Path:
    return restore.replace(db, prepared, backups, now=now)


def _move(db: LogDb, source: Path, target: Path) -> Path:
    target = target.expanduser().resolve()
    if target == source.resolve():
        raise StoreError("That is already where your data is.")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise StoreError(
            f"{target} is not empty. Choose an empty folder, or make a new one, for your data."
        )
    ensure_private_dir(target)
    backup.backup_to(db.conn, target / DB_NAME)  # verified before it is used
    source_backups = source / BACKUP_DIR
    if source_backups.is_dir():
        ensure_private_dir(target / BACKUP_DIR)
        for info in backup.list_backups(source_backups):
            copy = target / BACKUP_DIR / info.path.name
            shutil.copyfile(info.path, copy)
            make_private(copy)
    return target / DB_NAME


class DataTools:
    """Restores and moves, for the Settings page."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    @property
    def folder(self) -> Path:
        return self.ctx.db.folder

    async def backups(self) -> list[BackupInfo]:
        """The verified backups beside the log, newest first (read off the loop)."""
        return await asyncio.to_thread(backup.list_backups, self.folder / BACKUP_DIR)

    async def preview(self, source: Path) -> RestorePreview:
        """Check `source` and say what would change; StoreError in words if it cannot be used."""
        return await self.ctx.db.run(_preview, source, self.folder / WORK_DIR)

    async def cancel(self, chosen: RestorePreview) -> None:
        await asyncio.to_thread(restore.discard, chosen.prepared)

    async def restore(self, chosen: RestorePreview) -> Path:
        """Back up, replace, reload everything; the path of the backup taken first."""
        try:
            made = await self.ctx.db.run(
                _replace, chosen.prepared, self.folder / BACKUP_DIR, self.ctx.now()
            )
        finally:
            await asyncio.to_thread(restore.discard, chosen.prepared)
        await self.ctx.safety.load()
        await self.ctx.trial.load()
        self.ctx.log.replaced()
        return made

    async def move(self, target: Path) -> Path:
        """Copy the log and its backups into `target` (empty) and use it from the next start."""
        moved = await self.ctx.db.run(_move, self.folder, target)
        self.ctx.update_settings(data_folder=str(moved.parent))
        return moved
