"""The log's own typed errors for every SQLite and OS failure, with words for the person."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pytest

from appcore.db_worker import DbWorker
from data import ratings
from data.db import LogDb
from data.errors import (
    BackupError,
    CorruptStoreError,
    InvalidInputError,
    NewerSchemaError,
    StoreAccessError,
    StoreError,
    StoreFullError,
    StoreIOError,
    StoreLockedError,
)
from data.models import Rating
from data.store import DB_NAME, open_store
from data.tx import translate, writing
from tests.data.helpers import T0


def test_a_real_full_log_raises_store_full_with_advice(tmp_path: Path) -> None:
    with open_store(tmp_path, now=T0, daily_backup=False) as store:
        db = store.db
        db.execute("CREATE TABLE filler (x BLOB)")
        db.conn.commit()
        db.execute(f"PRAGMA max_page_count = {db.execute('PRAGMA page_count').fetchone()[0]}")
        with pytest.raises(StoreFullError) as full, writing(db):
            db.execute("INSERT INTO filler VALUES (zeroblob(100000))")
        assert "disk is full" in str(full.value)
        assert "Free some space" in full.value.advice
        assert full.value.safe


def test_a_read_only_connection_raises_store_access(tmp_path: Path) -> None:
    with open_store(tmp_path, now=T0, daily_backup=False):
        pass
    conn = sqlite3.connect(f"{(tmp_path / DB_NAME).as_uri()}?mode=ro", uri=True)
    try:
        with pytest.raises(StoreAccessError):
            ratings.add_checkin(LogDb(conn), Rating(T0, 1, 1))
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (errno.ENOSPC, StoreFullError),
        (errno.EDQUOT, StoreFullError),
        (errno.EACCES, StoreAccessError),
        (errno.EROFS, StoreAccessError),
        (errno.EIO, StoreIOError),
    ],
)
def test_os_errors_become_the_logs_errors_naming_the_file(code: int, kind: type) -> None:
    mapped = translate(OSError(code, "boom", "/home/me/export.csv"))
    assert isinstance(mapped, kind)
    assert "/home/me/export.csv" in str(mapped)
    assert mapped.advice


def test_sqlite_errors_without_a_code_are_still_the_logs() -> None:
    mapped = translate(sqlite3.ProgrammingError("Cannot operate on a closed database."))
    assert type(mapped) is StoreError
    assert "closed database" in str(mapped)


def test_the_db_worker_lets_only_the_logs_errors_out(tmp_path: Path) -> None:
    import asyncio

    async def go() -> None:
        worker = DbWorker(tmp_path)
        await worker.open()
        try:
            with pytest.raises(StoreError):
                await worker.run(lambda db: db.execute("SELEKT 1"))  # a raw sqlite3 error
            (tmp_path / "a-file").write_text("")
            with pytest.raises(StoreIOError):  # a raw OSError (not a folder)
                await worker.run(lambda db: (tmp_path / "a-file" / "x").write_text("x"))
        finally:
            await worker.close()

    asyncio.run(go())


def test_every_error_that_can_reach_a_person_says_what_is_safe_and_what_to_do() -> None:
    for kind in (
        StoreFullError,
        StoreAccessError,
        StoreIOError,
        StoreLockedError,
        CorruptStoreError,
        NewerSchemaError,
        BackupError,
    ):
        exc = kind("x")
        assert exc.safe, kind
        assert exc.advice, kind
    assert InvalidInputError("x").safe
