"""Thenar's start-up and shutdown: one QApplication, one qasync loop, one window.

Start-up does only what the first window needs (the log is opened on its own
thread); connecting to the massager starts in the background. Shutdown always
stops a running massage, and waits for the massager's acknowledgement, before
anything closes.

Why this module is long: start-up and shutdown as one sequence: the `Thenar` holder with
its ordered shutdown (stop a running massage and wait for the acknowledgement), the page
wiring in `build` and the error hooks, read in order in one file.
"""

from __future__ import annotations

import asyncio
import linecache
import logging
import signal
import sys
import traceback
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QListWidgetItem, QMessageBox, QWidget

from appcore.context import AppContext
from appcore.db_worker import DbWorker
from appcore.explain import in_words
from appcore.massager import Massager
from appcore.programs import ensure_routines
from appcore.screening import now_local
from appcore.session import APP_CLOSED, SessionController
from data.errors import StoreError
from data.files import make_private
from desktop.gc_guard import GuiThreadCollector
from desktop.main_window import MainWindow, PageSlot
from desktop.shell import PAGES, make_window, name_the_app
from desktop.tasks import TaskOwner
from desktop.theme import apply_theme, next_text_step

# The pages' modules are imported when a page is first built (MainWindow.page_at), the
# tray's after the first paint: the first window needs only its own page.
if TYPE_CHECKING:
    from appcore.events import Subscription
    from appcore.settings import Settings
    from ble.backends import BackendFactory
    from desktop.by_hand_view import ByHandPage
    from desktop.tray import TrayReminders
    from desktop.widgets import Page

log = logging.getLogger(__name__)

TEXT_KEYS_SETTLE_MS = 300  # Ctrl+plus/minus: restyle once the keys have rested this long
FIRST_PAINT_WAIT_S = 5.0  # deferred start-up work waits at most this for the first paint
CLOSING_WORDS = "Stopping the massager… Thenar closes as soon as it has stopped."


