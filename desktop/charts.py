"""Small QPainter charts for the Progress page and the clinician PDF.

One set of paint functions draws on a widget and on a PDF page alike, so the
report shows exactly what the person saw. Every size derives from the font's
line height, so charts grow with the app's text size; each series differs by
shape or line style as well as colour, so nothing is told by colour alone.

Why this module is long: three charts (trend, effects, adherence) share one style, the
tick, marker and legend helpers, and each paint function draws both on screen and into
the clinician PDF; one module keeps the two outputs identical.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, QEvent, QLineF, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFontMetricsF,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from appcore.progress import AdherenceBar, ProgramRow, ProgressData, Trend, signed
from desktop.theme import high_contrast_now

if TYPE_CHECKING:
    from data.entries import Mark

DateLabel = Callable[[date, str], str]  # (day, level) -> text; level: week, month, year


@dataclass(frozen=True)
class ChartStyle:
    """Colours for one look: the app's normal or high-contrast palette, or paper."""

    background: QColor
    text: QColor
    grid: QColor
    pain: QColor
    stiffness: QColor
    sessions: QColor
    done: QColor
    high_contrast: bool = False


def style_for(palette: QPalette, high_contrast: bool) -> ChartStyle:
    """Blue and orange tell pain and stiffness apart for most colour vision (Okabe-Ito)."""
    if high_contrast:
        return ChartStyle(
            background=QColor("#000000"),
            text=QColor("#ffffff"),
            grid=QColor("#9a9a9a"),
            pain=QColor("#ffff00"),
            stiffness=QColor("#00ffff"),
            sessions=QColor("#ffffff"),
            done=QColor("#ffff00"),
            high_contrast=True,
        )
    return ChartStyle(
        background=palette.color(QPalette.ColorRole.Base),
        text=palette.color(QPalette.ColorRole.WindowText),
        grid=QColor("#c4c8cf"),
        pain=QColor("#0b5cad"),
        stiffness=QColor("#b35900"),
        sessions=QColor("#3d4450"),
        done=QColor("#0b5cad"),
    )


PRINT_STYLE = ChartStyle(
    background=QColor("#ffffff"),
    text=QColor("#000000"),
    grid=QColor("#bbbbbb"),
    pain=QColor("#0b5cad"),
    stiffness=QColor("#b35900"),
    sessions=QColor("#333333"),
    done=QColor("#0b5cad"),
)


def default_date_label(day: date, level: str) -> str:
    """Locale month names via QDate; the numeric parts need no translation."""
    qd = QDate(day.year, day.month, day.day)
    if level == "year":
        return str(day.year)
    if level == "month":
        return qd.toString("MMM") if day.month != 1 else qd.toString("MMM yyyy")
    return qd.toString("d MMM")


def _unit(p: QPainter) -> float:
    """The font's line height on this device: every length below is a multiple of it."""
    return QFontMetricsF(p.font(), p.device()).height()


