"""Benchmark opening the Progress page on ten years of history (target: under 300 ms).

Times what a person waits for: from constructing the page to its data loaded
(on the DB thread) and painted, on the qasync loop the app uses, offscreen.
Prints one figure a line as `name: value unit`. Run by hand:
    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_progress.py [--years 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync
from PySide6.QtWidgets import QApplication

from appcore.context import AppContext
from appcore.db_worker import DbWorker
from appcore.progress import Span
from appcore.report import load_report
from appcore.settings import Settings
from benchmarks.common import figure
from benchmarks.history import generate
from desktop.progress_view import ProgressPage
from desktop.report_pdf import render_report
from desktop.theme import apply_theme

END = date(2025, 12, 31)
REPEAT = 7


async def open_page(ctx: AppContext) -> tuple[float, ProgressPage]:
    """Milliseconds from constructing the page to its data shown and painted."""
    began = time.perf_counter()
    page = ProgressPage(ctx)
    page.resize(1000, 900)
    page.show()
    loaded = asyncio.Event()
    page.loaded.connect(loaded.set)
    page.shown()
    await loaded.wait()
    page.repaint()  # paints the page and its visible charts now, synchronously
    return (time.perf_counter() - began) * 1000, page


async def switch(page: ProgressPage, span: Span) -> float:
    """Milliseconds from a range click to the new range painted."""
    loaded = asyncio.Event()
    page.loaded.connect(loaded.set)
    began = time.perf_counter()
    page.range_buttons[span].click()
    await loaded.wait()
    page.repaint()
    elapsed = (time.perf_counter() - began) * 1000
    page.loaded.disconnect(loaded.set)
    return elapsed


def themed_app() -> QApplication:
    """The application as the person sees it (text scale 1.25)."""
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)  # closing a timed page must not end the loop
    apply_theme(app, 1.25, high_contrast=False)
    return app


def bench_context(worker: DbWorker, folder: Path) -> AppContext:
    """The app's context on the generated log, its clock at noon on END."""
    return AppContext(
        settings=Settings(),
        settings_path=folder / "settings.json",
        db=worker,
        now=lambda: datetime.combine(END, datetime.min.time().replace(hour=12)).astimezone(),
    )


async def page_opens(
    ctx: AppContext, repeat: int = REPEAT
) -> tuple[float, list[float], ProgressPage]:
    """The page's first open in this process, then `repeat` opens (ms); the last stays open."""
    first, page = await open_page(ctx)
    page.close()
    page.deleteLater()
    runs = []
    for _ in range(repeat):
        ms, page = await open_page(ctx)
        runs.append(ms)
        if len(runs) < repeat:
            page.close()
            page.deleteLater()
    return first, runs, page


async def report_ms(worker: DbWorker) -> tuple[float, bytes]:
    """Gathering and drawing the clinician's report over everything: what the person waits
    for, in ms, and the PDF."""
    began = time.perf_counter()
    report = await worker.run(load_report, Span.ALL, END, "", date.isoformat)
    pdf = render_report(report, generated="bench")
    return (time.perf_counter() - began) * 1000, pdf


async def run(folder: Path) -> None:
    worker = DbWorker(folder)
    began = time.perf_counter()
    await worker.open()
    figure("open_log_with_backup", (time.perf_counter() - began) * 1000, "ms")
    ctx = bench_context(worker, folder)
    try:
        cold, runs, page = await page_opens(ctx)
        figure("progress_open_10y_first", cold, "ms")
        figure("progress_open_10y_median", statistics.median(runs), "ms")
        figure("progress_open_10y_max", max(runs), "ms")
        for span in (Span.MONTHS_3, Span.YEAR_1, Span.ALL):
            times = [await switch(page, span) for _ in range(3)]
            figure(f"progress_switch_{span.value}_10y_median", statistics.median(times), "ms")
            await switch(page, Span.WEEKS_4)
        await switch(page, Span.ALL)
        assert page.data is not None
        took, pdf = await report_ms(worker)
        figure("pdf_report_render_all_10y", took, "ms")
        figure("pdf_report_size", len(pdf) / 1000, "kB")
        page.close()
    finally:
        await worker.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--folder", type=Path, help="reuse (or keep) the generated log here")
    args = parser.parse_args()
    app = themed_app()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or Path(tmp) / "history"
        if not (folder / "thenar.db").exists():
            result = generate(folder, years=args.years, end=END)
            figure("generate_time", result.seconds, "s")
            figure("sessions", result.sessions, "sessions")
            figure("ratings", result.ratings, "ratings")
        loop = qasync.QEventLoop(app)
        asyncio.set_event_loop(loop)
        with loop:
            loop.run_until_complete(run(folder))


if __name__ == "__main__":
    main()