@dataclass
class Thenar:
    """Everything the running app holds, so tests and the self-test can drive it."""

    qapp: QApplication
    ctx: AppContext
    massager: Massager
    session: SessionController
    window: MainWindow
    program_ids: dict[str, int]
    tray: TrayReminders | None = None
    notices_box: QMessageBox | None = None
    verified_box: QMessageBox | None = None  # what the full check after start-up found
    session_subscription: Subscription | None = None  # the window follows the session
    quit_event: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: TaskOwner = field(default_factory=TaskOwner)
    clock: Callable[[], datetime] | None = None  # a simulated clock (tests), else the real one
    _shutdown: asyncio.Future[None] | None = None

    def run(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Failures go to the loop's handler, which logs and shows them (install_error_hooks)."""
        return self.tasks.spawn(coro)

    # --- wiring ---------------------------------------------------------------

    def stop_now(self) -> None:
        """The global Stop (button and Esc): always safe, never asks."""
        self.run(self.session.stop())

    def start_tray(self) -> TrayReminders:
        """The tray icon and the reminder clock (once); `run` starts them after the first
        paint, or before any window when Thenar starts in the tray."""
        if self.tray is None:
            from desktop.tray import TrayReminders

            self.tray = (
                TrayReminders(self.ctx, self.window, self.start_scheduled)
                if self.clock is None
                else TrayReminders(self.ctx, self.window, self.start_scheduled, now=self.clock)
            )
            self.tray.quit_requested.connect(lambda: self.run(self.shutdown()))
        return self.tray

    def start_scheduled(self, program_row_id: int) -> None:
        """From a reminder: bring the window up on the Massage page with that routine chosen."""
        from desktop.session_view import SessionPage

        self.show_window()
        page = self.window.page(SessionPage)
        assert isinstance(page, SessionPage)
        for row in range(page.routines.count()):
            item: QListWidgetItem = page.routines.item(row)
            key = item.data(Qt.ItemDataRole.UserRole)
            if self.program_ids.get(key) == program_row_id:
                page.routines.setCurrentRow(row)
        self.window.show_page_of(SessionPage)

    def show_window(self) -> None:
        self.window.show()
        self.window.setWindowState(self.window.windowState() & ~Qt.WindowState.WindowMinimized)
        self.window.raise_()
        self.window.activateWindow()

    def on_state(self) -> None:
        self.window.set_connection_text(self.massager.describe())
        self.window.set_stop_enabled(self.session.active)

    async def close_window(self) -> None:
        """Window closed: stop a running massage first (and say so); then hide or quit."""
        if self.session.active:
            self.window.show_closing(CLOSING_WORDS)
            try:
                await self.session.stop(APP_CLOSED)
            finally:
                self.window.closing_notice.setVisible(False)
        if self.tray is not None and self.tray.available and self.ctx.settings.close_to_tray:
            self.window.hide()
            return
        await self.shutdown()

    async def shutdown(self) -> None:
        """Stop (acknowledged), disconnect, close the log, then let the loop end. Once."""
        if self._shutdown is None:
            self._shutdown = asyncio.ensure_future(self._shutdown_once())
        await asyncio.shield(self._shutdown)

    async def _shutdown_once(self) -> None:
        try:
            if self.session.active:
                self.window.show_closing(CLOSING_WORDS)
                await self.session.stop(APP_CLOSED)
            acknowledged = await self.massager.close()
            if not acknowledged:
                log.warning("the massager did not acknowledge the final stop")
        except Exception:
            log.exception("shutting down the massager connection failed")
            raise
        finally:
            for page in self.window.built_pages():  # a page's tasks end before the log closes
                aclose = getattr(page, "aclose", None)  # ProgressPage: its loads and exports
                if aclose is not None:
                    await aclose()
            if not await self.session.flush_log():  # a full disk: the next start says so
                log.warning("a session's end could not be written before closing")
            await self.ctx.db.close()
            self.window.allow_close()
            self.window.close()
            self.quit_event.set()

    def show_notices(self, notices: list[str]) -> None:
        """Messages about the log (restored, repaired, no backup today) in a box of their own."""
        if not notices:
            return
        box = QMessageBox(
            QMessageBox.Icon.Information, "Thenar", "\n\n".join(notices), parent=self.window
        )
        box.setModal(False)
        self.verified_box = box
        box.show()

    async def verify_log(self) -> None:
        """After the first paint: the full check of the log and today's backup (on the DB
        thread, ~0.3-1 s on ten years). If it rebuilt indexes or restored a backup,
        every page reads again and the person is told what happened."""
        notices, replaced = await self.ctx.db.verify()
        if replaced:
            await self.ctx.safety.load()
            await self.ctx.trial.load()
            self.ctx.log.replaced()  # the safety owner's load announced the profile
        self.show_notices(notices)

    async def after_first_paint(self, shown: bool) -> None:
        """What the first window does not need, once it is on screen: the tray and the
        reminders, the full check of the log and today's backup (queued DB calls wait for
        it), then reconnecting to the massager (which loads the Bluetooth stack)."""
        if shown:
            await first_paint(self.window)
        self.start_tray()
        self.run(self.verify_log())
        self.run(self.connect_pinned())

    async def connect_pinned(self) -> None:
        """At start-up, reconnect to the massager chosen last time (in the background)."""
        address = self.ctx.settings.pinned_address
        if not address:
            return
        try:
            await self.massager.connect(address, self.ctx.settings.pinned_name or "")
        except Exception as exc:
            log.info("could not reconnect to the pinned massager: %s", exc)


class _PaintWatch(QObject):
    def __init__(self, done: asyncio.Future[None]) -> None:
        super().__init__()
        self.done = done

    def eventFilter(self, _obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self.done.done():
            self.done.set_result(None)
        return False


async def first_paint(window: QWidget, timeout_s: float = FIRST_PAINT_WAIT_S) -> None:
    """Return once `window` has painted (or after `timeout_s`: never wait for ever)."""
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    watch = _PaintWatch(done)
    window.installEventFilter(watch)
    window.update()
    try:
        await asyncio.wait_for(done, timeout_s)
    except TimeoutError:
        log.info("no first paint within %.0f s; going on", timeout_s)
    finally:
        window.removeEventFilter(watch)


def report_error(exc: BaseException | None, parent: Any = None) -> None:
    """Log an unexpected error and show it in plain words: never swallow one silently."""
    if exc is None:
        return
    log.error("unexpected error", exc_info=(type(exc), exc, exc.__traceback__))
    if QApplication.instance() is not None and not isinstance(exc, asyncio.CancelledError):
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Thenar",
            in_words(exc),
            QMessageBox.StandardButton.Ok,
            parent,
        )
        box.setModal(False)
        box.show()


def install_error_hooks(loop: asyncio.AbstractEventLoop) -> None:
    def excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        log.error("uncaught: %s", "".join(traceback.format_exception(kind, exc, tb)))
        report_error(exc)

    def loop_handler(_loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if exc is None:
            log.error("event loop: %s", context.get("message"))
            return
        report_error(exc)

    sys.excepthook = excepthook
    loop.set_exception_handler(loop_handler)


async def build(
    qapp: QApplication,
    settings: Settings,
    settings_path: Path,
    *,
    backends: BackendFactory | None = None,
    key_store: Path | None = None,
    now: Callable[[], datetime] | None = None,
    tray: bool = True,
    shown: MainWindow | None = None,
) -> Thenar:
    """Open the log, restore the profile and build the window (not shown yet), or fill
    `shown`, the window desktop.shell showed while the log opened.

    Only the first page is built; the others when first shown. `tray=False`: the tray
    and the reminders wait for `Thenar.start_tray` (`run` starts them after the first
    paint)."""
    qapp.setQuitOnLastWindowClosed(False)  # the tray keeps reminders alive; we quit ourselves
    db = DbWorker(settings.data_path())
    try:
        notices = await db.open()
    except BaseException:
        await db.close()
        raise
    # `now`: a simulated clock, for tests that live through weeks of a comparison trial
    ctx = AppContext(settings, settings_path, db, now=now or now_local)
    await ctx.safety.load()
    await ctx.trial.load()
    program_ids = await db.run(ensure_routines)
    # Bonds (pairing keys) survive restarts; they live in the private (0700) data folder,
    # 0600 (the umask set at start makes new ones so; an older Thenar's are tightened).
    bonds = key_store or settings.data_path() / "bonds.json"
    make_private(bonds)
    massager = Massager(ctx, backends, key_store=bonds)
    session = SessionController(massager, now)

    def theme() -> None:
        apply_theme(qapp, ctx.settings.text_scale, ctx.settings.high_contrast)

    # The window `run` showed while the log opened, or a new one (in the same theme).
    window = shown if shown is not None else make_window(qapp, ctx.settings)
    holder: list[Thenar] = []
    by_hand: list[ByHandPage] = []  # once built

    def open_screening() -> None:
        from desktop.screening_view import ScreeningPage

        screening = window.page(ScreeningPage)
        assert isinstance(screening, ScreeningPage)
        screening.start()
        window.show_page_of(ScreeningPage)

    def screening_done(_profile: object) -> None:
        from desktop.welcome_view import HomePage

        window.show_page_of(HomePage)  # the massager's caps follow the safety owner itself

    def home_page() -> Page:
        from desktop.welcome_view import HomePage

        return HomePage(ctx, open_screening)

    def screening_page() -> Page:
        from desktop.screening_view import ScreeningPage

        return ScreeningPage(ctx, screening_done)

    def device_page() -> Page:
        from desktop.device_view import DevicePage

        page = DevicePage(ctx, massager)
        # Just paired, and screened: the next step is the massage, so go there.
        page.paired.connect(lambda: window.show_page(massage) if ctx.profile else None)
        return page

    def session_page() -> Page:
        from desktop.session_view import SessionPage

        page = SessionPage(ctx, session, lambda: program_ids, today=ctx.today)
        holder[0].run(page.look_for_interrupted())  # "your last session was interrupted"
        return page

    def progress_page() -> Page:
        from desktop.progress_view import ProgressPage

        return ProgressPage(ctx)

    def schedule_page() -> Page:
        from desktop.schedule_view import SchedulePage

        return SchedulePage(ctx, lambda pid: holder[0].start_scheduled(pid))

    def trial_page() -> Page:
        from desktop.trial_view import TrialPage

        return TrialPage(ctx)

    def settings_page() -> Page:
        from desktop.settings_view import SettingsPage

        page = SettingsPage(ctx, theme)
        page.screening_requested.connect(open_screening)
        # after moving the data folder: close, so the next start uses the new one
        page.data_tools.quit_requested.connect(lambda: holder[0].run(holder[0].shutdown()))
        page.data_tools.busy = lambda: (
            session.active or any(p.session_id is not None for p in by_hand)
        )
        return page

    def by_hand_page() -> Page:  # issue 14: sessions without the Thenar massager
        from desktop.by_hand_view import ByHandPage

        page = ByHandPage(ctx)
        by_hand.append(page)
        return page

    # Restyling every built page takes up to a second of the loop at 200 % text; several
    # presses in a row restyle once, when the keys rest, so a running massage keeps
    # hearing its heartbeat (the device stops after 2 s without one).
    restyle = QTimer()
    restyle.setSingleShot(True)
    restyle.setInterval(TEXT_KEYS_SETTLE_MS)
    restyle.timeout.connect(theme)

    def text_step(direction: int) -> None:  # Ctrl+plus, Ctrl+minus, Ctrl+0
        scale = next_text_step(ctx.settings.text_scale, direction)
        if scale != ctx.settings.text_scale:
            ctx.update_settings(text_scale=scale)  # saved now; the next press counts from it
            restyle.start()

    # The sidebar's pages (desktop.shell.PAGES names them, in order) and what builds each.
    makers = (
        home_page,
        screening_page,
        device_page,
        session_page,
        progress_page,
        schedule_page,
        trial_page,
        settings_page,
        by_hand_page,
    )
    slots = [PageSlot(title, key, make) for (title, key), make in zip(PAGES, makers, strict=True)]
    massage = [title for title, _key in PAGES].index("Massage")
    window.stop_requested.connect(lambda: holder[0].stop_now())
    window.text_step_requested.connect(text_step)
    restyle.setParent(window)  # lives as long as the window
    app = Thenar(qapp, ctx, massager, session, window, program_ids, clock=now)
    holder.append(app)
    window.close_requested.connect(lambda: app.run(app.close_window()))
    returning = ctx.profile is not None and bool(ctx.settings.pinned_address)
    # Returning: straight to Massage (and Home is not built); the first time, Home.
    window.fill(slots, massage if returning else 0)
    massager.link_changes.subscribe(lambda _change: app.on_state())
    app.session_subscription = session.subscribe(lambda _e: app.on_state())
    app.on_state()
    if tray:
        app.start_tray()
    if notices:  # e.g. the log was damaged and restored from a backup: say so plainly
        box = QMessageBox(QMessageBox.Icon.Information, "Thenar", "\n\n".join(notices))
        box.setModal(False)
        app.notices_box = box
    return app


STARTUP_FAILED_EXIT = 1


def startup_failure_box(exc: BaseException, data_folder: Path) -> QMessageBox:
    """The plain dialog shown, instead of the window, when Thenar cannot start."""
    if isinstance(exc, StoreError):
        title = "Thenar could not open your health log"
        where = f"Your health log is in {data_folder}."
    else:
        title = "Thenar could not start"
        where = f"Details are in the diagnostic log. Your health log is in {data_folder}."
    box = QMessageBox(QMessageBox.Icon.Critical, "Thenar", title, QMessageBox.StandardButton.Close)
    box.setObjectName("startup-failure")
    box.setInformativeText(f"{in_words(exc)}\n\n{where}")
    return box


def run(
    settings: Settings,
    settings_path: Path,
    *,
    after_show: Callable[[Thenar], Any] | None = None,
    in_tray: bool = False,
    shown: MainWindow | None = None,
) -> int:
    """Run the app until it quits; `after_show` (self-test, benchmarks) runs once it is up.

    `shown`: the window desktop.shell already showed (`python -m desktop` shows it before
    it imports this module); it gets its pages once the log is open.

    `in_tray` (started with the computer, issue 14): no window until the person opens
    it from the tray; without a tray the window opens as usual.

    If it cannot start (the log refused, a folder it may not write), a dialog says
    what happened, what is safe and what to do, before any window; then it exits
    with STARTUP_FAILED_EXIT.
    """
    # PySide6 reads the source of modules imported after it (to look for its __feature__
    # switches) and leaves the lines in linecache: ~5 MB once this module's imports are
    # done, which nothing needs (a traceback reads its lines again). Again after `build`.
    linecache.clearcache()
    qapp = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(qapp, QApplication)
    name_the_app(qapp)
    import qasync

    exit_code = 0
    failure: BaseException | None = None

    async def main() -> None:
        nonlocal exit_code, failure
        loop = asyncio.get_running_loop()
        install_error_hooks(loop)
        try:
            app = await build(qapp, settings, settings_path, tray=in_tray, shown=shown)
        except Exception as exc:  # shown once the loop is gone, instead of the window
            log.error("Thenar could not start: %s", exc, exc_info=exc)
            failure = exc
            if shown is not None:  # the waiting window goes: it will have no pages
                shown.allow_close()
                shown.close()
            return
        linecache.clearcache()  # the first page's modules' lines (see above)
        # SIGTERM/SIGINT (logout, Ctrl+C): the same safe shutdown as closing the window.
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: loop.call_soon_threadsafe(app.run, app.shutdown()))
        visible = not (in_tray and app.tray is not None and app.tray.available)
        if visible:
            app.window.show()
        if app.notices_box is not None:
            app.notices_box.show()
        app.run(app.ctx.safety.run_day_clock())  # today's check-in expires at midnight
        app.run(app.after_first_paint(visible))
        if after_show is not None:
            result = after_show(app)
            if asyncio.iscoroutine(result):
                exit_code = int(await result or 0)
                await app.shutdown()
                return
        await app.quit_event.wait()

    collector = GuiThreadCollector()
    try:
        with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(qapp)) as runner:
            runner.run(main())
    finally:
        collector.stop()
    if failure is not None:
        # The loop has ended, so the dialog runs its own (modal) Qt loop: it is seen.
        startup_failure_box(failure, settings.data_path()).exec()
        return STARTUP_FAILED_EXIT
    return exit_code
