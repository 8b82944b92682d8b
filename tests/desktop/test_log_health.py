"""The app and its log's health (issue 12): what the person is told in the window, and
that every file and folder Thenar makes is private (0600/0700), pairing keys and
rotated diagnostic logs included."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from appcore import logs
from appcore.events import RatingsChanged, SessionsChanged
from appcore.settings import Settings
from ble.backends import on_link
from ble.bumble_bleak.radio import VirtualLink
from data import backup
from data.files import private_umask
from data.store import DB_NAME, REPAIRED, open_store
from desktop.app import build
from device_sim.peripheral import SimulatedMassager
from tests.data.helpers import T0
from tests.data.test_data_recovery import DAYS, IN_NEWEST_BACKUP, build_history, lose_index_rows

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def modes(top: Path) -> dict[str, int]:
    return {str(p.relative_to(top)): stat.S_IMODE(p.stat().st_mode) for p in top.rglob("*")}


def not_private(top: Path) -> dict[str, str]:
    """Everything under `top` that is not 0600 (files) or 0700 (folders)."""
    wrong = {}
    for name, mode in modes(top).items():
        want = 0o700 if (top / name).is_dir() else 0o600
        if mode != want:
            wrong[name] = oct(mode)
    return wrong


@pytest.fixture
def app_umask() -> Iterator[None]:
    """The umask `thenar` runs under (desktop.__main__.main sets it first thing)."""
    old = private_umask()
    yield
    os.umask(old)


@posix_only
@pytest.mark.usefixtures("app_umask")
async def test_everything_is_private_after_pairing_and_a_backup(isolated_home: Path) -> None:
    data = isolated_home / "xdg_data_home" / "Thenar"
    link = VirtualLink()
    device = SimulatedMassager(link)
    await device.start()
    qapp = QApplication.instance()
    assert isinstance(qapp, QApplication)
    settings_path = isolated_home / "xdg_config_home" / "Thenar" / "settings.json"
    app = await build(qapp, Settings(data_folder=str(data)), settings_path, backends=on_link(link))
    try:
        await app.verify_log()  # today's backup
        found = await app.massager.scan()
        await app.massager.connect(found[0].address, found[0].name, pair=True)
        app.ctx.update_settings(text_scale=1.25)
    finally:
        await app.shutdown()
        await device.stop()
    assert (data / "bonds.json").exists()  # the pairing keys
    assert backup.list_backups(data / "backups")
    assert (settings_path).exists()
    assert not_private(isolated_home) == {}


@posix_only
def test_rotated_diagnostic_logs_and_their_folders_are_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Explicit modes, not the umask: checked under the usual 022."""
    monkeypatch.setattr(logs, "MAX_BYTES", 300)
    old = os.umask(0o022)
    folder = tmp_path / "state" / "Thenar" / "log"
    root = logging.getLogger()
    level = root.level
    try:
        path = logs.setup_logging(folder)
        assert path is not None
        for i in range(60):
            logging.getLogger("appcore.test").info("connection attempt %d", i)
    finally:
        os.umask(old)
        for handler in [h for h in root.handlers if isinstance(h, logs.PrivateRotatingFileHandler)]:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(level)
    names = {p.name for p in folder.iterdir()}
    assert names == {"thenar.log", "thenar.log.1", "thenar.log.2", "thenar.log.3"}
    assert not_private(tmp_path / "state") == {}


@posix_only
def test_an_older_thenars_loose_files_are_tightened(tmp_path: Path) -> None:
    folder = tmp_path / "Thenar" / "log"
    folder.mkdir(parents=True, mode=0o755)
    (tmp_path / "Thenar").chmod(0o755)
    (folder / "thenar.log.1").write_text("old")
    (folder / "thenar.log.1").chmod(0o644)
    root = logging.getLogger()
    try:
        assert logs.setup_logging(folder) is not None
    finally:
        for handler in [h for h in root.handlers if isinstance(h, logs.PrivateRotatingFileHandler)]:
            root.removeHandler(handler)
            handler.close()
    assert not_private(tmp_path / "Thenar") == {}


def test_a_diagnostic_log_that_cannot_be_written_does_not_stop_thenar(tmp_path: Path) -> None:
    blocker = tmp_path / "state"
    blocker.write_text("a file where the folder should be")
    assert logs.setup_logging(blocker / "Thenar" / "log") is None


async def test_index_damage_found_after_the_window_is_up_is_repaired_and_said(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    build_history(data)
    lose_index_rows(data / DB_NAME, 5)
    qapp = QApplication.instance()
    assert isinstance(qapp, QApplication)
    app = await build(qapp, Settings(data_folder=str(data)), tmp_path / "settings.json")
    reloaded: list[object] = []
    app.ctx.log.sessions.subscribe(reloaded.append)
    app.ctx.log.ratings.subscribe(reloaded.append)
    try:
        assert app.notices_box is None  # opening did not wait for the full check
        await app.verify_log()
        assert app.verified_box is not None
        assert app.verified_box.text() == REPAIRED
        # the pages read the log again
        assert {type(e) for e in reloaded} == {SessionsChanged, RatingsChanged}
    finally:
        await app.shutdown()


async def test_an_empty_log_is_restored_and_the_window_says_so(tmp_path: Path) -> None:
    data = tmp_path / "data"
    build_history(data)
    (data / DB_NAME).write_bytes(b"")
    qapp = QApplication.instance()
    assert isinstance(qapp, QApplication)
    app = await build(qapp, Settings(data_folder=str(data)), tmp_path / "settings.json")
    try:
        assert app.notices_box is not None
        text = app.notices_box.text()
        assert "was empty" in text
        assert "was restored" in text
        count = await app.ctx.db.run(
            lambda db: db.execute("SELECT COUNT(*) FROM ratings").fetchone()[0]
        )
        assert count == IN_NEWEST_BACKUP * 5 // 7  # the ratings the newest backup held
    finally:
        await app.shutdown()
    with open_store(data, now=T0 + timedelta(days=DAYS + 1)) as store:
        assert store.notices == []  # and the next start is an ordinary one
