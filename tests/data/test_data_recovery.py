"""The corruption matrix (issue 12): every way the log file can be wrong, on a log with
history and verified backups beside it, leads to a stated outcome.

Refused: the file (and the folder) is left byte for byte as it was, and the error
says what happened, what is safe and what to do. Restored: the wrong file is set
aside untouched, the newest compatible verified backup is restored with all its
history, and a notice says so. Repaired: indexes out of step with their tables are
rebuilt and nothing is lost.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from data import backup, programs, queries, ratings, schema
from data.db import LogDb
from data.errors import NewerSchemaError, StoreError
from data.health import Health, history, history_in, inspect
from data.models import Outcome, Rating, RatingKind, SessionStart
from data.sessions import finish_session, start_session
from data.store import DB_NAME, REPAIRED, open_store
from tests.data.helpers import T0

ROOT = Path(__file__).resolve().parents[2]
DAYS = 4
PER_DAY = 7  # two sessions, their ratings before and after, one check-in
RATINGS_PER_DAY = 5
FULL = DAYS * PER_DAY  # rows of history in the log
IN_NEWEST_BACKUP = (DAYS - 1) * PER_DAY  # the last day's backup was taken at its start
NEWEST_BACKUP_AT = "2024-03-04 07:00 UTC"  # T0 + 3 days, 08:00 in Paris


def add_day(db: LogDb, day: int) -> None:
    """One day of history: two sessions with their ratings, a check-in."""
    pid = programs.ensure_builtin(db, "wave", "Gentle wave", {}, created_at=T0)
    for k in range(2):
        at = T0 + timedelta(days=day, hours=2 * k)
        sid = start_session(db, SessionStart(pid, {}, {}, 3, None, at), before=Rating(at, 6, 5))
        finish_session(db, sid, Outcome.COMPLETED, ended_at=at + timedelta(minutes=15))
        ratings.add_rating(db, Rating(at, 4, 3), kind=RatingKind.AFTER, session_id=sid)
    ratings.add_checkin(db, Rating(T0 + timedelta(days=day, hours=6), 5, 5))


def build_history(folder: Path) -> None:
    """DAYS daily starts, each taking its backup, then that day's history."""
    for day in range(DAYS):
        with open_store(folder, now=T0 + timedelta(days=day)) as store:
            add_day(store.db, day)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listing(folder: Path) -> dict[str, str]:
    """Every file under `folder` with its hash: 'untouched' means this is unchanged."""
    return {str(p.relative_to(folder)): sha(p) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def log(tmp_path: Path) -> Path:
    folder = tmp_path / "Thenar"
    build_history(folder)
    return folder


# --- damage -------------------------------------------------------------------------


def remove(path: Path) -> None:
    path.unlink()


def empty(path: Path) -> None:
    path.write_bytes(b"")


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def scramble(path: Path) -> None:
    """Random bytes over the middle of every page after the first (a failing disk)."""
    rng = random.Random(12)
    data = bytearray(path.read_bytes())
    for page in range(1, len(data) // 4096):
        start = page * 4096 + 200
        data[start : start + 1500] = rng.randbytes(1500)
    path.write_bytes(bytes(data))


def wipe_schema_page(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)
    path.write_bytes(bytes(data))


def foreign_file(path: Path) -> None:
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64)


def foreign_database(path: Path) -> None:
    """Another program's SQLite database under our name (a sync tool, a mistaken copy)."""
    path.unlink()
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    conn.execute("INSERT INTO notes (text) VALUES ('shopping')")
    conn.commit()
    conn.close()


RESTORED: list[tuple[str, Callable[[Path], None], str]] = [
    ("missing", remove, "was missing"),
    ("empty", empty, "was empty"),
    ("truncated", truncate, "was damaged"),
    ("scrambled", scramble, "was damaged"),
    ("schema page wiped", wipe_schema_page, "was damaged"),
    ("foreign file", foreign_file, "was damaged"),
    ("foreign database", foreign_database, "not a Thenar health log"),
]


@pytest.mark.parametrize(
    ("damage", "words"), [(d, w) for _, d, w in RESTORED], ids=[n for n, _, _ in RESTORED]
)
def test_a_wrong_file_is_set_aside_and_the_newest_backup_restored(
    log: Path, damage: Callable[[Path], None], words: str
) -> None:
    path = log / DB_NAME
    damage(path)
    wrong = sha(path) if path.exists() else None
    backups_before = listing(log / "backups")
    with open_store(log, now=T0 + timedelta(days=DAYS)) as store:
        message = store.notices[0]
        assert words in message
        assert f"backup from {NEWEST_BACKUP_AT} was restored" in message
        assert history(store.db.conn) == IN_NEWEST_BACKUP
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    if wrong is not None:  # kept, byte for byte, under the name the message gives
        kept = log / "thenar.db.damaged"
        assert kept.name in message
        assert sha(kept) == wrong
    # every backup that was there still is, unchanged (today's is new)
    after = listing(log / "backups")
    assert {k: after[k] for k in backups_before} == backups_before


def lose_index_rows(path: Path, n: int) -> None:
    """n check-ins the ratings_by_day index never saw: the index is made partial
    (WHERE 0) while they are inserted, then given back its real definition."""
    conn = sqlite3.connect(path, isolation_level=None)
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'ratings_by_day'").fetchone()[0]

    def define(text: str) -> None:
        conn.execute("PRAGMA writable_schema = ON")
        conn.execute("UPDATE sqlite_master SET sql = ? WHERE name = 'ratings_by_day'", [text])
        conn.execute("PRAGMA writable_schema = OFF")
        conn.close()

    define(sql + " WHERE 0")
    conn = sqlite3.connect(path, isolation_level=None)
    at = T0 + timedelta(days=DAYS - 1, hours=9)
    for _ in range(n):
        conn.execute(
            "INSERT INTO ratings (kind, rated_at, rated_utc, local_date, pain, stiffness) "
            "VALUES ('checkin', ?, ?, ?, 2, 2)",
            [at.isoformat(), int(at.timestamp() * 1000), at.date().isoformat()],
        )
    define(sql)


def day_count(db: LogDb) -> int:
    """The day's ratings as a query along the day index counts them (the per-day sums the
    trends read are kept by triggers, so the damage would not show there)."""
    day = (T0 + timedelta(days=DAYS - 1)).date().isoformat()
    sql = "SELECT COUNT(*) FROM ratings INDEXED BY ratings_by_day WHERE local_date = ?"
    return int(db.execute(sql, [day]).fetchone()[0])


def test_index_damage_is_found_and_repaired_without_loss(log: Path) -> None:
    path = log / DB_NAME
    lose_index_rows(path, 5)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]  # what missed it
    on_disk = "SELECT COUNT(*) FROM ratings NOT INDEXED WHERE local_date = ?"
    day = (T0 + timedelta(days=DAYS - 1)).date().isoformat()
    assert conn.execute(on_disk, [day]).fetchone()[0] == RATINGS_PER_DAY + 5
    assert day_count(LogDb(conn)) == RATINGS_PER_DAY  # a query along the index misses 5
    last = (T0 + timedelta(days=DAYS - 1)).date()
    (trend,) = queries.symptoms_by_day(LogDb(conn), last, last)
    assert trend.n == RATINGS_PER_DAY + 5  # the trends' per-day sums (m008) never missed them
    conn.close()
    assert inspect(path).health is Health.INDEXES
    with open_store(log, now=T0 + timedelta(days=DAYS)) as store:
        assert store.notices == [REPAIRED]
        assert history(store.db.conn) == FULL + 5
        assert day_count(store.db) == RATINGS_PER_DAY + 5
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    newest = backup.list_backups(log / "backups")[0]  # today's backup: of the repaired log
    assert history_in(newest.path) == FULL + 5
    assert not list(log.glob("*.damaged"))


