"""One hand's six zones to tap (where it hurts) or to colour (how often each zone hurt).

The same simple shapes as the hand drawing of the Massage page (`hand_widget`),
drawn for the left or the right hand (the left one mirrored), so a person marks
the spot on a hand that looks like theirs. Colour is never the only signal: a
picked zone is labelled and outlined thickly, a coloured zone carries its
count, and the accessible description lists the same facts. Keyboard: the
arrow keys move between zones, Space or Enter marks one.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QTransform,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from data.entries import Side
from massage import ZONE_NAMES, Zone

IDLE = QColor("#eef0f3")
PICKED = QColor("#f2a65a")
OUTLINE = QColor("#30343b")
FOCUS = QColor("#1a5fb4")
WIDTH, HEIGHT = 150.0, 125.0
SHORT = {
    Zone.THUMB_BASE: "thumb",
    Zone.LITTLE_FINGER_BASE: "pinky",
    Zone.PALM: "palm",
    Zone.FINGERS: "fingers",
    Zone.BACK_OF_HAND: "back",
    Zone.WRIST: "wrist",
}
# Left-to-right order for the arrow keys (on the right hand's drawing).
KEY_ORDER = (
    Zone.THUMB_BASE,
    Zone.FINGERS,
    Zone.PALM,
    Zone.LITTLE_FINGER_BASE,
    Zone.WRIST,
    Zone.BACK_OF_HAND,
)


def _shapes() -> dict[Zone, tuple[QPainterPath, QPointF]]:
    """Each zone's outline and label point, for the right hand seen from the palm."""
    fingers = QPainterPath()
    for x, top in ((34, 8), (48, 2), (62, 5), (76, 16)):
        fingers.addRoundedRect(QRectF(x - 6, top, 12, 46 - top / 2), 6, 6)
    palm = QPainterPath()
    palm.addRoundedRect(QRectF(30, 48, 52, 40), 10, 10)
    thumb = QPainterPath()
    thumb.addEllipse(QRectF(12, 58, 26, 36))
    thumb.addRoundedRect(QRectF(4, 40, 12, 26), 6, 6)
    pinky = QPainterPath()
    pinky.addEllipse(QRectF(66, 66, 20, 28))
    wrist = QPainterPath()
    wrist.addRoundedRect(QRectF(32, 96, 48, 22), 6, 6)
    back = QPainterPath()
    back.addRoundedRect(QRectF(104, 40, 40, 52), 10, 10)
    return {
        Zone.FINGERS: (fingers, QPointF(55, 28)),
        Zone.PALM: (palm, QPointF(58, 62)),
        Zone.THUMB_BASE: (thumb, QPointF(25, 80)),
        Zone.LITTLE_FINGER_BASE: (pinky, QPointF(76, 86)),
        Zone.WRIST: (wrist, QPointF(56, 107)),
        Zone.BACK_OF_HAND: (back, QPointF(124, 66)),
    }


def heat_colour(share: float) -> QColor:
    """Pale to deep orange as a zone hurts more often (a single-hue scale)."""
    t = max(0.0, min(1.0, share))
    return QColor.fromRgbF(0.99 - 0.15 * t, 0.93 - 0.55 * t, 0.85 - 0.75 * t)


