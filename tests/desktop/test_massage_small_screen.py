"""The Massage page on a small laptop with large text (1024x600, 200%), through the real
window on the simulated massager: one column, the routines' list whole in the page's
view with three whole rows, the hand drawing at the page's width and the height it asks
for, and Start, Pause and Stop in view without scrolling. At 150% and at 100% the page
stays as it was: the list and the drawing side by side.

Why three rows: at 1024x600 and 200% the page's view between the window's top bar, the
title and the footer is about 313 px tall and a row is an 86 px target. The footer is as
tall as the buttons it shows (desktop.widgets: a hidden panel's row of buttons takes no
room; before, the live panel's two-line "End the session" row took 180 px under every
panel, and the view was 219 px: two rows). Before the one-column layout, the list and the
drawing shared a row of the page and the list was 352 px tall in a view of 123 px: no
routine row could be seen whole with the list's neighbours.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from appcore.session import Phase
from desktop.main_window import MainWindow
from desktop.session_view import SessionPage
from desktop.theme import apply_theme
from tests.desktop.helpers import answer_checkin, shot, until
from tests.desktop.test_app import ready_massage_page, running_app
from tests.desktop.test_layout_audit import reachable, settle, shown_rect, window_rect

SMALL = (1024, 600)


def in_view(widget: QWidget, window: MainWindow) -> bool:
    """Wholly on screen as the page stands (no scrolling)."""
    return shown_rect(widget, window) == window_rect(widget, window)


def whole_rows(page: SessionPage) -> int:
    """Routine rows the list shows whole."""
    routines = page.routines
    inside: QRect = routines.viewport().rect()
    return sum(
        inside.contains(routines.visualItemRect(routines.item(row)))
        for row in range(routines.count())
    )


def side_by_side(page: SessionPage) -> bool:
    return page.routines.y() == page.hand.y() and page.routines.x() < page.hand.x()


async def look(window: MainWindow, scale: float, high_contrast: bool = False) -> None:
    qapp = QApplication.instance()
    assert isinstance(qapp, QApplication)
    apply_theme(qapp, scale, high_contrast)
    window.resize(*SMALL)
    await settle(window)


async def test_the_massage_page_fits_1024x600_at_200_percent_text(
    qtbot: QtBot, isolated_home: Path, screenshot_dir: Path
) -> None:
    async with running_app(isolated_home) as (app, _device):
        window = app.window
        page = await ready_massage_page(app, qtbot)
        area = page.scroller
        assert area is not None
        try:
            for high_contrast in (False, True):
                await look(window, 2.0, high_contrast)
                assert window.size().toTuple() == SMALL
                # Start in view without scrolling.
                assert in_view(page.start_button, window)
                # The footer: as tall as the row of buttons it shows, not the tallest panel's.
                assert page.action_rows.height() < 2 * page.start_button.height()
                # The list: whole in the page's view once scrolled to, three whole rows.
                view = area.viewport().height()
                assert page.routines.height() <= view, (page.routines.height(), view)
                assert reachable(page.routines, window)
                assert whole_rows(page) >= 3
                assert not side_by_side(page)
                assert page.routines.y() < page.hand.y()  # the routines first
                assert page.routines.width() >= page.width() // 2  # the page's width
                assert page.narrow
                # The button says what Start does, so no line of hint takes the view's room.
                assert "check in" in page.start_button.text().lower()
                assert not page.message.isVisible()
                # The drawing: the page's width, and the height it asks for (its labels fit).
                hand = page.hand
                assert hand.width() == page.routines.width()
                assert hand.height() >= hand.sizeHint().height()
                hand.repaint()  # the label boxes are those of the last paint
                for zone, box in hand.label_boxes().items():
                    assert QRect(0, 0, hand.width(), hand.height()).contains(box.toRect()), zone
            await shot(window, screenshot_dir, "massage_1024x600_200_choose")

            # 150%: as before, side by side, three whole rows or more, Start in view.
            await look(window, 1.5)
            assert not page.narrow
            assert side_by_side(page)
            assert whole_rows(page) >= 3
            assert in_view(page.start_button, window)
            assert in_view(page.routines, window)

            # During a massage at 200%: Pause and Stop in view, and at the top of the view
            # the step and the time left, not the middle of a tall drawing.
            await look(window, 1.25)
            page.start_button.click()
            await answer_checkin(page, qtbot)
            await until(lambda: page.session.phase == Phase.RUNNING, timeout=10)
            await until(lambda: page.live_numbers.text() != "", timeout=10)
            assert page.start_button.text() == "▶ Start massage"  # checked in today
            await look(window, 2.0)
            assert page.narrow
            for widget in (page.pause_button, page.live_stop, page.step_title, page.live_numbers):
                assert in_view(widget, window), widget.accessibleName()
            assert page.live_hand.y() > page.live_numbers.y()
            assert page.live_hand.height() >= page.live_hand.sizeHint().height()
            await shot(window, screenshot_dir, "massage_1024x600_200_live")
            await page.session.stop()
            await until(lambda: page.session.phase == Phase.ENDED, timeout=10)

            # Back to 100%: side by side again.
            await look(window, 1.0)
            assert not page.narrow
        finally:
            qapp = QApplication.instance()
            assert isinstance(qapp, QApplication)
            apply_theme(qapp, 1.25, False)
