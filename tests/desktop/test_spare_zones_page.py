"""Sparing a tender zone from the Massage page, through the real window on the simulated
massager: "spared" is shown only once the massager confirmed it, the zone rests on the
device and on the hand drawing, a refusal leaves the toggle as it was, and a massager
that squeezes all its zones together says so instead of showing the toggles."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from appcore.session import Phase
from ble import protocol as p
from desktop.hand_widget import HandWidget, SpareZonesPanel
from desktop.theme import MIN_TARGET_PX, apply_theme
from massage import ZONE_NAMES, Zone
from tests.desktop.helpers import answer_checkin, shot, until
from tests.desktop.test_app import ready_massage_page, running_app
from tests.desktop.test_device_families import (
    family_app,
    massage_page,
    screened_and_connected,
)
from tests.desktop.test_layout_audit import (
    HIGH_CONTRAST,
    NORMAL_CONTRAST,
    cut_text,
    painted_contrast,
    settle,
    text_box,
)


async def test_a_zone_is_spared_once_the_massager_confirms_and_given_back(
    qtbot: QtBot, isolated_home: Path, screenshot_dir: Path
) -> None:
    async with running_app(isolated_home) as (app, device):
        page = await ready_massage_page(app, qtbot)
        page.routines.setCurrentRow(0)
        seen: list[p.Status] = []
        statuses = app.massager.statuses.subscribe(seen.append)
        qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
        await answer_checkin(page, qtbot)
        await until(lambda: page.session.phase == Phase.RUNNING, timeout=10)
        panel = page.spare_panel
        thumb, palm = panel.buttons[Zone.THUMB_BASE], panel.buttons[Zone.PALM]
        await until(thumb.isEnabled, timeout=5)
        assert panel.hint.isVisible()
        assert not panel.refusal.isVisible()
        for zone, button in panel.buttons.items():  # large, keyboard-reachable, plain words
            assert button.isVisible()
            assert button.width() >= MIN_TARGET_PX
            assert button.height() >= MIN_TARGET_PX
            assert button.focusPolicy() & Qt.FocusPolicy.TabFocus
            assert button.text() == f"Spare {ZONE_NAMES[zone]}"
        assert thumb.text() == "Spare thumb base"

        # The device applies it before its answer arrives: the toggle waits for the answer.
        device.faults.response_delay_s = 0.4
        qtbot.mouseClick(thumb, Qt.MouseButton.LeftButton)
        await until(lambda: device.model.spared_mask == 1 << Zone.THUMB_BASE, timeout=5)
        assert not thumb.isChecked()
        assert thumb.text() == "Spare thumb base"
        assert not thumb.isEnabled()  # one press at a time
        await until(lambda: thumb.text() == "✓ Thumb base spared", timeout=10)
        device.faults.response_delay_s = 0.0
        assert thumb.isChecked()
        assert thumb.isEnabled()
        assert page.session.spared == {Zone.THUMB_BASE}
        await until(lambda: seen[-1].pressures_mmhg[Zone.THUMB_BASE] == 0, timeout=10)
        await until(lambda: "thumb base resting" in page.live_hand.accessibleDescription(), 5)
        await shot(app.window, screenshot_dir, "session_zone_spared")

        # Keyboard: Space on the focused toggle spares the palm too.
        palm.setFocus()
        qtbot.keyClick(palm, Qt.Key.Key_Space)
        await until(lambda: palm.text() == "✓ Palm spared", timeout=10)
        assert device.model.spared_mask == (1 << Zone.THUMB_BASE) | (1 << Zone.PALM)

        # A refusal is reported, and the toggle stays as the massager last confirmed it.
        wrist = panel.buttons[Zone.WRIST]
        device.faults.refuse_commands = True
        qtbot.mouseClick(wrist, Qt.MouseButton.LeftButton)
        await until(lambda: "did not spare the wrist" in page.message.text(), timeout=10)
        await until(wrist.isEnabled, timeout=5)
        assert wrist.text() == "Spare wrist"
        assert not wrist.isChecked()
        assert page.session.spared == {Zone.THUMB_BASE, Zone.PALM}
        device.faults.refuse_commands = False

        # Given back: it may squeeze again.
        qtbot.mouseClick(thumb, Qt.MouseButton.LeftButton)
        await until(lambda: thumb.text() == "Spare thumb base", timeout=10)
        assert device.model.spared_mask == 1 << Zone.PALM
        await until(lambda: "thumb base resting" not in page.live_hand.accessibleDescription(), 5)

        # The log keeps each confirmed change (and the refusal).
        await app.massager.audit_written()
        history = await app.massager.history(100)
        spares = [
            (e.params["zones"], e.result) for e in reversed(history) if e.command == "spare_zones"
        ]
        assert spares == [
            (["thumb base"], "success"),
            (["thumb base", "palm"], "success"),
            (["thumb base", "palm", "wrist"], "operation_failed"),
            (["palm"], "success"),
        ]
        statuses.close()
        qtbot.keyClick(app.window, Qt.Key.Key_Escape)
        await until(lambda: page.session.phase == Phase.ENDED, timeout=10)
        await until(lambda: not panel.isVisible(), timeout=10)  # the live panel has gone


async def test_a_massager_that_squeezes_all_zones_together_says_so_instead(
    qtbot: QtBot, isolated_home: Path
) -> None:
    async with family_app(isolated_home, "aa55") as (app, fam):
        await screened_and_connected(app, fam)
        page = massage_page(app)
        page.routines.setCurrentRow(1)
        page.refresh()
        qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
        await answer_checkin(page, qtbot)
        await until(lambda: app.session.phase == Phase.RUNNING, timeout=10)
        panel = page.spare_panel
        await until(panel.refusal.isVisible, timeout=5)
        assert panel.refusal.text() == "This massager squeezes all its zones together."
        assert not panel.hint.isVisible()
        assert not any(b.isVisible() for b in panel.buttons.values())
        qtbot.keyClick(app.window, Qt.Key.Key_Escape)
        await until(lambda: app.session.phase == Phase.ENDED, timeout=10)


@pytest.mark.parametrize("high_contrast", [False, True], ids=["normal", "high contrast"])
async def test_the_spared_state_is_readable_at_200_percent_in_both_themes(
    qtbot: QtBot, high_contrast: bool
) -> None:
    """Every toggle spared (the longest words): none cut, none below 44x44, the text's
    contrast measured from the painted pixels as the layout audit does."""
    qapp = QApplication.instance()
    assert isinstance(qapp, QApplication)
    calls: list[tuple[Zone, bool]] = []

    async def spare(zone: Zone, spared: bool) -> None:
        calls.append((zone, spared))

    panel = SpareZonesPanel(asyncio.ensure_future, spare, lambda: None)
    qtbot.addWidget(panel)
    try:
        apply_theme(qapp, 2.0, high_contrast)
        panel.resize(880, 600)  # the Massage page's column at 1366x768
        panel.show_state(frozenset(Zone), enabled=True, refusal="")
        panel.show()
        await settle(panel)
        image = panel.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
        need = HIGH_CONTRAST if high_contrast else NORMAL_CONTRAST
        for zone, button in panel.buttons.items():
            assert button.text() == f"✓ {ZONE_NAMES[zone].capitalize()} spared"
            assert button.isChecked()
            assert cut_text(button) is None, button.text()
            assert button.width() >= MIN_TARGET_PX
            assert button.height() >= MIN_TARGET_PX
            measured = painted_contrast(image, text_box(button, panel))
            assert measured is not None
            assert measured >= need, (button.text(), measured)
        assert cut_text(panel.hint) is None
        assert calls == []  # showing the state sends nothing
    finally:
        apply_theme(qapp, 1.0, False)


def test_the_hand_drawing_says_a_spared_zone_is_resting(qtbot: QtBot) -> None:
    hand = HandWidget()
    qtbot.addWidget(hand)
    hand.set_pressures((30, 30, 30, 30, 30, 30))
    hand.set_spared({Zone.THUMB_BASE})
    words = hand.accessibleDescription()
    assert "thumb base resting (spared)" in words
    assert "palm 30 mmHg" in words
    assert "thumb base 30" not in words
    hand.set_spared(set())  # given back
    assert "thumb base 30 mmHg" in hand.accessibleDescription()


@pytest.mark.parametrize("high_contrast", [False, True], ids=["normal", "high contrast"])
async def test_the_hand_drawings_numbers_are_clear_of_outlines_and_gaps(
    qtbot: QtBot, high_contrast: bool
) -> None:
    """Each zone's words sit on a tag of their own: no pixel of the page's background (the
    gaps between the fingers, the space around the little-finger base) inside any label,
    and the words' contrast against the tag, measured from the pixels."""
    qapp = QApplication.instance()
    assert isinstance(qapp, QApplication)
    hand = HandWidget()
    qtbot.addWidget(hand)
    try:
        apply_theme(qapp, 1.0, high_contrast)
        hand.resize(hand.minimumSizeHint())  # the smallest the Massage page gives it
        hand.set_pressures((18, 0, 0, 18, 0, 0))
        hand.set_spared({Zone.THUMB_BASE})
        hand.show()
        await settle(hand)
        image = hand.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
        background = image.pixel(1, 1)
        boxes = hand.label_boxes()
        assert set(boxes) == set(Zone)
        for zone, box in boxes.items():
            inner = box.toAlignedRect().adjusted(2, 2, -2, -2)
            assert hand.rect().contains(inner), (zone, inner)
            gaps = [
                (x, y)
                for x in range(inner.left(), inner.right() + 1)
                for y in range(inner.top(), inner.bottom() + 1)
                if image.pixel(x, y) == background
            ]
            assert gaps == [], (ZONE_NAMES[zone], gaps[:5])
            measured = painted_contrast(image, inner)
            assert measured is not None
            assert measured >= NORMAL_CONTRAST, (ZONE_NAMES[zone], measured)
    finally:
        apply_theme(qapp, 1.0, False)


@pytest.mark.parametrize("scale", [1.0, 1.5, 2.0])
async def test_the_hand_drawings_captions_are_never_cut(qtbot: QtBot, scale: float) -> None:
    """"palm side" and "back of hand" lie wholly inside the drawing at every text size and
    at the smallest size the Massage page gives it (at 125 % and up, "palm side" used to
    lose its lower half under the widget's edge)."""
    qapp = QApplication.instance()
    assert isinstance(qapp, QApplication)
    hand = HandWidget()
    qtbot.addWidget(hand)
    try:
        apply_theme(qapp, scale, False)
        hand.show()
        await settle(hand)  # the new text size has reached the widget
        for size in (hand.minimumSizeHint(), hand.sizeHint()):
            hand.resize(size)
            await settle(hand)
            hand.grab()  # paints
            captions = hand.caption_boxes()
            assert set(captions) == {"palm side", "back of hand"}
            for words, box in captions.items():
                assert QRectF(hand.rect()).contains(box), (words, box, hand.rect())
            tags = hand.label_boxes().values()
            assert not any(box.intersects(tag) for box in captions.values() for tag in tags)
    finally:
        apply_theme(qapp, 1.0, False)
