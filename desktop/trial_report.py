"""The comparison trial's page of the PDF report: the same sentences as the Trial page.

`write_trial_page` draws onto any writer with `text(text, font)` and `bold`/`title`
fonts: `desktop.report_pdf` adds it as the clinician report's last page, and
`render_trial_report` makes it a PDF of its own (the Trial page's "Save as PDF").
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPainter, QPdfWriter

from therapy.trial_analysis import TrialResult, figure_lines, plan_lines, verdict_text

TITLE = "Thenar: which routine suits your hands? A personal comparison"
ABOUT = (
    "A comparison the person ran on themselves with Thenar, a companion app for a hand "
    "massager used for comfort and relaxation. It describes their own records over these "
    "weeks; it is not a diagnosis and not a treatment decision."
)


class TextWriter(Protocol):
    bold: QFont
    title: QFont

    def text(self, text: str, font: QFont | None = None, gap: float = 0.4) -> None: ...


def trial_report_text(result: TrialResult) -> list[tuple[str, str]]:
    """The page as (style, sentence) pairs, in order: 'title', 'heading' or 'body'."""
    out: list[tuple[str, str]] = [("title", TITLE), ("body", ABOUT), ("heading", "The plan")]
    out += [("body", line) for line in plan_lines(result.plan)]
    heading = "Interim result (the trial is not finished)" if result.interim else "Result"
    out.append(("heading", heading))
    out += [("body", line) for line in verdict_text(result)]
    out.append(("heading", "What it rests on"))
    out += [("body", line) for line in figure_lines(result)]
    return out


def write_trial_page(w: TextWriter, result: TrialResult) -> None:
    fonts = {"title": w.title, "heading": w.bold}
    for style, line in trial_report_text(result):
        w.text(line, fonts.get(style), gap=0.2 if style == "heading" else 0.4)


def render_trial_report(result: TrialResult, family: str = "") -> bytes:
    """The trial's page as PDF bytes (the caller writes the file)."""
    # report_pdf imports this module for the clinician report's trial page
    from desktop.report_pdf import RESOLUTION_DPI, _Writer

    buffer = QByteArray()
    device = QBuffer(buffer)
    device.open(QIODevice.OpenModeFlag.WriteOnly)
    pdf = QPdfWriter(device)
    pdf.setResolution(RESOLUTION_DPI)
    pdf.setTitle(TITLE)
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
        write_trial_page(_Writer(pdf, painter, family), result)
    finally:
        painter.end()
    device.close()
    return bytes(buffer.data())
