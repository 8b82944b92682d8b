"""File dialogs leave the loop running: a massage is stopped (Esc, the Stop button) while a
Save dialog is open; the folder chosen is remembered for that kind of file across a restart.

Real app, simulated massager over the virtual link, the real (Qt) file dialog.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit
from pytestqt.qtbot import QtBot

from appcore.session import Phase
from appcore.settings import Settings, load_settings
from ble import protocol as p
from ble.backends import on_link
from ble.bumble_bleak.radio import VirtualLink
from desktop.app import build
from desktop.save_dialog import documents, open_dialog
from desktop.schedule_view import SchedulePage
from desktop.session_view import SessionPage
from device_sim.peripheral import SimulatedMassager
from tests.desktop.helpers import answer_checkin, until
from tests.desktop.test_app import pair, screen_all_clear
from tests.desktop.test_close_and_return import relaunched


async def open_export_dialog(page: SchedulePage, qtbot: QtBot) -> QFileDialog:
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    await until(lambda: (d := open_dialog("calendar")) is not None and d.isVisible(), timeout=10)
    dialog = open_dialog("calendar")
    assert dialog is not None
    return dialog


async def test_stop_works_while_a_save_dialog_is_open_and_its_folder_is_remembered(
    qtbot: QtBot, isolated_home: Path, tmp_path: Path
) -> None:
    link = VirtualLink()
    device = SimulatedMassager(link)
    await device.start()
    qapp = QApplication.instance()
    assert isinstance(qapp, QApplication)
    settings_path = isolated_home / "settings.json"
    chosen = tmp_path / "my calendars"
    chosen.mkdir()
    (isolated_home / "home" / "Documents").mkdir(parents=True)
    try:
        settings = Settings(data_folder=str(isolated_home / "data"))
        app = await build(qapp, settings, settings_path, backends=on_link(link))
        try:
            app.window.resize(1024, 600)
            app.window.show()
            app.window.activateWindow()
            await until(app.window.isActiveWindow, timeout=10)
            await screen_all_clear(app, qtbot)
            await pair(app)
            app.window.show_page_of(SessionPage)
            session = app.window.page(SessionPage)
            assert isinstance(session, SessionPage)
            qtbot.mouseClick(session.start_button, Qt.MouseButton.LeftButton)
            await answer_checkin(session, qtbot)
            await until(lambda: device.model.state == p.State.RUNNING, timeout=10)

            app.window.show_page_of(SchedulePage)
            schedule = app.window.page(SchedulePage)
            assert isinstance(schedule, SchedulePage)
            dialog = await open_export_dialog(schedule, qtbot)
            assert Path(dialog.directory().absolutePath()) == documents()  # the first time
            # Esc, pressed where the person is (in the dialog): the massage stops.
            dialog.activateWindow()
            await until(dialog.isActiveWindow, timeout=10)
            qtbot.keyClick(QApplication.focusWidget() or dialog, Qt.Key.Key_Escape)
            await until(lambda: device.model.state == p.State.STOPPED, timeout=10)
            assert dialog.isVisible()  # the dialog is still there, the loop never waited
            name = dialog.findChild(QLineEdit, "fileNameEdit")  # typed, as a person would
            name.clear()
            qtbot.keyClicks(name, str(chosen / "mine"))
            qtbot.keyClick(name, Qt.Key.Key_Return)
            await until(lambda: (chosen / "mine.ics").exists(), timeout=10)  # ".ics" added
            await until(lambda: app.session.phase == Phase.ENDED, timeout=10)
            app.session.skip_rating()
        finally:
            await app.shutdown()
        assert load_settings(settings_path).folder_for("calendar") == chosen

        # Started again (same day, checked in): a massage, the dialog opens where the
        # calendar file went last time, and the Stop button, clicked, stops the massage.
        async with relaunched(isolated_home, link) as again:
            session = again.window.page(SessionPage)
            assert isinstance(session, SessionPage)
            await until(session.start_button.isEnabled, timeout=15)
            qtbot.mouseClick(session.start_button, Qt.MouseButton.LeftButton)
            await until(lambda: device.model.state == p.State.RUNNING, timeout=10)
            again.window.show_page_of(SchedulePage)
            schedule = again.window.page(SchedulePage)
            assert isinstance(schedule, SchedulePage)
            dialog = await open_export_dialog(schedule, qtbot)
            assert Path(dialog.directory().absolutePath()) == chosen
            stop = again.window.stop_button
            qtbot.mouseClick(stop, Qt.MouseButton.LeftButton, pos=stop.rect().center())
            await until(lambda: device.model.state == p.State.STOPPED, timeout=10)
            dialog.reject()
            await until(lambda: open_dialog("calendar") is None, timeout=10)
            assert not list(chosen.glob("*.ics"))[1:]  # nothing more was written
    finally:
        await device.stop()
