"""Settings, "Your data, your computer": restore or import with a preview and a verified
backup first, move the data folder, start with the computer (issue 14). Real logs in tmp."""

from __future__ import annotations

import datetime as dt
import json
import os
import plistlib
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from appcore.autostart import Autostart, windows_value
from appcore.context import AppContext
from data import backup, dump, entries
from data.entries import Entry
from data.models import Rating
from data.ratings import add_checkin
from data.store import BACKUP_DIR, open_store
from desktop.__main__ import parse_args
from desktop.data_tools_view import DataToolsBox
from tests.appcore.conftest import CLEAR_ANSWERS
from tests.waiting import until as wait_for  # the one polling helper

NOW = dt.datetime(2026, 11, 26, 9, 0).astimezone()


@pytest.fixture
def now() -> Callable[[], dt.datetime]:
    return lambda: NOW  # ctx (tests/desktop/conftest.py) reads this clock


def export_of_another_log(tmp_path: Path) -> Path:
    """A Thenar export from another computer: 3 ratings and a screening."""
    with open_store(tmp_path / "elsewhere", now=NOW) as other:
        for d in range(3):
            add_checkin(other.db, Rating(NOW - dt.timedelta(days=d), 7, 6))
        other.db.execute(
            "INSERT INTO screenings (taken_at, taken_utc, rules_version, answers, caps, blocks) "
            "VALUES (?, 0, 'r', ?, '{}', '[]')",
            [NOW.isoformat(), json.dumps(CLEAR_ANSWERS)],
        )
        other.db.conn.commit()
        path = tmp_path / "from-old-laptop.json"
        path.write_text(dump.export_json(other.db), encoding="utf-8")
    return path


def box_for(qtbot: QtBot, ctx: AppContext, tmp_path: Path, **kw: object) -> DataToolsBox:
    autostart = Autostart(
        platform="linux",
        home=tmp_path / "home",
        environ={"XDG_CONFIG_HOME": str(tmp_path / "config")},
        cmd=["/opt/thenar/thenar", "--in-tray"],
    )
    box = DataToolsBox(ctx, autostart=autostart, **kw)  # type: ignore[arg-type]
    qtbot.addWidget(box)
    box.show()
    return box


async def test_importing_an_export_previews_backs_up_and_replaces(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    for d in range(5):
        await ctx.db.run(add_checkin, Rating(NOW - dt.timedelta(days=d), 2, 2))
    await ctx.tracking.add_entry(Entry(at=NOW, note="mine"))
    export = export_of_another_log(tmp_path)
    box = box_for(qtbot, ctx, tmp_path, ask_file=lambda: export)
    assert not box.replace_button.isVisible()
    qtbot.mouseClick(box.choose_file, Qt.MouseButton.LeftButton)
    await wait_for(box.replace_button.isVisible)
    words = box.preview_text.text()
    assert "Your log now: 0 sessions, 5 ratings, 1 daily entries" in words
    assert (
        "from-old-laptop.json holds: 0 sessions, 3 ratings, 0 daily entries, 1 screenings" in words
    )
    assert "verified backup" in words
    assert len(await ctx.db.run(entries.list_entries)) == 1  # nothing changed yet
    assert ctx.safety.state.base is None

    running = [True]
    box.busy = lambda: running[0]
    qtbot.mouseClick(box.replace_button, Qt.MouseButton.LeftButton)
    await wait_for(lambda: box.message.text().startswith("A massage is running"))
    assert len(await ctx.db.run(entries.list_entries)) == 1  # never under a running session
    running[0] = False
    qtbot.mouseClick(box.replace_button, Qt.MouseButton.LeftButton)
    await wait_for(lambda: box.message.text().startswith("Done"))
    assert await ctx.db.run(entries.list_entries) == []
    ratings = await ctx.db.run(lambda db: db.execute("SELECT pain FROM ratings").fetchall())
    assert ratings == [(7,), (7,), (7,)]
    assert ctx.safety.state.base is not None  # the owners read the new log
    (made,) = [
        b for b in backup.list_backups(ctx.db.folder / BACKUP_DIR) if b.reason == "before-restore"
    ]
    assert made.path.name in box.message.text()
    with open_store(tmp_path / "check", now=NOW) as probe:  # the earlier log, whole, in it
        probe.db.execute("ATTACH DATABASE ? AS kept", [str(made.path)])
        assert probe.db.execute("SELECT COUNT(*) FROM kept.ratings").fetchone()[0] == 5
        assert probe.db.execute("SELECT note FROM kept.entries").fetchall() == [("mine",)]
    assert list((ctx.db.folder / "restore-work").glob("*")) == []


async def test_a_bad_file_or_cancel_changes_nothing(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    await ctx.db.run(add_checkin, Rating(NOW, 2, 2))
    bad = tmp_path / "notes.json"
    bad.write_text('{"hello": 1}', encoding="utf-8")
    chosen = [bad]
    box = box_for(qtbot, ctx, tmp_path, ask_file=lambda: chosen[0])
    qtbot.mouseClick(box.choose_file, Qt.MouseButton.LeftButton)
    await wait_for(lambda: "has not been changed" in box.message.text())
    assert box.message.text().startswith("Not a Thenar JSON backup.")
    assert not box.replace_button.isVisible()
    chosen[0] = export_of_another_log(tmp_path)
    qtbot.mouseClick(box.choose_file, Qt.MouseButton.LeftButton)
    await wait_for(box.cancel_button.isVisible)
    qtbot.mouseClick(box.cancel_button, Qt.MouseButton.LeftButton)
    await wait_for(lambda: box.message.text() == "Nothing was changed.")
    count = await ctx.db.run(lambda db: db.execute("SELECT COUNT(*) FROM ratings").fetchone()[0])
    assert count == 1
    assert list((ctx.db.folder / "restore-work").glob("*")) == []


async def test_restoring_one_of_the_logs_own_backups(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    await ctx.db.run(add_checkin, Rating(NOW, 2, 2))
    await ctx.db.run(
        lambda db: backup.make_backup(db.conn, ctx.db.folder / BACKUP_DIR, now=NOW, reason="daily")
    )
    await ctx.db.run(add_checkin, Rating(NOW, 9, 9))  # since the backup
    box = box_for(qtbot, ctx, tmp_path)
    await wait_for(lambda: box.backup_choice.count() >= 1)  # listed off the loop
    qtbot.mouseClick(box.check_backup, Qt.MouseButton.LeftButton)
    await wait_for(box.replace_button.isVisible)
    assert "Your log now: 0 sessions, 2 ratings" in box.preview_text.text()
    qtbot.mouseClick(box.replace_button, Qt.MouseButton.LeftButton)
    await wait_for(lambda: box.message.text().startswith("Done"))
    pains = await ctx.db.run(lambda db: db.execute("SELECT pain FROM ratings").fetchall())
    assert pains == [(2,)]


async def test_moving_the_data_folder(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    await ctx.db.run(add_checkin, Rating(NOW, 4, 4))
    await ctx.db.run(
        lambda db: backup.make_backup(db.conn, ctx.db.folder / BACKUP_DIR, now=NOW, reason="daily")
    )
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "something.txt").write_text("x")
    targets = [busy, tmp_path / "new home" / "Thenar"]
    box = box_for(qtbot, ctx, tmp_path, ask_folder=lambda: targets.pop(0))
    quits: list[bool] = []
    box.quit_requested.connect(lambda: quits.append(True))
    qtbot.mouseClick(box.move_button, Qt.MouseButton.LeftButton)
    await wait_for(lambda: "not empty" in box.message.text())
    assert ctx.settings.data_folder is None
    assert quits == []
    qtbot.mouseClick(box.move_button, Qt.MouseButton.LeftButton)
    await wait_for(lambda: quits == [True])
    new = tmp_path / "new home" / "Thenar"
    assert ctx.settings.data_folder == str(new)
    assert "Thenar closes now" in box.message.text()
    assert stat.S_IMODE(os.stat(new / "thenar.db").st_mode) == 0o600
    assert backup.integrity_ok(new / "thenar.db")
    assert [b.path.name for b in backup.list_backups(new / BACKUP_DIR)] == [
        b.path.name for b in backup.list_backups(ctx.db.folder / BACKUP_DIR)
    ]
    assert (ctx.db.folder / "thenar.db").exists()  # the old folder is left as it was
    with open_store(new, now=NOW) as moved:
        assert moved.db.execute("SELECT pain FROM ratings").fetchall() == [(4,)]


async def test_start_with_the_computer(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    box = box_for(qtbot, ctx, tmp_path)
    entry = tmp_path / "config" / "autostart" / "app.thenar.Thenar.desktop"
    assert not box.start_with_computer.isChecked()
    assert str(entry) in box.autostart_where.text().replace("\u200b", "")  # wraps after "/"
    box.start_with_computer.click()
    text = entry.read_text(encoding="utf-8")
    assert "Exec=/opt/thenar/thenar --in-tray\n" in text
    assert "X-GNOME-Autostart-enabled=true" in text
    assert stat.S_IMODE(os.stat(entry).st_mode) == 0o600
    assert box.message.text() == "Thenar will start in the tray when you log in."
    box.start_with_computer.click()
    assert not entry.exists()
    assert parse_args(["--in-tray"]).in_tray
    assert not parse_args([]).in_tray


def test_macos_and_windows_forms(tmp_path: Path) -> None:
    mac = Autostart(
        platform="darwin", home=tmp_path, cmd=["/Applications/Thenar.app/x", "--in-tray"]
    )
    mac.enable()
    assert mac.path == tmp_path / "Library" / "LaunchAgents" / "app.thenar.Thenar.plist"
    plist = plistlib.loads(mac.path.read_bytes())
    assert plist["ProgramArguments"] == ["/Applications/Thenar.app/x", "--in-tray"]
    assert plist["RunAtLoad"] is True
    assert mac.enabled()
    mac.disable()
    assert not mac.enabled()
    value = windows_value([r"C:\Program Files\Thenar\thenar.exe", "--in-tray"])
    assert value == r'"C:\Program Files\Thenar\thenar.exe" --in-tray'
    windows = Autostart(platform="win32", home=tmp_path)
    assert windows.path is None
    assert "CurrentVersion\\Run" in windows.describe()