def _pen(color: QColor, width: float, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    pen = QPen(color, width, style)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    return pen


def _text(p: QPainter, rect: QRectF, text: str, align: Qt.AlignmentFlag, color: QColor) -> None:
    p.setPen(color)
    p.drawText(rect, int(align), text)


def _text_width(p: QPainter, text: str) -> float:
    return QFontMetricsF(p.font(), p.device()).horizontalAdvance(text)


def _marker(p: QPainter, kind: str, center: QPointF, r: float, color: QColor, bg: QColor) -> None:
    """Filled circle (pain) or hollow square (stiffness): shapes differ, not just colours."""
    if kind == "square":
        p.setPen(_pen(color, max(1.0, r * 0.5)))
        p.setBrush(QBrush(bg))
        p.drawRect(QRectF(center.x() - r, center.y() - r, 2 * r, 2 * r))
    else:
        p.setPen(_pen(color, max(1.0, r * 0.3)))
        p.setBrush(QBrush(color))
        p.drawEllipse(center, r, r)


def _legend(
    p: QPainter,
    rect: QRectF,
    items: Sequence[tuple[str, Callable[[QRectF], None]]],
    style: ChartStyle,
) -> None:
    """A row of (sample, label) pairs; each sample is drawn by its own callable."""
    u = _unit(p)
    x = rect.left()
    for label, draw in items:
        draw(QRectF(x, rect.top(), 1.6 * u, rect.height()))
        x += 1.9 * u
        width = _text_width(p, label)
        _text(
            p,
            QRectF(x, rect.top(), width + 2, rect.height()),
            label,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            style.text,
        )
        x += width + 1.2 * u


def _date_ticks(start: date, end: date) -> dict[str, list[date]]:
    """Candidate tick days at each level, coarsest last."""
    mondays, months, years = [], [], []
    day = start + timedelta(days=(7 - start.weekday()) % 7)
    while day <= end:
        mondays.append(day)
        day += timedelta(days=7)
    m = date(start.year, start.month, 1)
    while m <= end:
        if m >= start:
            months.append(m)
            if m.month == 1:
                years.append(m)
        m = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    return {"week": mondays, "month": months, "year": years}


def _pick_ticks(
    p: QPainter, start: date, end: date, width: float, label: DateLabel
) -> list[tuple[date, str]]:
    """The finest level whose labels fit side by side without touching."""
    u = _unit(p)
    ticks = _date_ticks(start, end)
    for level in ("week", "month", "year"):
        days = ticks[level]
        if not days:
            continue
        labels = [(d, label(d, level)) for d in days]
        needed = sum(_text_width(p, t) + u for _, t in labels)
        if needed <= width:
            return labels
        if level == "year":  # too many years: every k-th
            return labels[:: math.ceil(needed / width)]
    return [(start, label(start, "week"))]


def _next_bucket(start: date, bucket: str) -> date:
    if bucket == "week":
        return start + timedelta(days=7)
    return date(start.year + (start.month == 12), start.month % 12 + 1, 1)


class _XMap:
    """Days to x coordinates across a plot rectangle."""

    def __init__(self, start: date, end: date, rect: QRectF) -> None:
        self.start, self.rect = start, rect
        self.days = max(1, (end - start).days)

    def __call__(self, day: date) -> float:
        return self.rect.left() + self.rect.width() * (day - self.start).days / self.days


MARK_SHAPES = {"flare": "triangle", "medication": "diamond", "note": "ring"}
MARK_WORDS = {"flare": "flare", "medication": "medication change", "note": "note"}


def _mark_glyph(p: QPainter, kind: str, c: QPointF, r: float, style: ChartStyle) -> None:
    """A flare, a medication change or a note: told apart by shape, drawn in the text colour."""
    p.setPen(_pen(style.text, max(1.0, r * 0.35)))
    shape = MARK_SHAPES[kind]
    if shape == "ring":
        p.setBrush(QBrush(style.background))
        p.drawEllipse(c, r * 0.8, r * 0.8)
        return
    p.setBrush(QBrush(style.text))
    if shape == "triangle":
        points = [
            QPointF(c.x(), c.y() - r),
            QPointF(c.x() + r, c.y() + r),
            QPointF(c.x() - r, c.y() + r),
        ]
    else:
        points = [
            QPointF(c.x(), c.y() - r),
            QPointF(c.x() + r, c.y()),
            QPointF(c.x(), c.y() + r),
            QPointF(c.x() - r, c.y()),
        ]
    p.drawPolygon(QPolygonF(points))


def _nice_max(values: Sequence[float]) -> float:
    """A round top for a minutes axis: 30, 60, 90, 120, 180, 240, ... at least the largest."""
    top = max(values, default=0.0)
    for step in (30, 60, 90, 120, 180, 240, 360, 480, 720, 1080, 1440):
        if top <= step:
            return float(step)
    return 1440.0


def paint_trend(
    p: QPainter,
    rect: QRectF,
    trend: Trend,
    data: ProgressData,
    style: ChartStyle,
    label: DateLabel = default_date_label,
    *,
    minutes: bool = False,
    marks: Sequence[Mark] = (),
) -> None:
    """Daily (or weekly) values as dots, the smoothed mean as a line, sessions as ticks.

    `minutes`: the values are minutes (morning stiffness), not a 0-10 score. `marks`
    (flares, medication changes, notes) are drawn in a row above the plot.
    """
    u = _unit(p)
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.fillRect(rect, style.background)
    pain_like = trend.measure.startswith("Pain")
    color = style.pain if pain_like else style.stiffness
    dot = "circle" if pain_like else "square"
    top = _nice_max([q.value for q in trend.points]) if minutes else 10.0
    r = max(1.5, 0.16 * u)
    line_w = max(2.0, 0.14 * u)

    legend = QRectF(rect.left() + 0.5 * u, rect.top() + 0.2 * u, rect.width() - u, 1.3 * u)

    def draw_dot(box: QRectF) -> None:
        _marker(p, dot, box.center(), r * 1.3, color, style.background)

    def draw_line(box: QRectF) -> None:
        p.setPen(_pen(color, line_w))
        p.drawLine(QLineF(box.left(), box.center().y(), box.right(), box.center().y()))

    def draw_tick(box: QRectF) -> None:
        p.setPen(_pen(style.sessions, max(1.5, 0.1 * u)))
        c = box.center()
        p.drawLine(QLineF(c.x(), c.y() - 0.35 * u, c.x(), c.y() + 0.35 * u))

    session_word = "sessions that week" if data.bucket == "week" else "session day"
    items: list[tuple[str, Callable[[QRectF], None]]] = [
        (data.point_label, draw_dot),
        (data.line_label, draw_line),
        (session_word, draw_tick),
    ]
    for kind in MARK_SHAPES:
        if any(m.kind == kind for m in marks):

            def draw_mark(box: QRectF, kind: str = kind) -> None:
                _mark_glyph(p, kind, box.center(), 0.3 * u, style)

            items.append((MARK_WORDS[kind], draw_mark))
    rows: list[list[tuple[str, Callable[[QRectF], None]]]] = [[]]
    used = 0.0
    for item in items:  # as many legend rows as the width needs
        width = 3.1 * u + _text_width(p, item[0])
        if rows[-1] and used + width > legend.width():
            rows.append([])
            used = 0.0
        rows[-1].append(item)
        used += width
    for i, row in enumerate(rows):
        _legend(p, legend.translated(0, i * legend.height()), row, style)
    legend.setHeight(legend.height() * len(rows))
    axis_w = _text_width(p, f"{int(top)}") + 0.8 * u
    mark_row = 1.0 * u if marks else 0.0
    plot = QRectF(
        rect.left() + axis_w,
        legend.bottom() + 0.5 * u + mark_row,
        rect.width() - axis_w - 0.8 * u,
        rect.height() - legend.height() - 0.7 * u - 2.9 * u - mark_row,
    )
    strip = QRectF(plot.left(), plot.bottom() + 0.25 * u, plot.width(), 0.8 * u)
    xlabels = QRectF(plot.left(), strip.bottom() + 0.2 * u, plot.width(), 1.2 * u)
    if plot.height() < 2 * u or plot.width() < 4 * u:
        p.restore()
        return

    def y_of(value: float) -> float:
        return plot.bottom() - plot.height() * value / top

    steps = 6 if minutes else 5  # every top in _nice_max divides by 6
    for v in (round(i * top / steps) for i in range(steps + 1)):
        y = y_of(v)
        p.setPen(_pen(style.grid, 1.0, Qt.PenStyle.DotLine if v else Qt.PenStyle.SolidLine))
        p.drawLine(QLineF(plot.left(), y, plot.right(), y))
        _text(
            p,
            QRectF(rect.left(), y - 0.6 * u, axis_w - 0.3 * u, 1.2 * u),
            str(v),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            style.text,
        )

    x_of = _XMap(data.start, data.end, plot)
    for day, text in _pick_ticks(p, data.start, data.end, plot.width(), label):
        x = x_of(day)
        p.setPen(_pen(style.grid, 1.0))
        p.drawLine(QLineF(x, plot.top(), x, plot.bottom()))
        w = _text_width(p, text) + 0.4 * u
        _text(
            p,
            QRectF(x - w / 2, xlabels.top(), w, xlabels.height()),
            text,
            Qt.AlignmentFlag.AlignCenter,
            style.text,
        )

    if not trend.points:
        empty = "Nothing recorded in this range" if minutes else "No ratings in this range"
        _text(p, plot, empty, Qt.AlignmentFlag.AlignCenter, style.text)
    else:
        for pt in trend.points:
            _marker(p, dot, QPointF(x_of(pt.day), y_of(pt.value)), r, color, style.background)
        p.setPen(_pen(color, line_w))
        p.setBrush(Qt.BrushStyle.NoBrush)
        for seg in trend.segments:
            if len(seg) == 1:
                p.drawPoint(QPointF(x_of(seg[0].day), y_of(seg[0].value)))
                continue
            p.drawPolyline(QPolygonF([QPointF(x_of(q.day), y_of(q.value)) for q in seg]))

    p.setPen(_pen(style.sessions, max(1.0, min(0.1 * u, plot.width() / max(1, x_of.days) * 0.6))))
    for mark in data.sessions:
        x = x_of(mark.day)
        p.drawLine(QLineF(x, strip.top(), x, strip.bottom()))
    row_y = plot.top() - 0.55 * u
    # One glyph per kind and glyph width: ten years of marks stay legible and fast.
    drawn: set[tuple[str, int]] = set()
    for m in marks:
        x = x_of(m.day)
        slot = (m.kind, int(x / (0.5 * u)))
        if data.start <= m.day <= data.end and slot not in drawn:
            drawn.add(slot)
            _mark_glyph(p, m.kind, QPointF(x, row_y), 0.28 * u, style)
    p.restore()


def paint_effects(p: QPainter, rect: QRectF, rows: Sequence[ProgramRow], style: ChartStyle) -> None:
    """Each program's mean change for pain (●) and stiffness (□), with 95% range bars."""
    u = _unit(p)
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.fillRect(rect, style.background)
    bar_w = max(2.0, 0.12 * u)
    legend = QRectF(rect.left() + 0.5 * u, rect.top() + 0.2 * u, rect.width() - u, 1.3 * u)

    def draw_pain(box: QRectF) -> None:
        _marker(p, "circle", box.center(), 0.3 * u, style.pain, style.background)

    def draw_stiff(box: QRectF) -> None:
        _marker(p, "square", box.center(), 0.28 * u, style.stiffness, style.background)

    def draw_range(box: QRectF) -> None:
        c = box.center()
        p.setPen(_pen(style.text, bar_w))
        p.drawLine(QLineF(box.left(), c.y(), box.right(), c.y()))
        p.drawLine(QLineF(box.left(), c.y() - 0.3 * u, box.left(), c.y() + 0.3 * u))
        p.drawLine(QLineF(box.right(), c.y() - 0.3 * u, box.right(), c.y() + 0.3 * u))

    _legend(
        p,
        legend,
        [("pain", draw_pain), ("stiffness", draw_stiff), ("95% range", draw_range)],
        style,
    )
    if not rows:
        body = QRectF(rect.left(), legend.bottom(), rect.width(), rect.height() - legend.height())
        _text(
            p,
            body,
            "No sessions rated before and after in this range",
            Qt.AlignmentFlag.AlignCenter,
            style.text,
        )
        p.restore()
        return

    values = [0.0]
    for row in rows:
        for ci in (row.pain, row.stiffness):
            values += [v for v in (ci.mean, ci.low, ci.high) if v is not None]
    lo = min(-1.0, math.floor(min(values)))
    hi = max(1.0, math.ceil(max(values)))
    name_w = min(rect.width() * 0.32, max(_text_width(p, r.name) for r in rows) + u)
    n_w = _text_width(p, "n = 00000") + u
    plot = QRectF(
        rect.left() + name_w,
        legend.bottom() + 0.6 * u,
        rect.width() - name_w - n_w,
        rect.height() - legend.height() - 3.6 * u,
    )
    row_h = plot.height() / len(rows)

    def x_of(v: float) -> float:
        return plot.left() + plot.width() * (v - lo) / (hi - lo)

    for v in range(int(lo), int(hi) + 1):
        x = x_of(v)
        p.setPen(
            _pen(
                style.text if v == 0 else style.grid,
                2.0 if v == 0 else 1.0,
                Qt.PenStyle.SolidLine if v == 0 else Qt.PenStyle.DotLine,
            )
        )
        p.drawLine(QLineF(x, plot.top(), x, plot.bottom()))
        text = "0" if v == 0 else signed(v).replace(".0", "")
        _text(
            p,
            QRectF(x - 1.5 * u, plot.bottom() + 0.2 * u, 3 * u, 1.2 * u),
            text,
            Qt.AlignmentFlag.AlignCenter,
            style.text,
        )
    caption = QRectF(plot.left(), plot.bottom() + 1.4 * u, plot.width(), 1.2 * u)
    _text(p, caption, "← lower after session", Qt.AlignmentFlag.AlignLeft, style.text)
    _text(p, caption, "higher after →", Qt.AlignmentFlag.AlignRight, style.text)

    for i, row in enumerate(rows):
        top = plot.top() + i * row_h
        if i:
            p.setPen(_pen(style.grid, 1.0))
            p.drawLine(QLineF(rect.left(), top, rect.right(), top))
        name_rect = QRectF(rect.left() + 0.3 * u, top, name_w - 0.6 * u, row_h)
        p.setPen(style.text)
        elided = QFontMetricsF(p.font(), p.device()).elidedText(
            row.name, Qt.TextElideMode.ElideRight, name_rect.width()
        )
        p.drawText(
            name_rect, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), elided
        )
        _text(
            p,
            QRectF(plot.right() + 0.4 * u, top, n_w - 0.4 * u, row_h),
            f"n = {row.pain.n}",
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            style.text,
        )
        for ci, y_frac, kind, color, pen_style in (
            (row.pain, 0.35, "circle", style.pain, Qt.PenStyle.SolidLine),
            (row.stiffness, 0.68, "square", style.stiffness, Qt.PenStyle.DashLine),
        ):
            if ci.mean is None:
                continue
            y = top + row_h * y_frac
            if ci.low is not None and ci.high is not None:
                p.setPen(_pen(color, bar_w, pen_style))
                p.drawLine(QLineF(x_of(ci.low), y, x_of(ci.high), y))
                p.setPen(_pen(color, bar_w))
                for end_v in (ci.low, ci.high):
                    p.drawLine(QLineF(x_of(end_v), y - 0.3 * u, x_of(end_v), y + 0.3 * u))
            _marker(p, kind, QPointF(x_of(ci.mean), y), 0.3 * u, color, style.background)
    p.restore()


