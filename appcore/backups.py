"""Backups the person asks for on the Settings page: list them, make one now.

The log's own daily backup and its recovery belong to `data.store`; this is the
person's side of it, run on the DB thread like every other log call, so the page
never touches files or the database itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from appcore.screening import now_local
from data import backup
from data.store import BACKUP_DIR

if TYPE_CHECKING:
    from appcore.db_worker import DbWorker
    from data.backup import BackupInfo
    from data.db import LogDb


def _listed(_db: LogDb, folder: Path) -> list[BackupInfo]:
    return backup.list_backups(folder)


def _made(db: LogDb, folder: Path, now: dt.datetime) -> list[BackupInfo]:
    backup.make_backup(db.conn, folder, now=now, reason="manual")
    return backup.list_backups(folder)


class Backups:
    """The verified backups beside the log, newest first."""

    def __init__(self, db: DbWorker, now: Callable[[], dt.datetime] = now_local) -> None:
        self._db = db
        self._now = now

    @property
    def folder(self) -> Path:
        return self._db.folder / BACKUP_DIR

    async def existing(self) -> list[BackupInfo]:
        """The backups there are (the folder read on the DB thread)."""
        return await self._db.run(_listed, self.folder)

    async def make_now(self) -> list[BackupInfo]:
        """Take a verified backup now (reason "manual"); returns the backups after it.
        Raises a `StoreError` with words for the person if it cannot be made."""
        return await self._db.run(_made, self.folder, self._now())
