"""The Progress page against a real log on its DB thread: data shown, ranges, every export."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
import os
import stat
import threading
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from PySide6.QtCore import QEvent, Qt
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from appcore.context import AppContext
from appcore.events import RatingsChanged, SettingsChanged
from appcore.exports import ExportKind
from appcore.progress import Span
from appcore.settings import Settings
from benchmarks.history import generate
from data.export import COMMAND_COLUMNS, ENTRY_COLUMNS, RATING_COLUMNS, SESSION_COLUMNS
from desktop.progress_view import ProgressPage
from desktop.theme import apply_theme
from tests.waiting import until

TODAY = date(2025, 12, 31)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A year of realistic history (sessions, check-ins, schedules), made once."""
    folder = tmp_path_factory.mktemp("progress") / "log"
    generate(folder, years=1, end=TODAY)
    return folder


@pytest.fixture
def themed() -> Iterator[QApplication]:
    """The app's own theme at its default text size; restored afterwards."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    font, palette, sheet = app.font(), app.palette(), app.styleSheet()
    apply_theme(app, 1.25, high_contrast=False)
    yield app
    app.setStyleSheet(sheet)
    app.setPalette(palette)
    app.setFont(font)


@pytest.fixture
def log_folder(history: Path) -> Path:
    return history  # ctx (tests/desktop/conftest.py) opens this log


@pytest.fixture
def now() -> Callable[[], dt.datetime]:
    return lambda: dt.datetime.combine(TODAY, dt.time(12)).astimezone()


class Answers:
    """Stands in for the Save dialog: returns queued paths and records what was asked."""

    def __init__(self) -> None:
        self.paths: list[Path | None] = []
        self.asked: list[tuple[ExportKind, Path]] = []

    def __call__(self, kind: ExportKind, suggested: Path) -> Path | None:
        self.asked.append((kind, suggested))
        return self.paths.pop(0)


async def open_page(qtbot: QtBot, ctx: AppContext, answers: Answers) -> ProgressPage:
    page = ProgressPage(ctx, ask_path=answers)
    qtbot.addWidget(page)
    page.resize(1000, 1000)
    page.show()
    loaded = asyncio.Event()
    page.loaded.connect(loaded.set)
    page.shown()
    await asyncio.wait_for(loaded.wait(), 10)
    return page


async def switch(qtbot: QtBot, page: ProgressPage, span: Span) -> None:
    loaded = asyncio.Event()
    page.loaded.connect(loaded.set)
    qtbot.mouseClick(page.range_buttons[span], Qt.MouseButton.LeftButton)
    await asyncio.wait_for(loaded.wait(), 10)
    page.loaded.disconnect(loaded.set)


async def test_shows_the_log_and_switches_ranges(
    qtbot: QtBot, ctx: AppContext, themed: QApplication, screenshot_dir: Path
) -> None:
    page = await open_page(qtbot, ctx, Answers())
    data = page.data
    assert data is not None
    assert data.span is Span.WEEKS_4
    assert len(data.pain.points) == 28
    assert data.sessions
    text = page.summary.accessibleDescription()
    assert text.startswith("Your average pain over the last 4 weeks was ")
    assert "Sessions in this range:" in text
    assert "Streak:" in text
    assert "Gentle wave" in page.programs_text.text()
    assert "95% range" in page.programs_text.text()
    assert "scheduled sessions" in page.adherence_text.text()
    assert page.pain_chart.accessibleDescription() == data.summary[0]
    assert not page.status.isVisible()
    page.grab().save(str(screenshot_dir / "progress.png"))
    page.scroll_area.verticalScrollBar().setValue(page.scroll_area.verticalScrollBar().maximum())
    page.grab().save(str(screenshot_dir / "progress-lower.png"))
    page.resize(1000, 2700)  # everything at once, for people reviewing the page
    page.grab().save(str(screenshot_dir / "progress-full.png"))
    page.resize(1000, 1000)

    await switch(qtbot, page, Span.YEAR_1)
    assert page.data is not None
    assert page.data.span is Span.YEAR_1
    assert len(page.data.pain.points) == 365
    assert "12 months" in page.summary.accessibleDescription()
    assert page.range_buttons[Span.YEAR_1].isChecked()

    # By keyboard: focus a range button and press Space, as a person would.
    page.activateWindow()
    await until(page.isActiveWindow)
    page.range_buttons[Span.ALL].setFocus()
    loaded = asyncio.Event()
    page.loaded.connect(loaded.set)
    qtbot.keyClick(page.range_buttons[Span.ALL], Qt.Key.Key_Space)
    await asyncio.wait_for(loaded.wait(), 10)
    assert page.data is not None
    assert page.data.span is Span.ALL
    assert page.summary.accessibleDescription().startswith("Since your first rating on ")


async def test_a_newer_range_click_wins(qtbot: QtBot, ctx: AppContext) -> None:
    page = await open_page(qtbot, ctx, Answers())
    page.span = Span.ALL
    slow = asyncio.ensure_future(page.refresh())
    page.span = Span.MONTHS_3
    await page.refresh()
    await slow
    assert page.data is not None
    assert page.data.span is Span.MONTHS_3


async def test_every_control_is_named_and_reachable_by_keyboard(
    qtbot: QtBot, ctx: AppContext, themed: QApplication
) -> None:
    page = await open_page(qtbot, ctx, Answers())
    ranges = list(page.range_buttons.values())
    exports = list(page.export_buttons.values())
    for button in ranges + exports:
        assert button.accessibleName()
        assert button.height() >= 48  # desktop.theme.MIN_TARGET_PX
    for chart in (page.pain_chart, page.stiffness_chart, page.effects_chart, page.adherence_chart):
        assert chart.accessibleName()
        assert chart.accessibleDescription()
    page.activateWindow()
    await until(page.isActiveWindow)
    # The ranges are one radio-style group: Tab enters it at the chosen range...
    ranges[0].setFocus()
    seen: list[QWidget] = []
    for _ in range(len(exports) + 3):
        focused = QApplication.focusWidget()
        assert focused is not None
        seen.append(focused)
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
    assert set(exports) <= set(seen)
    assert ranges[1] not in seen
    # ...and the arrow keys move along it, choosing as they go.
    ranges[0].setFocus()
    loaded = asyncio.Event()
    page.loaded.connect(loaded.set)
    qtbot.keyClick(ranges[0], Qt.Key.Key_Right)
    await asyncio.wait_for(loaded.wait(), 10)
    assert QApplication.focusWidget() is ranges[1]
    assert ranges[1].isChecked()
    assert page.data is not None
    assert page.data.span is Span.MONTHS_3


async def test_every_export_writes_a_valid_private_file(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    answers = Answers()
    page = await open_page(qtbot, ctx, answers)
    out = tmp_path / "exports"
    out.mkdir()
    answers.paths = [
        out / "sessions.csv",
        out / "ratings",  # no suffix typed: the page adds .csv
        out / "bundle.json",
        out / "report.pdf",
        out / "device.csv",
        out / "entries.csv",
    ]
    expected = [
        out / "sessions.csv",
        out / "ratings.csv",
        out / "bundle.json",
        out / "report.pdf",
        out / "device.csv",
        out / "entries.csv",
    ]
    for kind, path in zip(ExportKind, expected, strict=True):
        qtbot.mouseClick(page.export_buttons[kind], Qt.MouseButton.LeftButton)
        button = page.export_buttons[kind]
        await until(lambda p=path, b=button: p.exists() and b.isEnabled())
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert page.status.text().startswith(f"Saved {path.name}")
    assert [kind for kind, _ in answers.asked] == list(ExportKind)
    assert answers.asked[3][1].name == "thenar-report-2025-12-31.pdf"

    sessions = list(csv.reader(io.StringIO(expected[0].read_text(encoding="utf-8"))))
    assert sessions[0] == SESSION_COLUMNS
    assert len(sessions) > 500
    ratings = list(csv.DictReader(io.StringIO(expected[1].read_text(encoding="utf-8"))))
    assert list(ratings[0]) == RATING_COLUMNS
    assert {r["kind"] for r in ratings} == {"before", "after", "checkin"}
    entries_rows = list(csv.reader(io.StringIO(expected[5].read_text(encoding="utf-8"))))
    assert entries_rows[0] == ENTRY_COLUMNS
    bundle = Bundle.model_validate(json.loads(expected[2].read_text(encoding="utf-8")))
    assert bundle.type == "collection"
    assert bundle.entry
    assert len(bundle.entry) > 1000
    pdf = expected[3].read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    document = QPdfDocument()  # Qt's own PDF reader parses it and counts pages
    assert document.load(str(expected[3])) == QPdfDocument.Error.None_
    assert document.pageCount() >= 2
    document.close()
    with expected[4].open(encoding="utf-8", newline="") as f:
        header = next(csv.reader(f))
    assert header == COMMAND_COLUMNS
    trail = list(csv.DictReader(io.StringIO(expected[4].read_text(encoding="utf-8"))))
    assert len(trail) > 100  # the history logs commands with its sessions
    assert all(json.loads(row["parameters"]) is not None for row in trail)


async def test_cancel_writes_nothing_and_failures_say_what_to_do(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    answers = Answers()
    page = await open_page(qtbot, ctx, answers)
    answers.paths = [None]
    await page.export(ExportKind.RATINGS_CSV)
    assert not page.status.isVisible()
    assert os.listdir(tmp_path) == []
    answers.paths = [tmp_path / "no-such-folder" / "r.pdf"]
    await page.export(ExportKind.PDF)
    text = page.status.text()
    assert text.startswith("Could not save r.pdf: that folder does not exist any more.")
    assert "Choose another folder" in text
    assert page.status.isVisible()
    assert all(b.isEnabled() for b in page.export_buttons.values())


async def test_large_text_and_high_contrast(
    qtbot: QtBot, ctx: AppContext, themed: QApplication, screenshot_dir: Path
) -> None:
    apply_theme(themed, 2.0, high_contrast=True)
    ctx.settings = Settings(text_scale=2.0, high_contrast=True)
    page = await open_page(qtbot, ctx, Answers())
    ctx.settings_changed.publish(SettingsChanged())
    assert page.pain_chart.style_.high_contrast
    # Charts grow with the text: a line of text at 2x makes a taller chart.
    assert page.pain_chart.height() >= 12 * page.pain_chart.fontMetrics().height()
    page.grab().save(str(screenshot_dir / "progress-large-high-contrast.png"))


async def test_a_closed_page_ends_its_loads_and_nothing_touches_it_after(
    qtbot: QtBot, ctx: AppContext, caplog: pytest.LogCaptureFixture
) -> None:
    """The page owns its tasks: a load still waiting on the log when the page goes is
    cancelled and awaited, never left to draw on deleted charts, and later log events no
    longer reach it (the bug: "Internal C++ object already deleted")."""
    gate = threading.Event()
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    quits = app.quitOnLastWindowClosed()
    app.setQuitOnLastWindowClosed(False)  # as the app runs (its tray): closing is not quitting
    try:
        await _close_while_loading(ctx, gate)
    finally:
        app.setQuitOnLastWindowClosed(quits)
    failures = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert failures == []  # no subscriber and no load failed on a deleted widget


async def _close_while_loading(ctx: AppContext, gate: threading.Event) -> None:
    for close in ("closed", "deleted with its window"):
        window = QWidget()
        page = ProgressPage(ctx, ask_path=Answers())
        page.setParent(window)
        window.resize(1000, 1000)
        window.show()
        page.show()
        gate.clear()
        held = asyncio.ensure_future(ctx.db.run(lambda _db: gate.wait(10)))  # the log is busy
        page.shown()  # a load, queued behind it
        await until(lambda p=page: bool(p._loads))
        loads = set(page._tasks)
        if close == "closed":
            window.close()  # hidden with its window: the load stops
            await page.aclose()
        else:
            window.deleteLater()  # gone without a close
            QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        gate.set()
        await held
        await asyncio.gather(*loads, return_exceptions=True)
        assert all(t.cancelled() for t in loads)
        ctx.log.ratings.publish(RatingsChanged())  # nothing listens any more
        ctx.settings_changed.publish(SettingsChanged())
        await asyncio.sleep(0)
        if close == "closed":
            window.deleteLater()
            QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


async def test_the_app_ends_the_pages_loads_before_it_closes_the_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Quitting Thenar with a Progress load still waiting on the log: the app ends the
    page's tasks (`ProgressPage.aclose`) before it closes the log, so no load runs on a
    closed log or draws on a window that is going."""
    from tests.desktop.test_app import running_app  # the whole app, on the simulator

    async with running_app(tmp_path) as (app, _device):
        app.window.show_page_of(ProgressPage)
        page = app.window.built_page(ProgressPage)
        assert isinstance(page, ProgressPage)
        await until(lambda: page.data is not None)
        gate = threading.Event()
        held = asyncio.ensure_future(app.ctx.db.run(lambda _db: gate.wait(10)))  # log busy
        page.shown()  # a load, queued behind it
        await until(lambda: bool(page._loads))
        loads = set(page._tasks)
        unfinished_at_close: list[asyncio.Task[object]] = []
        close = app.ctx.db.close

        async def closing() -> None:  # what is still running when the log closes
            unfinished_at_close.extend(t for t in loads if not t.done())
            gate.set()
            await close()

        app.ctx.db.close = closing  # type: ignore[method-assign]
        await app.shutdown()
        await held
    assert loads
    assert unfinished_at_close == []
    assert all(t.cancelled() for t in loads)
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == []
