"""Issue 11, item 4: the first pairing never guesses between look-alikes.

The genuine massager and a look-alike (same name, same service) on one virtual
radio, in either order; the app's own window. Nothing is written to either until
the person picks one, and then only to the one picked.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from appcore.massager import LinkState
from appcore.settings import Settings
from ble.backends import on_link
from ble.bumble_bleak.radio import VirtualLink
from desktop.app import Thenar, build
from desktop.device_view import DevicePage
from device_sim.peripheral import DeviceIdentity, SimulatedMassager
from tests.desktop.helpers import shot
from tests.waiting import until

LOOK_ALIKE = DeviceIdentity(address="F0:7E:4A:00:00:99", serial_number="SIM-0099")


def untouched(sim: SimulatedMassager) -> None:
    assert sim.model.commands_handled == 0
    assert sim.model.controller is None
    assert sim.connections == []


@asynccontextmanager
async def two_massagers(
    home: Path, look_alike_first: bool
) -> AsyncIterator[tuple[Thenar, SimulatedMassager, SimulatedMassager]]:
    link = VirtualLink()
    genuine = SimulatedMassager(link)
    twin = SimulatedMassager(link, LOOK_ALIKE)
    order = (twin, genuine) if look_alike_first else (genuine, twin)
    for sim in order:
        await sim.start()
    qapp = QApplication.instance()
    assert isinstance(qapp, QApplication)
    settings = Settings(data_folder=str(home / "data"))
    app = await build(qapp, settings, home / "s.json", backends=on_link(link))
    try:
        app.window.resize(1024, 600)
        app.window.show()
        yield app, genuine, twin
    finally:
        if not app.quit_event.is_set():
            await app.shutdown()
        for sim in order:
            await sim.stop()


@pytest.mark.parametrize("look_alike_first", [True, False], ids=["look-alike first", "last"])
async def test_two_in_range_the_person_chooses(
    qtbot: QtBot, isolated_home: Path, screenshot_dir: Path, look_alike_first: bool
) -> None:
    async with two_massagers(isolated_home, look_alike_first) as (app, genuine, twin):
        app.window.show_page_of(DevicePage)
        page = app.window.page(DevicePage)
        assert isinstance(page, DevicePage)
        found = await page.scan()
        assert {m.address for m in found} == {genuine.identity.address, twin.identity.address}
        assert page.found.currentItem() is None  # nothing preselected
        assert not page.connect_button.isEnabled()
        assert "2 massagers are in range" in page.message.text()
        rows = [page.found.item(i).text() for i in range(page.found.count())]
        assert len(set(rows)) == 2  # the rows tell them apart
        assert all(m.address in " ".join(rows) for m in found)
        await shot(app.window, screenshot_dir, "device_two_in_range")
        untouched(genuine)
        untouched(twin)

        pick = next(i for i in range(page.found.count()) if genuine.identity.address in rows[i])
        page.found.setCurrentRow(pick)
        assert page.connect_button.text() == "Pair and connect"
        qtbot.mouseClick(page.connect_button, Qt.MouseButton.LeftButton)
        await until(lambda: app.massager.state == LinkState.CONNECTED, timeout=10)
        assert genuine.model.controller is not None
        untouched(twin)  # zero writes to the look-alike: the person did not pick it
        assert app.ctx.settings.pinned_address == genuine.identity.address
        await app.massager.audit_written()
        await page.load_history()
        lines = [page.history.item(i).text() for i in range(page.history.count())]
        assert any("Connected" in line for line in lines), lines
        assert any("Safety limits written" in line and "read back" in line for line in lines)
        await shot(app.window, screenshot_dir, "device_connected_history")


async def test_a_look_alike_alone_is_offered_but_never_used_once_paired(
    qtbot: QtBot, isolated_home: Path
) -> None:
    async with two_massagers(isolated_home, look_alike_first=True) as (app, genuine, twin):
        app.ctx.update_settings(pinned_address=genuine.identity.address, pinned_name="Thenar")
        await genuine.stop_advertising()  # only the look-alike is on the air
        page = app.window.page(DevicePage)
        assert isinstance(page, DevicePage)
        found = await page.scan()
        assert [m.address for m in found] == [twin.identity.address]
        assert page.found.currentItem() is None
        assert "not your massager" in page.found.item(0).text()
        assert not page.found.item(0).flags() & Qt.ItemFlag.ItemIsEnabled
        untouched(twin)
