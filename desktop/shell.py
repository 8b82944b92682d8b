"""The window before the log is open: shown first, so that a start is seen at once.

The window, its page buttons and Stop need only Qt and the settings; the pages need the
log, the safety owner and the domain behind them (about two thirds of a start, issue 13).
So `python -m desktop` shows this window, lets it paint, and only then imports the rest
and opens the log (desktop.app.run); `MainWindow.fill` then gives it its pages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer

from desktop.main_window import MainWindow, PageSlot
from desktop.theme import apply_theme

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from appcore.settings import Settings
    from desktop.widgets import Page

# The sidebar's pages, in its order: titles, and the class each slot builds (by name, so
# that no page module is imported before the window is up).
PAGES: tuple[tuple[str, str], ...] = (
    ("Home", "desktop.welcome_view:HomePage"),
    ("Safety questions", "desktop.screening_view:ScreeningPage"),
    ("Device", "desktop.device_view:DevicePage"),
    ("Massage", "desktop.session_view:SessionPage"),
    ("Progress", "desktop.progress_view:ProgressPage"),
    ("Schedule", "desktop.schedule_view:SchedulePage"),
    ("Trial", "desktop.trial_view:TrialPage"),
    ("Settings", "desktop.settings_view:SettingsPage"),
    ("Without the massager", "desktop.by_hand_view:ByHandPage"),
)
WAITING_WORDS = "Opening your health log…"
PAINT_WAIT_MS = 1000  # the start goes on after this even if the window has not painted


def name_the_app(qapp: QApplication) -> None:
    """Before any window: its name, and its desktop entry (Wayland matches the window to
    its menu entry by it). The tray keeps reminders alive, so Thenar quits itself."""
    qapp.setApplicationName("Thenar")
    qapp.setDesktopFileName("app.thenar.Thenar")
    qapp.setQuitOnLastWindowClosed(False)


def _not_yet() -> Page:
    raise RuntimeError("the window's pages are given by MainWindow.fill, once the log is open")


def make_window(qapp: QApplication, settings: Settings) -> MainWindow:
    """The window in the person's theme and text size, waiting for its pages (not shown)."""
    apply_theme(qapp, settings.text_scale, settings.high_contrast)
    slots = [PageSlot(title, key, _not_yet) for title, key in PAGES]
    return MainWindow(slots, first=None, waiting=WAITING_WORDS)


class _Painted(QObject):
    def __init__(self, loop: QEventLoop) -> None:
        super().__init__()
        self.loop = loop
        self.painted = False

    def eventFilter(self, _obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self.painted:
            self.painted = True
            self.loop.quit()  # returns once this paint is done (and flushed to the screen)
        return False


def paint_now(window: MainWindow, timeout_ms: int = PAINT_WAIT_MS) -> bool:
    """Run Qt's own loop until `window` has painted (at most `timeout_ms`), before the
    asyncio loop exists. False if it did not paint in time (hidden, or a slow display)."""
    loop = QEventLoop()
    watch = _Painted(loop)
    give_up = QTimer()
    give_up.setSingleShot(True)
    give_up.timeout.connect(loop.quit)
    window.installEventFilter(watch)
    give_up.start(timeout_ms)
    window.update()
    loop.exec()
    give_up.stop()
    window.removeEventFilter(watch)
    return watch.painted


def open_window(qapp: QApplication, settings: Settings) -> MainWindow:
    """Show the waiting window and let it paint; the caller then opens the log."""
    name_the_app(qapp)
    window = make_window(qapp, settings)
    window.show()
    paint_now(window)
    return window
