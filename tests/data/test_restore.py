"""Restoring a backup or importing a Thenar export over a log that already holds history:
the preview is right, the earlier log is backed up (verified) first, nothing is lost, and
a bad file changes nothing (issue 14). Real log files in tmp."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from data import backup, dump, entries, restore, schema
from data.db import LogDb
from data.entries import Entry, Hand
from data.errors import RestoreError, StoreError
from data.health import read_only
from data.models import Rating
from data.ratings import add_checkin
from data.store import BACKUP_DIR, open_store
from tests.data.helpers import T0


def _contents(conn: sqlite3.Connection) -> dict[str, list[tuple[object, ...]]]:
    return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in dump.TABLES}


def _fill(db: LogDb, pain: int, days: int) -> None:
    for d in range(days):
        add_checkin(db, Rating(T0 + timedelta(days=d), pain, pain))
    entries.record_entry(
        db, Entry(at=T0, pain=pain, hand=Hand.LEFT, left_zones=frozenset({1}), note="kept")
    )


def test_an_export_replaces_the_log_after_a_verified_backup(tmp_path: Path) -> None:
    other = tmp_path / "other"
    with open_store(other, now=T0) as source:
        _fill(source.db, 7, 3)
        export = tmp_path / "export.json"
        export.write_text(dump.export_json(source.db), encoding="utf-8")
        wanted = _contents(source.db.conn)
    with open_store(tmp_path / "log", now=T0) as store:
        _fill(store.db, 2, 5)
        before = _contents(store.db.conn)
        now_preview = restore.preview_log(store.db)
        assert now_preview.counts["ratings"] == 5
        assert now_preview.counts["entries"] == 1
        prepared, incoming = restore.prepare(export, tmp_path / "work")
        assert incoming.counts["ratings"] == 3
        assert incoming.words().startswith("0 sessions, 3 ratings, 1 daily entries")
        assert incoming.first_day == T0.date().isoformat()
        assert _contents(store.db.conn) == before  # preparing changes nothing
        made = restore.replace(store.db, prepared, store.backups, now=T0 + timedelta(days=9))
        assert _contents(store.db.conn) == wanted
        assert backup.integrity_ok(made)
        kept = read_only(made)
        try:
            assert _contents(kept) == before  # the earlier log, whole
        finally:
            kept.close()
        assert made in [b.path for b in backup.list_backups(store.backups)]
    with open_store(tmp_path / "log", now=T0) as reopened:  # and it stays so
        assert _contents(reopened.db.conn) == wanted


def test_an_older_backup_is_migrated_and_its_checkins_become_entries(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    db = LogDb(sqlite3.connect(old))
    schema.migrate(db, stop_before="m005_daily_entries")
    db.execute(
        "INSERT INTO screenings (id, taken_at, taken_utc, rules_version, answers, caps, blocks) "
        "VALUES (1, ?, 0, 'r1', '{}', '{}', '[]')",
        [T0.isoformat()],
    )
    db.execute(
        "INSERT INTO checkins (screening_id, taken_at, taken_utc, local_date, answers, "
        "discomfort, caps) VALUES (1, ?, 0, ?, '{\"flare\": \"yes\"}', 5, '{}')",
        [T0.isoformat(), T0.date().isoformat()],
    )
    db.conn.commit()
    db.close()
    with open_store(tmp_path / "log", now=T0) as store:
        prepared, incoming = restore.prepare(old, tmp_path / "work")
        assert incoming.counts["screenings"] == 1
        assert incoming.counts["entries"] == 1
        restore.replace(store.db, prepared, store.backups, now=T0)
        (entry,) = entries.list_entries(store.db)
        assert (entry.entry.pain, entry.entry.flare) == (5, True)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "neither a Thenar backup nor|not a Thenar JSON backup"),
        (b"\xff\xfe\x00garbage", "neither a Thenar backup nor a Thenar export"),
        (b'{"format": "something else"}', "not a Thenar JSON backup"),
        (b"SQLite format 3\x00" + b"\x00" * 200, "damaged or is not a Thenar backup"),
    ],
)
def test_a_bad_file_is_refused_and_changes_nothing(
    tmp_path: Path, content: bytes, words: str
) -> None:
    bad = tmp_path / "bad.file"
    bad.write_bytes(content)
    with open_store(tmp_path / "log", now=T0) as store:
        _fill(store.db, 4, 2)
        before = _contents(store.db.conn)
        backups_before = backup.list_backups(store.backups)
        with pytest.raises(StoreError, match=words):
            restore.prepare(bad, tmp_path / "work")
        assert _contents(store.db.conn) == before
        assert backup.list_backups(store.backups) == backups_before
    assert list((tmp_path / "work").glob("*")) == []  # no half-made copy left


def test_a_backup_from_a_newer_thenar_is_refused(tmp_path: Path) -> None:
    newer = tmp_path / "newer.db"
    with open_store(tmp_path / "src", now=T0) as src:
        src.db.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
        target = sqlite3.connect(newer)
        src.db.conn.backup(target)
        target.close()
    with pytest.raises(RestoreError, match="newer version of Thenar"):
        restore.prepare(newer, tmp_path / "work")


def test_backups_of_the_log_itself_restore(tmp_path: Path) -> None:
    with open_store(tmp_path / "log", now=T0) as store:
        _fill(store.db, 3, 2)
        snapshot = backup.make_backup(store.db.conn, store.backups, now=T0, reason="manual")
        wanted = _contents(store.db.conn)
        _fill(store.db, 9, 4)  # later changes the person wants to undo
        prepared, incoming = restore.prepare(snapshot, tmp_path / "work")
        assert incoming.counts["ratings"] == 2
        restore.replace(store.db, prepared, store.backups, now=T0 + timedelta(days=1))
        assert _contents(store.db.conn) == wanted
        assert (tmp_path / "log" / BACKUP_DIR).is_dir()