def paint_adherence(
    p: QPainter,
    rect: QRectF,
    bars: Sequence[AdherenceBar],
    bucket: str,
    start: date,
    end: date,
    style: ChartStyle,
    label: DateLabel = default_date_label,
) -> None:
    """Per week (or month): an outlined bar for what was scheduled, filled for what was done."""
    u = _unit(p)
    p.save()
    p.fillRect(rect, style.background)
    legend = QRectF(rect.left() + 0.5 * u, rect.top() + 0.2 * u, rect.width() - u, 1.3 * u)

    def draw_sched(box: QRectF) -> None:
        p.setPen(_pen(style.text, max(1.5, 0.08 * u)))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(box.adjusted(0.3 * u, 0.15 * u, -0.3 * u, -0.15 * u))

    def draw_done(box: QRectF) -> None:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QBrush(style.done))
        p.drawRect(box.adjusted(0.3 * u, 0.15 * u, -0.3 * u, -0.15 * u))

    def draw_open(box: QRectF) -> None:
        p.setPen(_pen(style.text, max(1.5, 0.08 * u), Qt.PenStyle.DashLine))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(box.adjusted(0.3 * u, 0.15 * u, -0.3 * u, -0.15 * u))

    _legend(
        p,
        legend,
        [("scheduled", draw_sched), ("done", draw_done), (f"{bucket} not over yet", draw_open)],
        style,
    )
    top = max((b.scheduled for b in bars), default=0)
    top = max(top, max((b.done for b in bars), default=0))
    axis_w = _text_width(p, str(max(top, 10))) + 0.8 * u
    plot = QRectF(
        rect.left() + axis_w,
        legend.bottom() + 0.5 * u,
        rect.width() - axis_w - 0.8 * u,
        rect.height() - legend.height() - 2.6 * u,
    )
    if top == 0:
        _text(
            p, plot, "No sessions scheduled in this range", Qt.AlignmentFlag.AlignCenter, style.text
        )
        p.restore()
        return
    step = max(1, math.ceil(top / 4))
    for v in range(0, top + 1, step):
        y = plot.bottom() - plot.height() * v / top
        p.setPen(_pen(style.grid, 1.0, Qt.PenStyle.DotLine if v else Qt.PenStyle.SolidLine))
        p.drawLine(QLineF(plot.left(), y, plot.right(), y))
        _text(
            p,
            QRectF(rect.left(), y - 0.6 * u, axis_w - 0.3 * u, 1.2 * u),
            str(v),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            style.text,
        )
    slot = plot.width() / max(1, len(bars))
    in_progress = end + timedelta(days=1)
    for i, b in enumerate(bars):
        x = plot.left() + i * slot + slot * 0.15
        w = max(1.0, slot * 0.7)
        h_s = plot.height() * b.scheduled / top
        h_d = plot.height() * b.done / top
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QBrush(style.done))
        p.drawRect(QRectF(x, plot.bottom() - h_d, w, h_d))
        if b.scheduled:
            # A week (or month) not over yet has a dashed outline: more may still be done.
            nxt = bars[i + 1].start if i + 1 < len(bars) else _next_bucket(b.start, bucket)
            dash = Qt.PenStyle.DashLine if nxt > in_progress else Qt.PenStyle.SolidLine
            p.setPen(_pen(style.text, max(1.0, min(0.08 * u, slot * 0.1)), dash))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(QRectF(x, plot.bottom() - h_s, w, h_s))
    if bucket == "week":
        labels = [label(b.start, "week") for b in bars]
        candidates = list(range(len(bars)))
    else:  # months over years: label each January with its year
        labels = [label(b.start, "year") for b in bars]
        candidates = [i for i, b in enumerate(bars) if b.start.month == 1] or [0]
    widest = max((_text_width(p, labels[i]) for i in candidates), default=0.0) + u
    room = plot.width() / max(1, len(candidates))
    for i in candidates[:: max(1, math.ceil(widest / max(1.0, room)))]:
        cx = plot.left() + (i + 0.5) * slot
        w = _text_width(p, labels[i]) + 0.4 * u
        _text(
            p,
            QRectF(cx - w / 2, plot.bottom() + 0.3 * u, w, 1.2 * u),
            labels[i],
            Qt.AlignmentFlag.AlignCenter,
            style.text,
        )
    p.restore()


