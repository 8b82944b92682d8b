"""A printable report for a clinician: the person's record in one voice, on A4, as PDF.

The content (every sentence, the sessions table) comes from `appcore.report`; this
module only lays it out, with the same chart functions the Progress page uses.

Drawn with QPdfWriter and the chart functions the page uses, so it needs no
extra library and matches the screen. Fonts are in points (paper units), so
the report looks the same whatever the screen's text size.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
)

from desktop.charts import (
    PRINT_STYLE,
    DateLabel,
    default_date_label,
    paint_effects,
    paint_trend,
)
from desktop.trial_report import write_trial_page

if TYPE_CHECKING:
    from appcore.report import ClinicianReport
    from therapy.trial_analysis import TrialResult

RESOLUTION_DPI = 300  # print quality; all lengths below follow the font, not pixels
BODY_PT = 10.5
TITLE_PT = 17.0

ABOUT = (
    "This record was made by the person in Thenar, a companion app for hand massage used "
    "for comfort and relaxation. Scores are the person's own ratings on 0-10 scales "
    "(0 = none, 10 = worst). Trends use the person's daily entries (the check-in before a "
    "session is one) and the ratings given before sessions."
)


class _Writer:
    """Flowing text and charts down the page, starting a new page when one is full."""

    def __init__(self, pdf: QPdfWriter, painter: QPainter, family: str) -> None:
        self.pdf, self.p = pdf, painter
        self.body = QFont(QGuiApplication.font())
        if family:
            self.body.setFamily(family)
        self.body.setPointSizeF(BODY_PT)
        self.bold = QFont(self.body)
        self.bold.setBold(True)
        self.title = QFont(self.bold)
        self.title.setPointSizeF(TITLE_PT)
        self.page = QRectF(pdf.pageLayout().paintRectPixels(pdf.resolution()))
        self.page.moveTo(0, 0)
        self.y = 0.0
        self.pages = 1

    def unit(self) -> float:
        return QFontMetricsF(self.body, self.pdf).height()

    def ensure(self, height: float) -> None:
        if self.y + height > self.page.height() and self.y > 0:
            self.pdf.newPage()
            self.pages += 1
            self.y = 0.0

    def text(self, text: str, font: QFont | None = None, gap: float = 0.4) -> None:
        f = font or self.body
        self.p.setFont(f)
        flags = int(Qt.TextFlag.TextWordWrap)
        box = QFontMetricsF(f, self.pdf).boundingRect(
            QRectF(0, 0, self.page.width(), 1e6), flags, text
        )
        self.ensure(box.height())
        self.p.setPen(PRINT_STYLE.text)
        self.p.drawText(QRectF(0, self.y, self.page.width(), box.height()), flags, text)
        self.y += box.height() + gap * self.unit()

    def block(self, lines: float) -> QRectF:
        """Room for a chart `lines` body-text lines high."""
        height = lines * self.unit()
        self.ensure(height)
        rect = QRectF(0, self.y, self.page.width(), height)
        self.y += height + 0.6 * self.unit()
        self.p.setFont(self.body)
        return rect

    def table(self, headers: list[str], rows: list[list[str]], widths: list[float]) -> None:
        """A plain table: a bold header row, then rows that wrap within their columns."""
        small = QFont(self.body)
        small.setPointSizeF(BODY_PT * 0.82)
        head = QFont(small)
        head.setBold(True)
        flags = int(Qt.TextFlag.TextWordWrap)
        u = QFontMetricsF(small, self.pdf).height()
        cols = [w * self.page.width() for w in widths]
        for index, cells in enumerate([headers, *rows]):
            font = head if index == 0 else small
            metrics = QFontMetricsF(font, self.pdf)
            heights = [
                metrics.boundingRect(QRectF(0, 0, c - 0.3 * u, 1e6), flags, t).height()
                for c, t in zip(cols, cells, strict=True)
            ]
            height = max(heights) + 0.3 * u
            self.ensure(height)
            self.p.setFont(font)
            self.p.setPen(PRINT_STYLE.text)
            x = 0.0
            for c, t in zip(cols, cells, strict=True):
                self.p.drawText(QRectF(x, self.y + 0.15 * u, c - 0.3 * u, height), flags, t)
                x += c
            self.y += height
            self.p.setPen(PRINT_STYLE.grid)
            self.p.drawLine(QPointF(0, self.y), QPointF(self.page.width(), self.y))
        self.y += 0.5 * self.unit()


def render_report(
    report: ClinicianReport,
    *,
    generated: str,
    family: str = "",
    label: DateLabel = default_date_label,
    trial: TrialResult | None = None,
) -> bytes:
    """The clinician's report as PDF bytes (the caller writes the file, off the UI thread).

    `trial`: the personal comparison's result, printed on a page of its own (issue 16)."""
    data = report.progress
    entries = report.entries
    buffer = QByteArray()
    device = QBuffer(buffer)
    device.open(QIODevice.OpenModeFlag.WriteOnly)
    pdf = QPdfWriter(device)
    pdf.setResolution(RESOLUTION_DPI)
    pdf.setTitle(report.title)
    pdf.setCreator("Thenar")
    pdf.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(18, 16, 18, 16),
            QPageLayout.Unit.Millimeter,
        )
    )
    painter = QPainter(pdf)
    try:
        w = _Writer(pdf, painter, family)
        w.text(report.title, w.title, gap=0.2)
        w.text(report.identification, gap=0.1)
        w.text(f"{report.period} Created {generated}.")
        w.text(ABOUT)
        w.text("Screening and limits", w.bold, gap=0.2)
        for line in report.screening:
            w.text(f"•  {line}", gap=0.2)
        w.text("Clinician clearances", w.bold, gap=0.2)
        for line in report.clearances:
            w.text(f"•  {line}", gap=0.2)
        w.y += 0.3 * w.unit()
        w.text(report.sessions_heading, w.bold, gap=0.2)
        if report.sessions:
            w.table(
                [
                    "Date",
                    "Kind",
                    "Routine",
                    "Min",
                    "Outcome",
                    "Pain before → after",
                    "Caps",
                    "Changed during it",
                ],
                [
                    [r.day, r.kind, r.routine, r.minutes, r.outcome, r.pain, r.caps, r.changes]
                    for r in report.sessions
                ],
                [0.11, 0.09, 0.13, 0.05, 0.13, 0.11, 0.16, 0.22],
            )
        if report.sessions_more:
            w.text(report.sessions_more)
        w.ensure(8 * w.unit())
        w.text("Trends", w.bold, gap=0.2)
        for line in report.trends:
            w.text(f"•  {line}", gap=0.2)
        w.y += 0.3 * w.unit()
        for trend in (data.pain, data.stiffness):
            w.ensure(12 * w.unit())
            w.text(f"{trend.measure} (0-10)", w.bold, gap=0.1)
            paint_trend(painter, w.block(10), trend, data, PRINT_STYLE, label, marks=entries.marks)
        w.ensure(12 * w.unit())
        w.text("Morning stiffness (minutes)", w.bold, gap=0.1)
        paint_trend(
            painter,
            w.block(10),
            entries.morning,
            data,
            PRINT_STYLE,
            label,
            minutes=True,
            marks=entries.marks,
        )
        w.ensure(8 * w.unit())
        w.text("Right after each routine (after minus before)", w.bold, gap=0.2)
        effects_lines = 5 + 2.2 * max(1, len(data.programs))
        w.ensure(effects_lines * w.unit())
        paint_effects(painter, w.block(effects_lines), data.programs, PRINT_STYLE)
        for line in report.programs:
            w.text(line, gap=0.3)
        w.text("Notes", w.bold, gap=0.2)
        for line in report.notes:
            w.text(f"•  {line}", gap=0.1)
        w.y += 0.3 * w.unit()
        w.text("What the numbers can and cannot show", w.bold, gap=0.2)
        w.text(report.limits)
        if trial is not None:  # issue 16: the comparison on a page of its own
            pdf.newPage()
            w.pages, w.y = w.pages + 1, 0.0
            write_trial_page(w, trial)
    finally:
        painter.end()
    device.close()
    return bytes(buffer.data())
