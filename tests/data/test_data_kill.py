"""The kill test: SIGKILL a writing process at random moments; nothing committed is lost.

The child reports each commit on stdout after it returns; the parent waits for
a random number of those lines (never sleeps), kills, then checks the file.
"""

from __future__ import annotations

import os
import random
import selectors
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from data import backup, telemetry
from data.store import DB_NAME, open_store

CHILD = Path(__file__).with_name("kill_child.py")
ROOT = Path(__file__).resolve().parents[2]
ITERATIONS = 20
LINE_TIMEOUT_S = 30.0


class LineReader:
    """Read whole lines from a pipe with a deadline, without blocking forever."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        self.fd = proc.stdout.fileno()
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.fd, selectors.EVENT_READ)
        self.buf = b""

    def readline(self) -> str | None:
        deadline = time.monotonic() + LINE_TIMEOUT_S
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not self.sel.select(left):
                raise TimeoutError("the child stopped reporting")
            chunk = os.read(self.fd, 65536)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode()

    def close(self) -> None:
        self.sel.close()


def run_and_kill(folder: Path, stop_after: int, *args: str, counting: str = "") -> list[str]:
    """Start the child, let it report `stop_after` lines (those starting with `counting`),
    SIGKILL it; return the lines."""
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), str(folder), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )
    reader = LineReader(proc)
    lines: list[str] = []
    try:
        seen = -1  # READY starts with "" too
        while seen < stop_after:
            line = reader.readline()
            if line is None:
                assert proc.stderr is not None
                pytest.fail(f"child exited early: {proc.stderr.read().decode()}")
            lines.append(line)
            seen += line.startswith(counting)
        proc.send_signal(signal.SIGKILL)  # the child keeps writing until this lands
        proc.wait(timeout=LINE_TIMEOUT_S)
        # anything printed before death was committed too
        while (line := reader.readline()) is not None:
            lines.append(line)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.close()
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
    assert proc.returncode == -signal.SIGKILL
    assert lines[0] == "READY"
    return lines[1:]


def check(folder: Path, lines: list[str]) -> None:
    """integrity_check is ok and every reported commit is in the file."""
    conn = sqlite3.connect(folder / DB_NAME)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        sessions = {r[0]: r[1] for r in conn.execute("SELECT id, outcome FROM sessions")}
        rating_ids = {r[0] for r in conn.execute("SELECT id FROM ratings")}
        with_before = {
            r[0] for r in conn.execute("SELECT session_id FROM ratings WHERE kind = 'before'")
        }
        assert set(sessions) == with_before  # every session has its rating before
        counts = dict(
            conn.execute(
                "SELECT session_id, SUM(n_samples) FROM telemetry GROUP BY session_id"
            ).fetchall()
        )
    finally:
        conn.close()
    for line in lines:
        kind, *args = line.split()
        ids = [int(a) for a in args]
        if kind == "S":
            assert ids[0] in sessions, line
            assert ids[0] in with_before, line  # one commit: never a session without it
        elif kind == "R":
            assert ids[0] in rating_ids, line
        elif kind == "T":
            assert counts.get(ids[0], 0) >= ids[1], line
        elif kind == "F":
            assert sessions[ids[0]] == "completed", line
        else:
            pytest.fail(f"unexpected line {line!r}")


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
def test_sigkill_at_random_moments_loses_nothing_committed(tmp_path):
    rng = random.Random(20240301)
    total_reported = 0
    for _ in range(ITERATIONS):
        lines = run_and_kill(tmp_path, stop_after=rng.randint(1, 400))
        total_reported += len(lines)
        check(tmp_path, lines)
        # reopening marks the killed session interrupted, keeping its telemetry
        with open_store(tmp_path, daily_backup=False) as store:
            running = store.db.execute(
                "SELECT COUNT(*) FROM sessions WHERE outcome = 'running'"
            ).fetchone()[0]
            assert running == 0
            started = [int(x.split()[1]) for x in lines if x.startswith("S ")]
            finished = {int(x.split()[1]) for x in lines if x.startswith("F ")}
            for sid in started:
                outcome = store.db.execute(
                    "SELECT outcome FROM sessions WHERE id = ?", [sid]
                ).fetchone()[0]
                assert outcome in (
                    {"completed"} if sid in finished else {"completed", "interrupted_crash"}
                )
    with open_store(tmp_path, daily_backup=False) as store:
        interrupted = store.db.execute(
            "SELECT COUNT(*) FROM sessions WHERE outcome = 'interrupted_crash' "
            "AND ended_at IS NOT NULL"
        ).fetchone()[0]
        samples = sum(telemetry.count_samples(store.db, sid) for sid in range(1, 500))
    assert total_reported > ITERATIONS
    assert interrupted >= ITERATIONS // 2  # most kills land mid-session, as intended
    assert samples > 0


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
def test_kills_during_the_startup_backup_leave_nothing_behind_after_the_next_start(tmp_path):
    """Kill the child while it starts (and backs up) day after day; the next start removes
    what the interrupted backups left, and every backup that remains verifies."""
    rng = random.Random(20240302)
    mid_copy = leftovers_seen = 0
    for _ in range(ITERATIONS):
        # kill after a random step of some start's backup copy
        lines = run_and_kill(tmp_path, rng.randint(1, 60), "--starts", counting="B ")
        mid_copy += lines[-1].startswith("B ")  # nothing after it: killed inside the backup
        backups = tmp_path / "backups"
        finished = {b.path.name for b in backup.list_backups(backups)}
        leftovers_seen += sum(1 for p in backups.iterdir() if p.name not in finished)
        with open_store(tmp_path) as store:  # the next start
            checkins = {r[0] for r in store.db.execute("SELECT id FROM ratings")}
        assert all(int(x.split()[1]) in checkins for x in lines if x.startswith("C "))
        kept = backup.list_backups(backups)
        assert sorted(p.name for p in backups.iterdir()) == sorted(b.path.name for b in kept)
        assert all(backup.integrity_ok(b.path) for b in kept)
    assert mid_copy >= ITERATIONS // 2  # the kills did land inside backups
    assert leftovers_seen > 0  # and left something for the next start to remove
