"""Ctrl+plus, Ctrl+minus and Ctrl+0 change the text size (issue 13), on the real app.

Each press is saved at once (a restart keeps it; the next press counts from it). The
window restyles once the keys rest: restyling every built page takes up to a second of
the event loop at 200 % text, and a burst of presses restyling once per press held the
loop long enough for a running massager to miss its heartbeat and stop.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from appcore.settings import Settings
from desktop import app as app_module
from desktop.theme import BASE_POINT_SIZE, TEXT_STEPS
from tests.waiting import until


async def test_a_burst_of_text_keys_restyles_once_at_the_size_asked(
    qtbot: QtBot, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    restyles: list[float] = []
    apply = app_module.apply_theme

    def counted(qapp: QApplication, scale: float, high_contrast: bool) -> None:
        restyles.append(scale)
        apply(qapp, scale, high_contrast)

    monkeypatch.setattr(app_module, "apply_theme", counted)
    qapp = QApplication.instance()
    assert isinstance(qapp, QApplication)
    settings_path = isolated_home / "settings.json"
    app = await app_module.build(
        qapp, Settings(data_folder=str(isolated_home / "data")), settings_path, tray=False
    )
    try:
        app.window.show()
        app.window.activateWindow()
        await until(app.window.isActiveWindow)
        restyles.clear()  # the one at start-up
        start = app.ctx.settings.text_scale
        assert start == TEXT_STEPS[1]

        def press(key: Qt.Key) -> None:
            qtbot.keyClick(app.window, key, Qt.KeyboardModifier.ControlModifier)

        for _ in range(3):
            press(Qt.Key.Key_Plus)
        largest = TEXT_STEPS[-1]
        assert app.ctx.settings.text_scale == largest  # each press counted, and saved
        saved: dict[str, Any] = json.loads(settings_path.read_text())
        assert saved["text_scale"] == largest
        assert restyles == []  # not yet: the keys have not rested
        await until(lambda: restyles == [largest])
        assert qapp.font().pointSizeF() == pytest.approx(BASE_POINT_SIZE * largest)

        press(Qt.Key.Key_Minus)
        press(Qt.Key.Key_0)  # back to the default size
        assert app.ctx.settings.text_scale == start
        await until(lambda: len(restyles) == 2)
        assert restyles[-1] == start
        assert qapp.font().pointSizeF() == pytest.approx(BASE_POINT_SIZE * start)
    finally:
        await app.shutdown()
