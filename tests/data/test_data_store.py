"""Opening the log: permissions, the writer lock, newer files, damage, backups, migrations."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from data import backup, programs, ratings, schema
from data.errors import BackupError, NewerSchemaError, StoreError, StoreLockedError
from data.export import write_export
from data.models import Rating
from data.store import DB_NAME, connect, default_folder, open_store
from tests.data.helpers import T0

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_default_folder_is_per_user_and_named_thenar():
    assert default_folder().name == "Thenar"


@posix_only
def test_folder_and_every_file_are_private(tmp_path):
    folder = tmp_path / "nested" / "Thenar"
    with open_store(folder, now=T0) as store:
        programs.save_program(store.db, "p", {}, created_at=T0)
        # While open in WAL mode the -wal and -shm files exist: check them too.
        files = [p for p in folder.rglob("*") if p.is_file()]
        assert {p.name for p in files} >= {DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm"}
        export = write_export(tmp_path / "ratings.csv", "x")
        for path in [*files, export]:
            assert mode(path) == 0o600, path
        for path in [folder, folder / "backups"]:
            assert mode(path) == 0o700, path


@posix_only
def test_loose_permissions_are_tightened(tmp_path):
    tmp_path.chmod(0o755)
    with open_store(tmp_path, now=T0):
        pass
    (tmp_path / DB_NAME).chmod(0o644)
    with open_store(tmp_path, now=T0):
        assert mode(tmp_path) == 0o700
        assert mode(tmp_path / DB_NAME) == 0o600


def test_journal_is_wal_and_synchronous_full(tmp_path):
    with open_store(tmp_path, now=T0) as store:
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_second_writer_is_refused(tmp_path):
    with open_store(tmp_path, now=T0), pytest.raises(StoreLockedError):
        open_store(tmp_path, now=T0)
    with open_store(tmp_path, now=T0):  # released on close
        pass


def test_locked_database_gives_typed_error_and_changes_nothing(tmp_path):
    with open_store(tmp_path, now=T0, busy_timeout_s=0.05) as store:
        other = sqlite3.connect(tmp_path / DB_NAME, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
        try:
            with pytest.raises(StoreLockedError):
                ratings.add_checkin(store.db, Rating(T0, 3, 3))
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert store.db.execute("SELECT COUNT(*) FROM ratings").fetchone()[0] == 0
        ratings.add_checkin(store.db, Rating(T0, 3, 3))  # and the store still works


def _make_newer(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()


def test_file_from_newer_thenar_is_refused_untouched(tmp_path):
    with open_store(tmp_path, now=T0) as store:
        programs.save_program(store.db, "p", {}, created_at=T0)
    path = tmp_path / DB_NAME
    _make_newer(path)
    before = path.read_bytes()
    listing = sorted(p.name for p in tmp_path.rglob("*"))
    with pytest.raises(NewerSchemaError, match="newer version of Thenar"):
        open_store(tmp_path, now=T0 + timedelta(days=1))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.rglob("*")) == listing


def test_unknown_migration_name_counts_as_newer(tmp_path):
    with open_store(tmp_path, now=T0) as store:
        Database(store.db.conn)["_sqlite_migrations"].insert(  # sqlite-utils' own table
            {"migration_set": "thenar", "name": "m999_future", "applied_at": "x"}
        )
    with pytest.raises(NewerSchemaError):
        open_store(tmp_path, now=T0)


def _corrupt(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # wipe page 1 after the header: the schema
    path.write_bytes(bytes(data))


def _checkin_count(folder: Path) -> int:
    conn = sqlite3.connect(folder / DB_NAME)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM ratings").fetchone()[0])
    finally:
        conn.close()


def test_damaged_file_is_set_aside_and_newest_good_backup_restored(tmp_path):
    with open_store(tmp_path, now=T0) as store:  # day 1 backup: empty log
        ratings.add_checkin(store.db, Rating(T0, 5, 5))
    with open_store(tmp_path, now=T0 + timedelta(days=1)) as store:  # day 2 backup: 1 rating
        ratings.add_checkin(store.db, Rating(T0 + timedelta(days=1), 4, 4))
    # The newest backup is itself damaged: recovery must skip to the one before it.
    newest = backup.list_backups(tmp_path / "backups")[0].path
    _corrupt(newest)
    path = tmp_path / DB_NAME
    _corrupt(path)
    damaged_bytes = path.read_bytes()
    with open_store(tmp_path, now=T0 + timedelta(days=2), daily_backup=False) as store:
        assert len(store.notices) == 1
        assert "damaged" in store.notices[0]
        assert "thenar.db.damaged" in store.notices[0]
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.db.execute("SELECT COUNT(*) FROM ratings").fetchone()[0] == 0
    assert (tmp_path / "thenar.db.damaged").read_bytes() == damaged_bytes


def test_damaged_file_without_backup_starts_empty_and_keeps_the_damaged_one(tmp_path):
    with open_store(tmp_path, now=T0, daily_backup=False) as store:
        ratings.add_checkin(store.db, Rating(T0, 5, 5))
    _corrupt(tmp_path / DB_NAME)
    with open_store(tmp_path, now=T0, daily_backup=False) as store:
        assert "no verified backup" in store.notices[0]
        assert store.db.execute("SELECT COUNT(*) FROM ratings").fetchone()[0] == 0
    # a second damage does not overwrite the first set-aside file
    _corrupt(tmp_path / DB_NAME)
    with open_store(tmp_path, now=T0, daily_backup=False):
        pass
    assert len(list(tmp_path.glob("*.damaged"))) == 2


def test_garbage_file_is_set_aside(tmp_path):
    (tmp_path / DB_NAME).write_bytes(b"this is not a database" * 100)
    with open_store(tmp_path, now=T0) as store:
        assert store.notices
    assert (tmp_path / "thenar.db.damaged").exists()


def test_backups_rotate_daily_and_keep_seven(tmp_path):
    for day in range(10):
        for hour in (0, 5):  # a second open the same day takes no new backup
            with open_store(tmp_path, now=T0 + timedelta(days=day, hours=hour)):
                pass
    kept = backup.list_backups(tmp_path / "backups")
    assert len(kept) == 7
    assert [b.taken_at.date() for b in kept] == [
        (T0 + timedelta(days=d)).date() for d in range(9, 2, -1)
    ]
    assert all(backup.integrity_ok(b.path) for b in kept)


def test_backup_of_live_database_is_consistent(tmp_path):
    with open_store(tmp_path, now=T0, daily_backup=False) as store:
        ratings.add_checkin(store.db, Rating(T0, 2, 2))
        dest = backup.backup_to(store.db.conn, tmp_path / "copy.db")
    conn = sqlite3.connect(dest)
    assert conn.execute("SELECT pain FROM ratings").fetchall() == [(2,)]
    conn.close()
    assert not Path(f"{dest}-wal").exists()


def test_migration_from_first_schema_keeps_data_and_backs_up_first(tmp_path):
    path = tmp_path / DB_NAME
    db = connect(path)
    schema.migrate(db, stop_before="m002_trend_indexes")
    assert schema.applied_names(db) == ["m001_initial"]
    assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    ratings.add_checkin(db, Rating(T0, 7, 6, morning_stiffness_min=45))
    db.close()
    with open_store(tmp_path, now=T0) as store:
        assert schema.pending_names(store.db) == []
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        assert [r.rating.pain for r in ratings.list_ratings(store.db)] == [7]
        indexes = {i.name for i in Database(store.db.conn)["ratings"].indexes}
        assert "ratings_by_day" in indexes
    reasons = [b.reason for b in backup.list_backups(tmp_path / "backups")]
    assert "before-migration" in reasons
    pre = next(b for b in backup.list_backups(tmp_path / "backups") if b.reason != "daily")
    conn = sqlite3.connect(pre.path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1  # the state before migrating
    conn.close()


def test_new_store_needs_no_premigration_backup(tmp_path):
    with open_store(tmp_path, now=T0, daily_backup=False):
        pass
    assert backup.list_backups(tmp_path / "backups") == []


def test_failed_daily_backup_does_not_lock_the_user_out(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise BackupError("disk full")

    monkeypatch.setattr(backup, "daily_backup", broken)
    with open_store(tmp_path, now=T0) as store:
        assert store.notices == ["Today's backup could not be made: disk full"]
        ratings.add_checkin(store.db, Rating(T0, 1, 1))


def test_every_error_is_a_store_error():
    for cls in (NewerSchemaError, StoreLockedError, BackupError):
        assert issubclass(cls, StoreError)
