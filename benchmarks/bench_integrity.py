"""Benchmark the log's start-up checks on ten years of generated history (issue 12).

Prints one figure a line as `name: value unit`. Run by hand:
    .venv/bin/python benchmarks/bench_integrity.py [--years 10] [--folder DIR]
(`--folder` keeps the generated log, and reuses it if it is already there.)

What it answers: how long the window would wait if the full `integrity_check`
ran before it (it does not: `open_store(verify=False)` is what the window waits
for, and `Store.verify` runs on the DB thread after the first paint), and what
repairs and rotation cost. Cold-cache figures need root (they drop the page cache).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import figure
from benchmarks.history import generate
from data import backup
from data.health import integrity
from data.store import DB_NAME, open_store

END = date(2025, 12, 31)


def ms(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    """The fastest of `repeat` warm runs, in ms (after one warm-up)."""
    fn()
    return min(ms(fn) for _ in range(repeat))


def drop_caches() -> bool:
    """Empty the OS page cache (root on Linux only), so the next read comes from the disk."""
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        return False
    return True


def check(path: Path, full: bool) -> None:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        assert integrity(conn, full=full) == ["ok"]
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--folder", type=Path, help="keep (or reuse) the generated log here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or Path(tmp) / "history"
        if not (folder / DB_NAME).exists():
            result = generate(folder, years=args.years, end=END)
            figure("generate_time", result.seconds, "s")
        path = folder / DB_NAME
        figure("database_size", path.stat().st_size / 1e6, "MB")

        figure("quick_check_warm", best_of(lambda: check(path, False)), "ms")
        figure("integrity_check_warm", best_of(lambda: check(path, True)), "ms")
        if drop_caches():
            figure("quick_check_cold", ms(lambda: check(path, False)), "ms")
            drop_caches()
            figure("integrity_check_cold", ms(lambda: check(path, True)), "ms")
        else:
            print("cold-cache figures: skipped (dropping the page cache needs root)")

        now = datetime(2026, 1, 1, 8, tzinfo=UTC)
        figure(
            "open_before_first_paint",  # what the window waits for
            best_of(lambda: open_store(folder, now=now, verify=False).close()),
            "ms",
        )
        with open_store(folder, now=now, verify=False) as store:
            figure(
                "verify_after_paint_no_backup", ms(lambda: store.verify(daily_backup=False)), "ms"
            )
            shutil.rmtree(folder / "backups", ignore_errors=True)
            figure("verify_after_paint_with_daily_backup", ms(store.verify), "ms")
            figure("reindex_all", best_of(lambda: store.db.execute("REINDEX"), 1), "ms")

        # rotation opens every backup to count its history: eight ten-year backups
        backups = folder / "backups"
        first = backup.list_backups(backups)[0].path
        for day in range(1, 9):
            stamp = (now + timedelta(days=day)).strftime("%Y%m%dT%H%M%S%fZ")
            shutil.copy(first, backups / f"thenar-{stamp}-daily.db")
        figure("rotate_eight_backups", ms(lambda: backup.rotate(backups)), "ms")

        damaged = folder / "thenar.db"
        damaged.write_bytes(b"")
        figure(
            "restore_from_backup_at_open",
            ms(lambda: open_store(folder, now=now + timedelta(days=20), verify=False).close()),
            "ms",
        )


if __name__ == "__main__":
    main()
