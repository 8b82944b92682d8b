"""The person's backups through appcore: made on the DB thread, verified, private."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

from appcore.backups import Backups
from appcore.db_worker import DbWorker

NOW = dt.datetime(2026, 3, 9, 8, 0, tzinfo=dt.UTC)


async def test_a_backup_made_now_is_listed_and_private(tmp_path: Path) -> None:
    worker = DbWorker(tmp_path / "data")
    await worker.open()
    try:
        backups = Backups(worker, now=lambda: NOW)
        before = [b for b in await backups.existing() if b.reason == "manual"]
        assert before == []
        after = await backups.make_now()
        manual = [b for b in after if b.reason == "manual"]
        assert [b.taken_at for b in manual] == [NOW]
        assert manual[0].path.parent == backups.folder
        if os.name == "posix":
            assert stat.S_IMODE(manual[0].path.stat().st_mode) == 0o600
        assert await backups.existing() == after
    finally:
        await worker.close()
