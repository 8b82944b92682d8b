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

from data import telemetry
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


def run_and_kill(folder: Path, stop_after: int) -> list[str]:
    """Start the child, let it report `stop_after` commits, SIGKILL it; return the lines."""
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )
    reader = LineReader(proc)
    lines: list[str] = []
    try:
        while len(lines) < stop_after + 1:  # + READY
            line = reader.readline()
            if line is None:
                assert proc.stderr is not None
                pytest.fail(f"child exited early: {proc.stderr.read().decode()}")
            lines.append(line)
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
