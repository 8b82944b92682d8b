"""A drawing of the hand whose six zones light up: which muscles a routine works, and live pressure.

Drawn with QPainter from simple shapes so it scales with the window and the text
size. Colour is never the only signal: each zone also carries its name and, in
live mode, its pressure in mmHg (or "resting" for a spared zone, hatched); the same
facts are in the accessible description. `SpareZonesPanel` holds the toggles that
spare a tender zone during a massage (docs/gatt-profile.md, "Spare Zones").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from desktop.widgets import ActionFlow, big_button, paragraph
from massage import HARD_MAX_PRESSURE_MMHG, ZONE_COUNT, ZONE_NAMES, Zone

# Short labels that fit inside the drawn zones; full names are in the accessible text.
SHORT_NAMES = {
    Zone.THUMB_BASE: "thumb",
    Zone.LITTLE_FINGER_BASE: "pinky",
    Zone.PALM: "palm",
    Zone.FINGERS: "fingers",
    Zone.BACK_OF_HAND: "back",
    Zone.WRIST: "wrist",
}
IDLE = QColor("#d9dde3")
TARGETED = QColor("#7fb3ff")
OUTLINE = QColor("#30343b")
HATCH = QColor("#9aa1ab")  # a spared zone's hatching: light, so its label still reads


def _pressure_colour(mmhg: int) -> QColor:
    """Light blue to deep blue as pressure rises (a sequential scale, colour-blind safe)."""
    t = max(0.0, min(1.0, mmhg / HARD_MAX_PRESSURE_MMHG))
    return QColor.fromRgbF(0.85 - 0.75 * t, 0.9 - 0.6 * t, 1.0 - 0.35 * t)


class HandWidget(QWidget):
    """Palm view with the back of the hand beside it; model coordinates are 0..100 x 0..120."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Hand drawing")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._targeted: frozenset[Zone] = frozenset()
        self._pressures: tuple[int, ...] | None = None
        self._spared: frozenset[Zone] = frozenset()  # drawn resting (live mode only)
        self._label_boxes: dict[Zone, QRectF] = {}  # where the last paint put each label
        self._caption_boxes: dict[str, QRectF] = {}  # and each caption's words
        self._describe()

    def label_boxes(self) -> dict[Zone, QRectF]:
        """Each zone's label tag as last painted, in widget pixels (for tests)."""
        return dict(self._label_boxes)

    def caption_boxes(self) -> dict[str, QRectF]:
        """Where the last paint put the captions' words ("palm side"), in widget pixels."""
        return dict(self._caption_boxes)

    def sizeHint(self) -> QSize:
        line = self.fontMetrics().height()
        return QSize(line * 12, line * 9)

    def minimumSizeHint(self) -> QSize:
        """Large enough that each zone's label (two lines at 70% of the text) fits in it."""
        line = self.fontMetrics().height()
        return QSize(line * 10, line * 8)

    def set_targeted(self, zones: Iterable[Zone]) -> None:
        """Highlight the zones a routine works (before a session)."""
        self._targeted = frozenset(zones)
        self._pressures = None
        self._describe()
        self.update()

    def set_pressures(self, pressures: tuple[int, ...] | None) -> None:
        """Show live pressure per zone (during a session); None returns to the routine view."""
        if pressures is not None and len(pressures) != ZONE_COUNT:
            raise ValueError(f"need {ZONE_COUNT} pressures")
        self._pressures = pressures
        self._describe()
        self.update()

    def set_spared(self, zones: Iterable[Zone]) -> None:
        """Draw these zones as resting (spared by the person, confirmed by the massager)."""
        spared = frozenset(zones)
        if spared != self._spared:
            self._spared = spared
            self._describe()
            self.update()

    def _live_words(self, zone: int, mmhg: int) -> str:
        if zone in self._spared:
            return f"{ZONE_NAMES[zone]} resting (spared)"
        return f"{ZONE_NAMES[zone]} {mmhg} mmHg"

    def _describe(self) -> None:
        if self._pressures is not None:
            text = ", ".join(self._live_words(z, p) for z, p in enumerate(self._pressures))
        elif self._targeted:
            text = "Works: " + ", ".join(ZONE_NAMES[z] for z in sorted(self._targeted))
        else:
            text = "No zones selected"
        self.setAccessibleDescription(text)
        self.setToolTip(text)

    def _fill(self, zone: Zone) -> QColor:
        if self._pressures is not None and zone in self._spared:
            return IDLE  # hatched on top: resting
        if self._pressures is not None:
            return _pressure_colour(self._pressures[zone])
        return TARGETED if zone in self._targeted else IDLE

    def _label(self, zone: Zone) -> str:
        name = SHORT_NAMES[zone]
        if self._pressures is not None and zone in self._spared:
            return f"{name}\nresting"
        if self._pressures is not None:
            return f"{name}\n{self._pressures[zone]} mmHg"
        return name if zone in self._targeted else ""

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        # Palm view takes 70% of the width; the back of the hand the rest. The drawing is
        # 120 units high, and below it a line for "palm side" as tall as the text needs:
        # at large text the caption's line, not a fixed share, decides (issue 13).
        w, h = self.width(), self.height()
        small = QFont(self.font())
        small.setPointSizeF(self.font().pointSizeF() * 0.7)
        caption_px = QFontMetricsF(small).height()
        scale = max(0.1, min(w / 150, (h - caption_px) / 120))
        drawn_h = 120 * scale + caption_px
        painter.translate((w - 150 * scale) / 2, max(0.0, (h - drawn_h) / 2))
        painter.scale(scale, scale)
        caption_h = caption_px / scale  # the caption line, in drawing units
        pen = QPen(OUTLINE, 1.2)
        painter.setPen(pen)
        font = QFont(self.font())
        font.setPointSizeF(max(3.0, self.font().pointSizeF() / scale * 0.7))
        painter.setFont(font)
        caption = QPen(self.palette().color(self.foregroundRole()))  # readable in both themes
        self._label_boxes.clear()
        self._caption_boxes.clear()

        def shape(path: QPainterPath, zone: Zone, label_at: QPointF) -> None:
            fill = self._fill(zone)
            painter.setBrush(fill)
            painter.drawPath(path)
            if self._pressures is not None and zone in self._spared:
                painter.setBrush(QBrush(HATCH, Qt.BrushStyle.BDiagPattern))  # resting
                painter.drawPath(path)
            text = self._label(zone)
            if text:
                # The words sit on a tag of the zone's own colour, so no outline, hatching
                # or gap between the fingers runs through the number (issue 13).
                centre = Qt.AlignmentFlag.AlignCenter
                at = QRectF(label_at.x() - 30, label_at.y() - 10, 60, 20)
                box = painter.boundingRect(at, centre, text)
                tag = box.adjusted(-1.5, -0.5, 1.5, 0.5)
                painter.setPen(QPen(OUTLINE, 0.6))
                painter.setBrush(fill)
                painter.drawRoundedRect(tag, 2, 2)
                self._label_boxes[zone] = painter.transform().mapRect(tag)
                # Dark text on light fills, white on dark ones: readable at every pressure.
                painter.setPen(QColor("white") if fill.lightnessF() < 0.5 else OUTLINE)
                painter.drawText(box, centre, text)
                painter.setPen(pen)

        fingers = QPainterPath()
        for x, top in ((34, 8), (48, 2), (62, 5), (76, 16)):
            fingers.addRoundedRect(QRectF(x - 6, top, 12, 46 - top / 2), 6, 6)
        shape(fingers, Zone.FINGERS, QPointF(55, 28))

        palm = QPainterPath()
        palm.addRoundedRect(QRectF(30, 48, 52, 40), 10, 10)
        shape(palm, Zone.PALM, QPointF(58, 62))

        thumb = QPainterPath()
        thumb.addEllipse(QRectF(12, 58, 26, 36))
        thumb.addRoundedRect(QRectF(4, 40, 12, 26), 6, 6)
        shape(thumb, Zone.THUMB_BASE, QPointF(25, 80))

        pinky = QPainterPath()
        pinky.addEllipse(QRectF(66, 66, 20, 28))
        shape(pinky, Zone.LITTLE_FINGER_BASE, QPointF(76, 86))

        wrist = QPainterPath()
        wrist.addRoundedRect(QRectF(32, 96, 48, 22), 6, 6)
        shape(wrist, Zone.WRIST, QPointF(56, 107))

        back = QPainterPath()
        back.addRoundedRect(QRectF(104, 40, 40, 52), 10, 10)
        shape(back, Zone.BACK_OF_HAND, QPointF(124, 66))
        painter.setPen(caption)
        # Each caption keeps to its own column of the drawing, on two lines if it must.
        flags = int(
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
        )
        for words, x, y, width in (("back of hand", 98, 94, 52), ("palm side", 16, 119, 88)):
            drawn = painter.boundingRect(QRectF(x, y, width, 3 * caption_h), flags, words)
            painter.drawText(drawn, flags, words)
            self._caption_boxes[words] = painter.transform().mapRect(drawn)
        painter.end()