class _Chart(QWidget):
    """Base for the chart widgets: font-relative size, palette-aware style."""

    lines_high = 12.0

    def __init__(self, accessible_name: str) -> None:
        super().__init__()
        self.setAccessibleName(accessible_name)
        self.style_ = style_for(self.palette(), high_contrast_now())  # the theme in force
        self.data: ProgressData | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_style(self, style: ChartStyle) -> None:
        self.style_ = style
        self.update()

    def changeEvent(self, event: QEvent) -> None:
        """The theme changed (desktop.theme.apply_theme): paint in its palette, whoever
        applied it (high contrast: dark background, light lines)."""
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            style = style_for(self.palette(), high_contrast_now())
            if style != self.style_:
                self.set_style(style)
        super().changeEvent(event)

    def set_data(self, data: ProgressData, description: str) -> None:
        self.data = data
        self.setAccessibleDescription(description)
        self.setToolTip(description)
        self.updateGeometry()
        self.update()

    def _lines(self) -> float:
        return self.lines_high

    def sizeHint(self) -> QSize:
        u = self.fontMetrics().height()
        return QSize(int(30 * u), int(self._lines() * u))

    def minimumSizeHint(self) -> QSize:
        # Narrow enough for the page beside the sidebar at 1024x600 with 200% text (the
        # legend wraps onto more rows); wider was a page wider than its view.
        return QSize(int(12 * self.fontMetrics().height()), self.sizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            painter.setFont(self.font())
            if self.data is None:
                painter.fillRect(self.rect(), self.style_.background)
                _text(
                    painter,
                    QRectF(self.rect()),
                    "Loading…",
                    Qt.AlignmentFlag.AlignCenter,
                    self.style_.text,
                )
            else:
                self.draw(painter, QRectF(self.rect()), self.data)
        finally:
            painter.end()

    def draw(self, p: QPainter, rect: QRectF, data: ProgressData) -> None:
        raise NotImplementedError


class TrendChart(_Chart):
    """Pain or stiffness over the chosen range, with the entries' marks once loaded."""

    def __init__(self, measure: str) -> None:
        super().__init__(f"{measure} over time chart")
        self.measure = measure
        self.marks: Sequence[Mark] = ()

    def set_marks(self, marks: Sequence[Mark]) -> None:
        self.marks = marks
        self.update()

    def draw(self, p: QPainter, rect: QRectF, data: ProgressData) -> None:
        trend = data.pain if self.measure == "Pain" else data.stiffness
        paint_trend(p, rect, trend, data, self.style_, marks=self.marks)


class EntryTrendChart(_Chart):
    """A series from the daily entries: morning stiffness (minutes) or one hand's pain."""

    def __init__(self, name: str, *, minutes: bool = False) -> None:
        super().__init__(f"{name} over time chart")
        self.trend: Trend | None = None
        self.minutes = minutes
        self.marks: Sequence[Mark] = ()

    def set_trend(self, trend: Trend, marks: Sequence[Mark] = ()) -> None:
        self.trend = trend
        self.marks = marks
        self.update()

    def draw(self, p: QPainter, rect: QRectF, data: ProgressData) -> None:
        if self.trend is not None:
            paint_trend(
                p, rect, self.trend, data, self.style_, minutes=self.minutes, marks=self.marks
            )


class EffectsChart(_Chart):
    """Before-to-after change per program, with 95% range bars."""

    def __init__(self) -> None:
        super().__init__("Change right after each program chart")

    def _lines(self) -> float:
        rows = len(self.data.programs) if self.data else 1
        return 6.0 + 2.4 * max(1, rows)

    def draw(self, p: QPainter, rect: QRectF, data: ProgressData) -> None:
        paint_effects(p, rect, data.programs, self.style_)


class AdherenceChart(_Chart):
    """Scheduled against done, per week or month."""

    lines_high = 10.0

    def __init__(self) -> None:
        super().__init__("Sessions kept against the schedule chart")

    def draw(self, p: QPainter, rect: QRectF, data: ProgressData) -> None:
        paint_adherence(
            p, rect, data.adherence, data.adherence_bucket, data.start, data.end, self.style_
        )