def make_newer(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()


def test_a_log_from_a_newer_thenar_is_refused_untouched(log: Path) -> None:
    make_newer(log / DB_NAME)
    before = listing(log)
    with pytest.raises(NewerSchemaError) as refused:
        open_store(log, now=T0 + timedelta(days=DAYS))
    assert listing(log) == before
    exc = refused.value
    assert "newer version of Thenar" in str(exc)
    assert "schema" not in str(exc)  # no "schema 4, this version knows 3"
    assert "not been changed" in exc.safe
    assert "Update Thenar" in exc.advice


def test_a_backup_from_a_newer_thenar_is_never_restored(log: Path) -> None:
    newest, second = backup.list_backups(log / "backups")[:2]
    make_newer(newest.path)
    newer_bytes = sha(newest.path)
    wipe_schema_page(log / DB_NAME)
    with open_store(log, now=T0 + timedelta(days=DAYS)) as store:
        assert second.taken_at.strftime("%Y-%m-%d %H:%M UTC") in store.notices[0]
        assert history(store.db.conn) == IN_NEWEST_BACKUP - PER_DAY
    assert sha(newest.path) == newer_bytes
    with open_store(log, now=T0 + timedelta(days=DAYS + 1)) as store:  # not refused after
        assert store.notices == []


# --- refusals that need file modes: run as a user the modes apply to --------------------


@pytest.fixture
def owned_log() -> Iterator[tuple[Path, list[str]]]:
    """A log with history in a folder the child may use, and how to run the child.

    File modes do not stop root: as root, the child runs as `nobody` (setpriv) in a
    folder nobody owns, under /tmp so it can reach it.
    """
    root = os.geteuid() == 0 if hasattr(os, "geteuid") else False
    if os.name != "posix":
        pytest.skip("file modes are POSIX")
    if root and shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: modes cannot be made to apply")
    top = Path(tempfile.mkdtemp(prefix="thenar-modes-"))
    folder = top / "Thenar"
    build_history(folder)
    prefix: list[str] = []
    if root:
        top.chmod(0o755)
        for p in [top, *top.rglob("*")]:
            os.chown(p, 65534, 65534)
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    try:
        yield folder, prefix
    finally:
        for p in [top, *top.rglob("*")]:
            if p.is_dir():
                p.chmod(0o700)
        shutil.rmtree(top)


def open_in_child(folder: Path, prefix: list[str]) -> dict[str, object]:
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    cmd = [*prefix, sys.executable, str(Path(__file__).with_name("open_child.py")), str(folder)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60, check=True)
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_an_unreadable_log_is_refused_untouched(owned_log: tuple[Path, list[str]]) -> None:
    folder, prefix = owned_log
    path = folder / DB_NAME
    if prefix:  # the child is nobody: a file that belongs to root is unreadable to it
        os.chown(path, 0, 0)
    path.chmod(0o000 if not prefix else 0o600)
    before = listing(folder)
    said = open_in_child(folder, prefix)
    assert said["error"] == "StoreAccessError", said
    assert "not allowed to read your health log" in str(said["message"])
    assert said["safe"]
    assert said["advice"]
    assert listing(folder) == before


def test_a_read_only_folder_is_refused_untouched(owned_log: tuple[Path, list[str]]) -> None:
    folder, prefix = owned_log
    before = listing(folder)
    folder.chmod(0o500)
    said = open_in_child(folder, prefix)
    assert said["error"] == "StoreAccessError", said
    assert "read-only" in str(said["message"])
    assert said["safe"]
    assert said["advice"]
    folder.chmod(0o700)
    assert listing(folder) == before


# --- backups: hygiene and rotation ------------------------------------------------------


def test_leftovers_of_interrupted_backups_are_removed_and_nothing_else(log: Path) -> None:
    folder = log / "backups"
    stamp = "thenar-20240305T070000000000Z-daily.db"
    leftovers = [
        f"{stamp}.partial",
        f"{stamp}.partial-journal",
        f"{stamp}.partial-wal",
        f"{stamp}-journal",
    ]
    others = ["notes.txt", "thenar-mine.db", "thenar-20240305T070000000000Z-daily.db.old"]
    for name in [*leftovers, *others]:
        (folder / name).write_bytes(b"x" * 1000)
    (log / "thenar.db.restoring").write_bytes(b"half a restore")
    kept = listing(folder)
    with open_store(log, now=T0 + timedelta(days=DAYS)):
        pass
    names = {p.name for p in folder.iterdir()}
    assert not names & set(leftovers)
    assert set(others) <= names
    assert all(sha(folder / n) == kept[n] for n in others)
    assert not (log / "thenar.db.restoring").exists()


def test_a_backup_with_history_is_not_rotated_away_by_emptier_ones(log: Path) -> None:
    """An emptier log (say, restored from an old copy) must not rotate the history away."""
    with tempfile.TemporaryDirectory() as tmp:
        with open_store(Path(tmp), now=T0, daily_backup=False):
            pass
        shutil.copy(Path(tmp) / DB_NAME, log / DB_NAME)  # a valid log, without history
    for day in range(DAYS, DAYS + 10):
        with open_store(log, now=T0 + timedelta(days=day)):
            pass
    kept = backup.list_backups(log / "backups")
    held = [history_in(b.path) for b in kept]
    assert len(kept) == backup.KEEP + 1
    assert held[: backup.KEEP] == [0] * backup.KEEP
    assert held[-1] == IN_NEWEST_BACKUP  # the last backup that held the history
    # once newer backups hold at least as much, the old one rotates as usual
    with open_store(log, now=T0 + timedelta(days=DAYS + 10)) as store:
        for day in range(DAYS):
            add_day(store.db, day)
    for day in range(DAYS + 11, DAYS + 11 + backup.KEEP):
        with open_store(log, now=T0 + timedelta(days=day)):
            pass
    kept = backup.list_backups(log / "backups")
    assert len(kept) == backup.KEEP
    assert all(history_in(b.path) == FULL for b in kept)


# --- one commit for what belongs together -----------------------------------------------


def test_a_session_and_its_rating_before_are_one_commit(log: Path) -> None:
    with open_store(log, now=T0 + timedelta(days=DAYS)) as store:
        db = store.db
        sessions_before = db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]
        # the rating's INSERT fails inside SQLite (as a full disk would make it)
        db.execute(
            "CREATE TEMP TRIGGER refuse BEFORE INSERT ON ratings "
            "BEGIN SELECT RAISE(ABORT, 'no room for the rating'); END"
        )
        at = T0 + timedelta(days=DAYS)
        with pytest.raises(StoreError):
            start_session(db, SessionStart(1, {}, {}, 3, None, at), before=Rating(at, 5, 5))
        assert db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == sessions_before


