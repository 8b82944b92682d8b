"""The clinician's PDF from a real log: rendered to images and its text read back with
Qt's own PDF module (PDFium, in PySide6: no system package needed), every section
checked, one voice throughout (issue 14).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QImage
from PySide6.QtPdf import QPdfDocument

from appcore.context import AppContext
from appcore.manual_session import ManualSessions
from appcore.progress import Span
from appcore.report import SESSION_ROWS, load_report
from data import devices, entries, programs
from data.db import LogDb
from data.entries import Entry, Hand
from data.models import Outcome, Rating, SessionStart
from data.sessions import finish_session, start_session
from desktop.report_pdf import render_report
from tests.appcore.conftest import CLEAR_ANSWERS
from therapy import ROUTINES, CheckIn

NOW = dt.datetime(2026, 11, 26, 18, 0).astimezone()


@pytest.fixture
def now() -> Callable[[], dt.datetime]:
    return lambda: NOW  # ctx (tests/desktop/conftest.py) reads this clock


async def filled(ctx: AppContext) -> None:
    await ctx.safety.save_screening({**CLEAR_ANSWERS, "blood_thinners": "yes"})
    await ctx.safety.record_clearance("blood_thinners", NOW.date(), "Dr Ada Rivera")
    await ctx.tracking.add_medication("Paracetamol")
    await ctx.safety.check_in(CheckIn(NOW.date(), discomfort=4))
    manual = ManualSessions(ctx.db, ctx.safety, ctx.now, lambda: None)
    plan = manual.plan(next(iter(ROUTINES)))
    sid = await manual.start_by_hand(plan, Rating(NOW, 5, 6))
    await manual.finish_by_hand(sid, completed=True, after=Rating(NOW, 3, 4))
    await manual.log_other(20, None, Rating(NOW, 2, 2))
    for days in range(1, 6):
        await ctx.db.run(
            entries.record_entry,
            Entry(
                at=NOW - dt.timedelta(days=days),
                pain=3 + days % 3,
                morning_stiffness_min=10 * days,
                hand=Hand.RIGHT,
                right_zones=frozenset({0}),
                flare=days == 2,
                note=f"Note from day {days}: knitting" if days % 2 else None,
            ),
        )


def _open(path: Path) -> QPdfDocument:
    document = QPdfDocument()
    error = document.load(str(path))
    assert error == QPdfDocument.Error.None_, f"the PDF does not open: {error}"
    return document


def pdf_text(path: Path) -> str:
    document = _open(path)
    try:
        return "\n".join(document.getAllText(page).text() for page in range(document.pageCount()))
    finally:
        document.close()


def pages_as_images(path: Path, folder: Path) -> list[Path]:
    """Each page at about 40 dpi, saved as a PNG (also for `make screenshots`)."""
    document = _open(path)
    try:
        found = []
        for page in range(document.pageCount()):
            points = document.pagePointSize(page)
            size = QSize(round(points.width() * 40 / 72), round(points.height() * 40 / 72))
            image = document.render(page, size)
            file = folder / f"page-{page + 1}.png"
            assert image.save(str(file))
            found.append(file)
        return found
    finally:
        document.close()


async def test_the_report_has_every_section_in_one_voice(
    ctx: AppContext, tmp_path: Path, screenshot_dir: Path
) -> None:
    await filled(ctx)
    report = await ctx.db.run(load_report, Span.WEEKS_4, NOW.date(), "  Ana Example ", str)
    path = tmp_path / "report.pdf"
    path.write_bytes(render_report(report, generated="26 November 2026"))

    images = pages_as_images(path, tmp_path)
    assert 1 <= len(images) <= 3
    for image_path in images:
        image = QImage(str(image_path))
        assert not image.isNull()
        # printed, not blank: some pixels are dark
        dark = sum(
            1
            for y in range(0, image.height(), 4)
            for x in range(0, image.width(), 4)
            if QImage.pixelColor(image, x, y).lightness() < 128
        )
        assert dark > 50, image_path
    QImage(str(images[0])).save(str(screenshot_dir / "report_page1.png"))

    text = unicodedata.normalize("NFKC", pdf_text(path))  # the PDF's ligatures: ﬀ is ff
    flat = " ".join(text.split())
    sections = [
        "Thenar: hand comfort record for a clinician",
        "Prepared for: Ana Example.",
        f"Period: {NOW.date() - dt.timedelta(days=27)} to {NOW.date()}.",
        "Screening and limits",
        "Answers that changed the limits:",
        "Limits in force: pressure at most",
        "Clinician clearances",
        "cleared by Dr Ada Rivera",
        "Thenar cannot check them",
        "Sessions in this period: 2 (1 by hand, 1 other massager).",
        "Trends",
        "Morning stiffness: 30 minutes on average, over 5 days with it recorded.",
        "Flares on 1 day.",
        f"Medication changes: started Paracetamol on {NOW.date()}.",
        "Where it hurt most often: the thumb base of the person's right hand",
        "Morning stiffness (minutes)",
        "Notes",
        "Note from day 1: knitting",
        "What the numbers can and cannot show",
        "not a medical device",
    ]
    for section in sections:
        assert section in flat, flat
    positions = [
        flat.index(s)
        for s in (
            "Screening and limits",
            "Sessions in this period",
            "Trends • Pain",
            "Notes •",
            "What the numbers can",
        )
    ]
    assert positions == sorted(positions)  # in the order a clinician reads them
    table = re.sub(r"\s*→\s*", "→", flat)  # "5 → 3" and "5→3" read alike
    for row in ("by hand", "other", "Another massager", "none: no Thenar", "5→3", "–→2"):
        assert row in table, row
    assert not re.search(r"\byou(r|rs)?\b", flat, re.IGNORECASE), "one voice: the person"


async def test_unnamed_and_a_long_period_stay_short(ctx: AppContext, tmp_path: Path) -> None:
    await filled(ctx)
    manual = ManualSessions(ctx.db, ctx.safety, ctx.now, lambda: None)
    for _ in range(SESSION_ROWS + 5):
        await manual.log_other(10, None, None)
    report = await ctx.db.run(load_report, Span.YEAR_1, NOW.date(), "", str)
    assert report.identification == "Name not given: the person chose to stay unnamed."
    assert len(report.sessions) == SESSION_ROWS
    path = tmp_path / "report.pdf"
    path.write_bytes(render_report(report, generated="today"))
    flat = " ".join(unicodedata.normalize("NFKC", pdf_text(path)).split())
    assert f"Sessions in this period: {SESSION_ROWS + 7}" in flat
    assert f"The table shows the newest {SESSION_ROWS}" in flat
    assert "Prepared for" not in flat


async def test_the_table_says_what_the_person_changed_during_a_session(
    ctx: AppContext, tmp_path: Path
) -> None:
    """A Thenar session in which the person turned the pressure down and spared a zone
    reads that way in the PDF; a refused spare does not show (audit lines as the
    massager writes them)."""

    def session_with_changes(db: LogDb) -> None:
        program = programs.save_program(db, "Morning wave", {"steps": []}, created_at=NOW)
        devices.record_device(db, "AA:BB", "Thenar Glove", "1.2.0", seen_at=NOW)
        start = NOW - dt.timedelta(hours=2)
        sid = start_session(db, SessionStart(program, {}, {}, 5, 40.0, start, "AA:BB"))
        for minute, what, params, result in (
            (2, "set_intensity", {"level": 7, "id": 1}, "success"),
            (3, "spare_zones", {"mask": 1, "zones": ["thumb base"], "id": 2}, "success"),
            (4, "spare_zones", {"mask": 33, "zones": ["thumb base", "wrist"]}, "no_answer"),
        ):
            at = start + dt.timedelta(minutes=minute)
            devices.log_command(db, what, params, result, at=at, session_id=sid)
        finish_session(db, sid, Outcome.COMPLETED, ended_at=start + dt.timedelta(minutes=10))

    await ctx.db.run(session_with_changes)
    report = await ctx.db.run(load_report, Span.WEEKS_4, NOW.date(), "", str)
    path = tmp_path / "report.pdf"
    path.write_bytes(render_report(report, generated="today"))
    flat = " ".join(unicodedata.normalize("NFKC", pdf_text(path)).split())
    assert "Changed during it" in flat
    for words in ("pressure lowered from level 10 to 7 at 2 min", "thumb base spared from 3 min"):
        assert words in flat, flat
    assert "wrist" not in flat
