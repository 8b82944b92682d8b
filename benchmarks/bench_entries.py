"""Benchmark the daily entries on ten years of history (issue 14).

Ten years of sessions, ratings and check-ins (`history.generate`), plus two daily
entries a day about both hands (zones on each, a note, medications): every
Progress query under 50 ms, the Progress page open under 300 ms, the report
under 2 s, the log under 100 MB. Prints one figure a line as `name: value unit`:
    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_entries.py [--years 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync
from PySide6.QtWidgets import QApplication

from appcore.context import AppContext
from appcore.db_worker import DbWorker
from appcore.progress import Span, load_progress, span_start
from appcore.progress_entries import load_entry_progress
from appcore.report import load_report
from appcore.settings import Settings
from benchmarks.bench_progress import END, figure, open_page
from benchmarks.history import TZ, generate
from data import entries
from data import queries as queries_
from data.entries import Entry, Hand, Side
from data.store import open_store
from desktop.report_pdf import render_report
from desktop.theme import apply_theme

REPEAT = 5
LIMIT_QUERY_MS = 50.0


def add_entries(folder: Path, years: int) -> int:
    """Two entries a day, both hands, zones, a note, medications; returns how many."""
    rng = random.Random(14)
    first = END - timedelta(days=round(365.25 * years) - 1)
    with open_store(folder, daily_backup=False) as store:
        db = store.db
        for i, name in enumerate(("Paracetamol", "Ibuprofen gel", "Turmeric")):
            entries.add_medication(db, name, first + timedelta(days=400 * i))
        n = 0
        day = first
        while day <= END:
            with db.atomic():
                month = day.month
                while day <= END and day.month == month:
                    for hour, morning in ((8, True), (20, False)):
                        at = datetime.combine(day, datetime.min.time(), TZ) + timedelta(
                            hours=hour, minutes=rng.randint(0, 50)
                        )
                        entries.record_entry(
                            db,
                            Entry(
                                at=at,
                                pain=rng.randint(0, 10),
                                stiffness=rng.randint(0, 10),
                                morning_stiffness_min=rng.randint(0, 120) if morning else None,
                                hand=Hand.BOTH,
                                left_zones=frozenset(rng.sample(range(6), rng.randint(0, 3))),
                                right_zones=frozenset(rng.sample(range(6), rng.randint(0, 3))),
                                flare=rng.random() < 0.05,
                                note=rng.choice(
                                    [
                                        "Stiff on waking, better after a warm shower.",
                                        "Typing all day; the right thumb ached by evening.",
                                        "Gardening. Both wrists sore.",
                                    ]
                                ),
                                medications=frozenset(
                                    rng.sample(["Paracetamol", "Ibuprofen gel"], rng.randint(0, 2))
                                ),
                            ),
                        )
                        n += 1
                    day += timedelta(days=1)
        return n


def timed(fn: Callable[[], Any]) -> float:
    """Median milliseconds of REPEAT calls (after one warm-up)."""
    fn()
    runs = []
    for _ in range(REPEAT):
        began = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - began) * 1000)
    return statistics.median(runs)


def queries(folder: Path) -> list[tuple[str, float]]:
    """Every Progress query on every range, on the DB as the app opens it."""
    out: list[tuple[str, float]] = []
    with open_store(folder, daily_backup=False) as store:
        db = store.db
        first = date.fromisoformat(db.execute("SELECT MIN(local_date) FROM entries").fetchone()[0])
        for span in Span:
            start = span_start(span, END, first)
            weekly = span is Span.ALL
            suffix = f"{span.value}_10y"
            calls: dict[str, Callable[[], Any]] = {
                "load_progress": lambda span=span: load_progress(db, span, END),
                "load_entry_progress": lambda s=start, w=weekly: load_entry_progress(db, s, END, w),
                # load_progress's slowest parts (issue 14 brought 4 weeks from ~55 to ~17 ms)
                "adherence_by_week": lambda s=start: queries_.adherence_by_week(db, s, END),
                "program_effects": lambda s=start, a=span is Span.ALL: queries_.program_effects(
                    db, since=None if a else s
                ),
                "morning_stiffness": lambda s=start, w=weekly: entries.morning_stiffness(
                    db, s, END, weekly=w
                ),
                "pain_by_hand": lambda s=start, w=weekly: entries.pain_by_hand(
                    db, Side.LEFT, s, END, weekly=w
                ),
                "zone_counts": lambda s=start: entries.zone_counts(db, s, END),
                "marks": lambda s=start: entries.marks(db, s, END),
                "daily_outcomes": lambda s=start: entries.daily_outcomes(db, s, END),
            }
            for name, call in calls.items():
                out.append((f"{name}_{suffix}", timed(call)))
    return out


async def page_and_report(folder: Path) -> tuple[float, float]:
    worker = DbWorker(folder)
    await worker.open()
    ctx = AppContext(
        settings=Settings(),
        settings_path=folder / "settings.json",
        db=worker,
        now=lambda: datetime.combine(END, datetime.min.time().replace(hour=12)).astimezone(),
    )
    try:
        _, warm = await open_page(ctx)
        warm.close()
        runs = []
        for _ in range(REPEAT):
            ms, page = await open_page(ctx)
            runs.append(ms)
            page.close()
            page.deleteLater()
        began = time.perf_counter()  # gathering and drawing: what the person waits for
        report = await worker.run(load_report, Span.ALL, END, "", date.isoformat)
        render_report(report, generated="bench")
        report_ms = (time.perf_counter() - began) * 1000
        return statistics.median(runs), report_ms
    finally:
        await worker.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--folder", type=Path, help="reuse (or keep) the generated log here")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    apply_theme(app, 1.25, high_contrast=False)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or Path(tmp) / "history"
        if not (folder / "thenar.db").exists():
            began = time.perf_counter()
            generate(folder, years=args.years, end=END)
            n = add_entries(folder, args.years)
            figure("generate_time", time.perf_counter() - began, "s")
            figure("entries", n, "entries")
        slowest = 0.0
        for name, ms in queries(folder):
            figure(name, ms, "ms")
            # entry queries only: not the bundles, issue 16's API or load_progress's parts
            if not name.startswith(("load_", "daily_outcomes", "adherence", "program_")):
                slowest = max(slowest, ms)
        figure("entry_query_slowest", slowest, "ms")
        loop = qasync.QEventLoop(app)
        asyncio.set_event_loop(loop)
        with loop:
            page_ms, report_ms = loop.run_until_complete(page_and_report(folder))
        figure("progress_open_with_entries_10y_median", page_ms, "ms")
        figure("report_render_all_10y", report_ms, "ms")
        size = sum(f.stat().st_size for f in folder.iterdir() if f.name.startswith("thenar.db"))
        figure("log_size", size / 1e6, "MB")


if __name__ == "__main__":
    main()
