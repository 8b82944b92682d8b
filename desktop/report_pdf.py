"""A printable report for a clinician: the same charts and sentences, on A4, as PDF.

Drawn with QPdfWriter and the chart functions the page uses, so it needs no
extra library and matches the screen. Fonts are in points (paper units), so
the report looks the same whatever the screen's text size.
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, Qt
from PySide6.QtGui import (
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
)

from appcore.progress import ProgressData, signed
from desktop.charts import (
    PRINT_STYLE,
    DateLabel,
    default_date_label,
    paint_adherence,
    paint_effects,
    paint_trend,
)

RESOLUTION_DPI = 300  # print quality; all lengths below follow the font, not pixels
BODY_PT = 10.5
TITLE_PT = 17.0

ABOUT = (
    "These are the person's own ratings on 0-10 scales (0 = none, 10 = worst), "
    "recorded in Thenar, a companion app for a hand massager used for comfort and "
    "relaxation. Trends use daily check-ins and ratings given before sessions. The figures "
    "describe what was recorded; they are not a diagnosis and do not show that the "
    "massage caused any change."
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


def render_report(
    data: ProgressData,
    *,
    generated: str,
    period: str,
    family: str = "",
    label: DateLabel = default_date_label,
) -> bytes:
    """The report as PDF bytes (the caller writes the file, off the UI thread)."""
    buffer = QByteArray()
    device = QBuffer(buffer)
    device.open(QIODevice.OpenModeFlag.WriteOnly)
    pdf = QPdfWriter(device)
    pdf.setResolution(RESOLUTION_DPI)
    pdf.setTitle("Thenar: hand comfort summary")
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
        w.text("Thenar: hand comfort summary", w.title, gap=0.2)
        w.text(f"Period: {period}. Created {generated}.")
        w.text(ABOUT)
        w.text("Summary", w.bold, gap=0.2)
        for line in data.summary:
            w.text(f"•  {line}", gap=0.2)
        w.y += 0.4 * w.unit()
        for trend in (data.pain, data.stiffness):
            w.ensure(15 * w.unit())
            w.text(f"{trend.measure} (0-10)", w.bold, gap=0.1)
            paint_trend(painter, w.block(13), trend, data, PRINT_STYLE, label)
        effects_lines = 5 + 2.2 * max(1, len(data.programs))
        w.ensure((effects_lines + 6) * w.unit())  # heading, note and chart stay together
        w.text("Change right after each program (after minus before)", w.bold, gap=0.1)
        w.text(data.programs_note)
        paint_effects(painter, w.block(effects_lines), data.programs, PRINT_STYLE)
        for row in data.programs:
            stiff = row.stiffness
            extra = (
                f" Stiffness change {signed(stiff.mean)}"
                + (
                    f" (95% range {signed(stiff.low)} to {signed(stiff.high)})."
                    if stiff.low is not None and stiff.high is not None
                    else "."
                )
                if stiff.mean is not None
                else ""
            )
            w.text(f"{row.sentence} {row.note}{extra}", gap=0.7)
        w.ensure(12 * w.unit())
        w.text(f"Sessions kept against the schedule (per {data.adherence_bucket})", w.bold, 0.1)
        paint_adherence(
            painter,
            w.block(10),
            data.adherence,
            data.adherence_bucket,
            data.start,
            data.end,
            PRINT_STYLE,
            label,
        )
    finally:
        painter.end()
    device.close()
    return bytes(buffer.data())
