"""Issue 15 on the Device page: both device families in range, through the real window.

Before any session the page says plainly what the picked massager protects by itself
and what it lacks; a device Thenar cannot run sessions on is listed apart, and a
capture of it is saved with nothing written to it (the simulators count writes).
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from appcore.settings import Settings
from ble.backends import on_link
from ble.bumble_bleak.radio import VirtualLink
from desktop.app import build
from desktop.device_view import DevicePage
from device_sim.aa55_peripheral import SimulatedAa55
from device_sim.peripheral import SimulatedMassager
from tests.desktop.helpers import shot, until


async def test_the_page_names_missing_protections_and_captures_without_writing(
    qtbot: QtBot, isolated_home: Path, screenshot_dir: Path
) -> None:
    link = VirtualLink()
    async with SimulatedMassager(link) as thenar, SimulatedAa55(link) as palma:
        qapp = QApplication.instance()
        assert isinstance(qapp, QApplication)
        settings = Settings(data_folder=str(isolated_home / "data"))
        app = await build(qapp, settings, isolated_home / "s.json", backends=on_link(link))
        try:
            app.window.resize(1024, 760)
            app.window.show()
            app.window.show_page_of(DevicePage)
            page = app.window.page(DevicePage)
            assert isinstance(page, DevicePage)
            found = await page.scan()
            assert [m.address for m in found] == [thenar.identity.address]
            page.found.setCurrentRow(0)
            assert "keeps to your limits by itself" in page.protections.text()
            assert page.others.isVisible()
            assert page.others.count() == 1
            assert "Palma P5" in page.others.item(0).text()
            assert "cannot run sessions on it yet" in page.others.item(0).text()
            page.others.setCurrentRow(0)
            words = page.protections.text()
            assert "lacks some protections" in words
            assert "keeps running if the connection drops" in words
            assert "buttons on the massager can go higher" in words
            await shot(app.window, screenshot_dir, "device_other_family")
            assert page.capture_button.isEnabled()
            qtbot.mouseClick(page.capture_button, Qt.MouseButton.LeftButton)
            await until(lambda: "Saved to" in page.message.text(), timeout=15)
            (path,) = (isolated_home / "data" / "captures").glob("capture-*.json")
            dump = json.loads(path.read_text(encoding="utf-8"))
            assert dump["advertisement"]["local_name"] == "Palma P5"
            assert palma.writes == 0  # nothing written to the captured device
            assert thenar.writes == 0  # nor to the massager nobody connected to
        finally:
            if not app.quit_event.is_set():
                await app.shutdown()
