"""Child process for the kill test: writes sessions as fast as it can, reporting commits.

Usage: python kill_child.py FOLDER [--starts]
Every line it prints is flushed right after the commit it reports, so the
parent knows a lower bound of what must be in the file when it kills us:
  S <session id>            the session row and its rating before are committed (RUNNING)
  R <rating id>             a rating is committed
  T <session id> <n>        n telemetry samples of that session are committed
  F <session id>            the session is finished (COMPLETED)
With --starts it starts Thenar again and again, one day later each time, so each
start takes its daily backup (copied a few pages a step, each step reported), and
adds a little history in between:
  O <day>                   the log is open (that day's backup was taken and rotated)
  B <pages left>            a step of the backup copy is done
  C <checkin id>            a check-in is committed
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from data import backup, programs, ratings
from data.models import Outcome, Rating, RatingKind, SessionStart, TelemetrySample
from data.sessions import SessionWriter, start_session
from data.store import open_store

SAMPLES_PER_SESSION = 150


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main() -> None:
    folder = Path(sys.argv[1])
    store = open_store(folder, daily_backup=False)
    db = store.db
    now = datetime.now(UTC)
    program_id = programs.ensure_builtin(db, "kill", "Kill test", {}, created_at=now)
    say("READY")
    tick = 0.0

    def clock() -> float:  # every sample is "a second later": every add() commits
        return tick

    while True:
        start = SessionStart(program_id, {"n": 1}, {}, 3, 40.0, now)
        sid = start_session(db, start, before=Rating(now, 5, 4))  # as the app: one commit
        say(f"S {sid}")
        writer = SessionWriter(db, sid, clock=clock)
        for i in range(SAMPLES_PER_SESSION):
            tick += 1.0
            sample = TelemetrySample(i * 1000, tuple((i + z) % 80 for z in range(6)), 380)
            if writer.add(sample):
                say(f"T {sid} {writer.committed_samples}")
        writer.finish(Outcome.COMPLETED, ended_at=now + timedelta(seconds=SAMPLES_PER_SESSION))
        say(f"F {sid}")
        rid = ratings.add_rating(db, Rating(now, 3, 2), kind=RatingKind.AFTER, session_id=sid)
        say(f"R {rid}")
        ratings.add_checkin(db, Rating(now, 4, 4))  # committed but not reported: fine
        now += timedelta(minutes=1)


def starts(folder: Path) -> None:
    """Start, back up, write a little, close; again and again (the kill lands anywhere)."""
    backup.STEP_PAGES = 2  # many small steps: kills land inside the copy
    backup.progress_listeners.append(lambda left, _total: say(f"B {left}"))
    day = datetime(2024, 3, 1, 8, tzinfo=UTC)
    say("READY")
    while True:
        day += timedelta(days=1)
        with open_store(folder, now=day) as store:
            say(f"O {day.date()}")
            for i in range(20):
                rid = ratings.add_checkin(store.db, Rating(day + timedelta(minutes=i), 3, 3))
                say(f"C {rid}")


if __name__ == "__main__":
    if sys.argv[2:] == ["--starts"]:
        starts(Path(sys.argv[1]))
    else:
        main()