class ZoneMap(QWidget):
    """One hand. Picking mode (`picked`, `toggled`) or map mode (`set_counts`)."""

    toggled = Signal(int, bool)  # zone, now picked

    def __init__(self, side: Side, *, pickable: bool = True, parent: QWidget | None = None):
        super().__init__(parent)
        self.side = side
        self.pickable = pickable
        self._shapes = _shapes()
        self._picked: set[int] = set()
        self._counts: dict[int, int] | None = None
        self._of: int = 0
        self._focus_index = 0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(150, 125)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus if pickable else Qt.FocusPolicy.NoFocus)
        self.setAccessibleName(f"{side.value.capitalize()} hand")
        self._describe()

    def sizeHint(self) -> QSize:
        return QSize(240, 200)

    # --- state --------------------------------------------------------------------

    def picked(self) -> frozenset[int]:
        return frozenset(self._picked)

    def set_picked(self, zones: frozenset[int]) -> None:
        self._picked = set(zones)
        self._describe()
        self.update()

    def toggle(self, zone: int) -> None:
        if zone in self._picked:
            self._picked.discard(zone)
        else:
            self._picked.add(zone)
        self._describe()
        self.update()
        self.toggled.emit(zone, zone in self._picked)

    def set_counts(self, counts: Mapping[int, int], of: int) -> None:
        """Colour each zone by how many of `of` entries marked it."""
        self._counts = dict(counts)
        self._of = of
        self._describe()
        self.update()

    def description(self) -> str:
        hand = f"{self.side.value.capitalize()} hand"
        if self._counts is not None:
            if not self._of:
                return f"{hand}: no entries marked a place on this hand."
            parts = [
                f"{ZONE_NAMES[z]} {self._counts.get(z, 0)} of {self._of}"
                for z in sorted(self._shapes)
            ]
            return f"{hand}, entries that marked each place: " + ", ".join(parts)
        if not self._picked:
            return f"{hand}: nothing marked"
        return f"{hand}, hurts at: " + ", ".join(ZONE_NAMES[z] for z in sorted(self._picked))

    def _describe(self) -> None:
        text = self.description()
        self.setAccessibleDescription(text)
        self.setToolTip(text)

    # --- geometry -------------------------------------------------------------------

    def _transform(self) -> QTransform:
        w, h = self.width(), self.height()
        scale = min(w / WIDTH, h / HEIGHT)
        t = QTransform()
        t.translate((w - WIDTH * scale) / 2, (h - HEIGHT * scale) / 2)
        t.scale(scale, scale)
        if self.side is Side.LEFT:  # the left hand is the mirror image of the right
            t.translate(WIDTH, 0)
            t.scale(-1, 1)
        return t

    def zone_at(self, pos: QPointF) -> int | None:
        inverse, ok = self._transform().inverted()
        if not ok:
            return None
        point = inverse.map(pos)
        for zone, (path, _label) in self._shapes.items():
            if path.contains(point):
                return int(zone)
        return None

    def zone_centre(self, zone: int) -> QPointF:
        """Where a tap on `zone` lands, in widget coordinates (for tests and the focus ring)."""
        return self._transform().map(self._shapes[Zone(zone)][1])

    # --- input -------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if not self.pickable or event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        zone = self.zone_at(event.position())
        if zone is not None:
            self._focus_index = KEY_ORDER.index(Zone(zone))
            self.toggle(zone)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if not self.pickable:
            super().keyPressEvent(event)
        elif key in (Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_Left, Qt.Key.Key_Up):
            step = 1 if key in (Qt.Key.Key_Right, Qt.Key.Key_Down) else -1
            self._focus_index = (self._focus_index + step) % len(KEY_ORDER)
            self.setAccessibleDescription(
                f"{ZONE_NAMES[KEY_ORDER[self._focus_index]]}: Space marks it. " + self.description()
            )
            self.update()
        elif key in (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.toggle(int(KEY_ORDER[self._focus_index]))
        else:
            super().keyPressEvent(event)

    # --- drawing ------------------------------------------------------------------

    def _fill(self, zone: int) -> QColor:
        if self._counts is not None:
            share = self._counts.get(zone, 0) / self._of if self._of else 0.0
            return heat_colour(share) if self._counts.get(zone, 0) else IDLE
        return PICKED if zone in self._picked else IDLE

    def _label(self, zone: int) -> str:
        if self._counts is not None:
            return f"{SHORT[Zone(zone)]} {self._counts.get(zone, 0)}"
        return SHORT[Zone(zone)]

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        t = self._transform()
        scale = abs(t.m11())
        font = QFont(self.font())
        font.setPointSizeF(max(6.0, self.font().pointSizeF() * 0.85))
        painter.setFont(font)
        focused = self.hasFocus() and self.pickable
        for zone, (path, label) in self._shapes.items():
            fill = self._fill(zone)
            thick = zone in self._picked or (focused and KEY_ORDER[self._focus_index] == zone)
            colour = FOCUS if focused and KEY_ORDER[self._focus_index] == zone else OUTLINE
            painter.setPen(QPen(colour, (3.0 if thick else 1.2) * max(1.0, scale / 2)))
            painter.setBrush(fill)
            painter.drawPath(t.map(path))
            centre = t.map(label)
            painter.setPen(QColor("white") if fill.lightnessF() < 0.5 else OUTLINE)
            painter.drawText(
                QRectF(centre.x() - 40, centre.y() - 10, 80, 20),
                Qt.AlignmentFlag.AlignCenter,
                self._label(zone),
            )
        painter.setPen(OUTLINE)
        caption = f"{self.side.value} hand, palm side · back"
        painter.drawText(
            QRectF(0, self.height() - 18, self.width(), 18), Qt.AlignmentFlag.AlignCenter, caption
        )
        painter.end()