SPARE_HINT = "A tender spot? Spare a zone: it stops squeezing for the rest of this massage."


class SpareZonesPanel(QWidget):
    """One toggle per zone, "Spare <zone>", during a massage.

    A toggle says "spared" only once the massager confirmed it: a click puts the button
    back as it was and disables it until `spare` returns; `after` then redraws from the
    confirmed state, so a refusal or a lost answer leaves the toggle as it was. A massager
    that cannot spare zones shows its reason instead of the toggles."""

    def __init__(
        self,
        spawn: Callable[[Coroutine[Any, Any, None]], object],
        spare: Callable[[Zone, bool], Awaitable[None]],
        after: Callable[[], None],
    ) -> None:
        super().__init__()
        self._spawn, self._spare, self._after = spawn, spare, after
        self._spared: frozenset[Zone] = frozenset()
        self._pending: set[Zone] = set()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.hint = paragraph(SPARE_HINT)
        self.hint.setAccessibleName("Sparing a zone")
        layout.addWidget(self.hint)
        self.refusal = QLabel("")
        self.refusal.setWordWrap(True)
        self.refusal.setAccessibleName("Sparing a zone")
        self.refusal.setVisible(False)
        layout.addWidget(self.refusal)
        flow = ActionFlow()
        self.buttons: dict[Zone, QPushButton] = {}
        for zone in Zone:
            button = big_button(f"Spare {ZONE_NAMES[zone]}")
            button.setCheckable(True)
            button.clicked.connect(lambda _on=False, z=zone: self._clicked(z))
            flow.addWidget(button)
            self.buttons[zone] = button
        flow.addStretch(1)
        layout.addLayout(flow)
        self.show_state(frozenset(), enabled=False, refusal="")

    def _clicked(self, zone: Zone) -> None:
        want = zone not in self._spared
        self._pending.add(zone)
        self._show_button(zone, enabled=False)  # as confirmed until the massager answers
        self._spawn(self._toggle(zone, want))

    async def _toggle(self, zone: Zone, spared: bool) -> None:
        try:
            await self._spare(zone, spared)
        finally:
            self._pending.discard(zone)
            self._after()

    def show_state(self, spared: frozenset[Zone], *, enabled: bool, refusal: str) -> None:
        """The confirmed spared zones; `refusal`: why this massager cannot ("": it can)."""
        self._spared = frozenset(spared)
        self.refusal.setText(refusal)
        self.refusal.setVisible(bool(refusal))
        self.hint.setVisible(not refusal)
        for zone in Zone:
            self.buttons[zone].setVisible(not refusal)
            self._show_button(zone, enabled=enabled and zone not in self._pending)

    def _show_button(self, zone: Zone, *, enabled: bool) -> None:
        button, name = self.buttons[zone], ZONE_NAMES[zone]
        spared = zone in self._spared
        button.setChecked(spared)
        button.setEnabled(enabled)
        button.setText(f"✓ {name.capitalize()} spared" if spared else f"Spare {name}")
        button.setAccessibleName(
            f"{name.capitalize()} spared: press to let it squeeze again"
            if spared
            else f"Spare {name}: it stops squeezing for the rest of this massage"
        )