# --- a full disk at start: a real, small tmpfs where the platform allows it ------------------


@pytest.fixture
def small_disk() -> Iterator[Path]:
    """A 2 MB tmpfs (needs root and a kernel that lets us mount; skipped elsewhere)."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small tmpfs needs Linux and root")
    top = Path(tempfile.mkdtemp(prefix="thenar-small-disk-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(top)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        top.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield top
    finally:
        subprocess.run(["umount", str(top)], check=True)
        top.rmdir()


def fill(disk: Path) -> Path:
    """Write until the disk says it is full; return the file to delete to free it."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise
    finally:
        os.close(fd)
    assert shutil.disk_usage(disk).free < 4096
    return filler


def test_a_full_disk_at_start_is_refused_untouched_then_opens_with_everything(
    small_disk: Path,
) -> None:
    folder = small_disk / "Thenar"
    build_history(folder)
    filler = fill(small_disk)
    before = listing(folder)
    with pytest.raises(StoreError) as refused:
        open_store(folder, now=T0 + timedelta(days=DAYS))
    assert "disk is full" in str(refused.value)
    assert "Free some space" in refused.value.advice
    # nothing set aside or restored; SQLite may leave its (empty) side files from trying
    after = {k: v for k, v in listing(folder).items() if not k.endswith(("-wal", "-shm"))}
    assert after == before
    filler.unlink()
    with open_store(folder, now=T0 + timedelta(days=DAYS)) as store:
        assert store.notices == []
        assert history(store.db.conn) == FULL


def test_a_missing_log_with_its_wal_left_behind_keeps_the_wal_aside(log: Path) -> None:
    """SQLite must never replay an orphaned WAL over the restored backup."""
    (log / DB_NAME).unlink()
    (log / f"{DB_NAME}-wal").write_bytes(b"frames of a log that is gone" * 100)
    orphan = sha(log / f"{DB_NAME}-wal")
    with open_store(log, now=T0 + timedelta(days=DAYS)) as store:
        assert "was missing" in store.notices[0]
        assert "kept as thenar.db.damaged-wal" in store.notices[0]
        assert history(store.db.conn) == IN_NEWEST_BACKUP
    assert sha(log / "thenar.db.damaged-wal") == orphan
