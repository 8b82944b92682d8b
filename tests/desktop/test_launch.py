"""What `make run` says on a Linux machine that cannot show Qt's window."""

from __future__ import annotations

import ctypes.util
import hashlib
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from appcore.settings import Settings
from data import schema
from data.store import DB_NAME, open_store
from desktop import __main__ as launcher
from desktop.app import STARTUP_FAILED_EXIT, run
from desktop.main_window import MainWindow
from desktop.shell import open_window


def python_c(
    script: str, *args: str, env: dict[str, str] | None, timeout: int
) -> subprocess.CompletedProcess[str]:
    """`script` run by a fresh Python (`python -c`), its output captured as text."""
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


@pytest.fixture(autouse=True)
def on_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)


def test_no_display_suggests_the_terminal_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    problem = launcher.display_problem()
    assert problem is not None
    assert "make demo" in problem


def test_missing_xcb_libraries_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(launcher, "loader_cache", lambda: None)  # no ldconfig: find_library
    monkeypatch.setattr(
        ctypes.util, "find_library", lambda name: None if "cursor" in name else name
    )
    problem = launcher.display_problem()
    assert problem is not None
    assert "sudo apt-get install libxcb-cursor0" in problem
    assert problem.rstrip().endswith("Missing: libxcb-cursor")


def test_all_present_means_no_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: name)
    assert launcher.display_problem() is None


def test_the_loader_cache_is_read_once_and_find_library_asked_only_for_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One `ldconfig -p` answers for every library it lists; one it does not list is still
    looked for (LD_LIBRARY_PATH) before it is called missing."""
    monkeypatch.setenv("DISPLAY", ":0")
    cache = {"libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxkbcommon-x11.so.0"}
    monkeypatch.setattr(launcher, "loader_cache", lambda: cache)
    asked: list[str] = []

    def find_library(name: str) -> str | None:
        asked.append(name)
        return None

    monkeypatch.setattr(ctypes.util, "find_library", find_library)
    problem = launcher.display_problem()
    assert asked == ["xcb-keysyms"]
    assert problem is not None
    assert problem.rstrip().endswith("Missing: libxcb-keysyms")


def test_the_loader_cache_lists_this_machines_libraries() -> None:
    """The real `ldconfig -p`, parsed: the C library itself is in it."""
    cache = launcher.loader_cache()
    if cache is None:
        pytest.skip("no /sbin/ldconfig here")
    assert any(name.startswith("libc.so") for name in cache)


# --- start-up refusals: a plain dialog before any window, then a clean exit (issue 12) ----


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_and_answer(
    folder: Path, settings_path: Path, shell: bool = False
) -> tuple[int, dict[str, object]]:
    """Run the app as `make run` does (`shell`: with the waiting window shown first, as
    `python -m desktop` does); when its start-up dialog is up, read it and close it."""
    seen: dict[str, object] = {}
    poll = QTimer()

    def look() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and box.objectName() == "startup-failure":
            seen["title"] = box.text()
            seen["text"] = box.informativeText()
            seen["windows"] = [
                w
                for w in QApplication.topLevelWidgets()
                if isinstance(w, MainWindow) and w.isVisible()
            ]
            poll.stop()
            box.done(QMessageBox.StandardButton.Close)

    poll.timeout.connect(look)
    settings = Settings(data_folder=str(folder))
    shown = None
    if shell:
        qapp = QApplication.instance()
        assert isinstance(qapp, QApplication)
        shown = open_window(qapp, settings)
        assert shown.isVisible()
    poll.start(10)
    try:
        code = run(settings, settings_path, shown=shown)
    finally:
        poll.stop()
    return code, seen


@pytest.fixture
def app_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """run() installs the app's error hooks: give the test process its own back afterwards."""
    QApplication.instance() or QApplication([])
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)


@pytest.mark.usefixtures("app_process")
@pytest.mark.parametrize("shell", [False, True], ids=["no-window", "window-shown-first"])
def test_a_newer_log_is_explained_in_a_dialog_instead_of_the_window(
    tmp_path: Path, shell: bool
) -> None:
    folder = tmp_path / "data"
    with open_store(folder):
        pass
    conn = sqlite3.connect(folder / DB_NAME)
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    conn.close()
    before = _sha(folder / DB_NAME)
    code, seen = run_and_answer(folder, tmp_path / "settings.json", shell)
    assert code == STARTUP_FAILED_EXIT
    assert seen["title"] == "Thenar could not open your health log"
    text = str(seen["text"])
    assert "written by a newer version of Thenar" in text  # what happened
    assert "has not been changed" in text  # what is safe
    assert "Update Thenar" in text  # what to do
    assert str(folder) in text
    assert seen["windows"] == []  # the dialog instead of the window (gone if it was shown)
    assert _sha(folder / DB_NAME) == before
    assert not [t for t in threading.enumerate() if t.name.startswith("thenar-db")]


@pytest.fixture
def read_only() -> Iterator[Callable[[Path], None]]:
    """Make a folder read-only for real: its mode for a user, a read-only bind mount for root
    (whom modes do not stop)."""
    mounted: list[Path] = []
    loosen: list[Path] = []

    def make(folder: Path) -> None:
        if os.name != "posix":
            pytest.skip("POSIX folders")
        if os.geteuid() != 0:
            folder.chmod(0o500)
            loosen.append(folder)
            return
        for args in (["--bind", str(folder), str(folder)], ["-o", "remount,ro,bind", str(folder)]):
            done = subprocess.run(["mount", *args], capture_output=True, check=False)
            if done.returncode != 0:
                pytest.skip(f"cannot make a read-only mount here: {done.stderr.decode()}")
            if args[0] == "--bind":
                mounted.append(folder)

    yield make
    for folder in mounted:
        subprocess.run(["umount", str(folder)], check=True)
    for folder in loosen:
        folder.chmod(0o700)


@pytest.mark.usefixtures("app_process")
def test_a_read_only_data_folder_is_explained_in_a_dialog(
    tmp_path: Path, read_only: Callable[[Path], None]
) -> None:
    folder = tmp_path / "data"
    with open_store(folder):
        pass
    read_only(folder)
    code, seen = run_and_answer(folder, tmp_path / "settings.json")
    assert code == STARTUP_FAILED_EXIT
    text = str(seen["text"])
    assert "read-only" in text
    assert "OSError" not in text
    assert "Errno" not in text
    assert seen["windows"] == []


def test_main_makes_everything_it_creates_private() -> None:
    """The process umask the app runs under (Bumble's pairing keys are written under it)."""
    old = os.umask(0o022)
    try:
        with pytest.raises(SystemExit):
            launcher.main(["--help"])
        assert os.umask(0o022) == 0o077
    finally:
        os.umask(old)


FIRST_WINDOW = """
import desktop.__main__ as launcher  # in the order of `python -m desktop`: desktop and the
import sys  # launcher, Qt, the waiting window (painted), then asyncio, the app and the log
from pathlib import Path
launcher.before_qt()
import os
from dataclasses import replace
from PySide6.QtWidgets import QApplication
from desktop.shell import open_window
from appcore.settings import Settings

qapp = QApplication([])
home = Path(sys.argv[1])
settings = Settings(data_folder=str(home / "data"))
if os.environ.get("THENAR_TEST_PINNED"):  # a returning person's: a massager paired
    settings = replace(settings, pinned_address="AA:BB:CC:DD:EE:FF", pinned_name="Thenar")

def loaded(name):
    module, _, attr = name.rpartition(".")
    if module.startswith("PySide6.") and attr.startswith("Q"):  # built when first used
        return attr in vars(sys.modules[module])
    return name in sys.modules

shown = open_window(qapp, settings)
assert shown.waiting and shown.isVisible()
names = list(sys.modules)  # in the order they were first imported
qt_free = ("appcore", "data", "therapy", "ble", "drivers", "massage", "student_t",
           "sqlite_utils", "asyncio", "qasync", "ssl")
print("window:", [m for m in names[names.index("PySide6"):] if m.split(".")[0] in qt_free])
not_yet = ["asyncio", "qasync", "ssl", "sqlite3", "sqlite_utils", "appcore.context",
           "appcore.safety", "data.store", "data.models", "desktop.app", "desktop.welcome_view",
           "desktop.session_view", "desktop.tasks", "desktop.widgets", "therapy",
           "PySide6.QtCore.Qt"]  # the Qt namespace's Python enums: ~20 ms
print("window:", [m for m in sys.argv[2:] + not_yet if loaded(m)])

import desktop
desktop.import_asyncio()
import asyncio
import qasync
from desktop.app import build

async def main():
    app = await build(qapp, settings, home / "settings.json", tray=False, shown=shown)
    assert app.window is shown and not shown.waiting
    print(type(app.window.stack.currentWidget()).__name__)
    print([m for m in sys.argv[2:] if loaded(m)])
    await app.shutdown()

with asyncio.Runner(loop_factory=lambda: qasync.QEventLoop(qapp)) as runner:
    runner.run(main())
"""


SCREENED = """
import asyncio, sys
from pathlib import Path
from appcore.context import AppContext
from appcore.db_worker import DbWorker
from appcore.settings import Settings
from therapy import SCREENING_QUESTIONS

async def save(home):
    folder = home / "data"
    db = DbWorker(folder)
    await db.open()
    try:
        ctx = AppContext(Settings(data_folder=str(folder)), home / "settings.json", db)
        await ctx.safety.load()
        answers = {q.question_id: q.options[0].option_id for q in SCREENING_QUESTIONS}
        answers["report_discomfort"] = "yes"
        await ctx.safety.save_screening(answers)
    finally:
        await db.close()

asyncio.run(save(Path(sys.argv[1])))
"""


@pytest.mark.parametrize("returning", [False, True], ids=["home", "returning-massage"])
def test_the_first_window_loads_no_page_it_does_not_show(tmp_path: Path, returning: bool) -> None:
    """The window paints first, with Qt, the settings and the page buttons only: no log,
    no domain, no asyncio. Then start-up builds and imports what the first page needs
    (Home; Massage for a returning person, screened with a massager paired); the other
    pages, the tray, the exporters, the calendar library and the Bluetooth stack (bleak,
    Bumble, the drivers) load when first used; OpenSSL not at all. Nor are the Qt classes
    the page does not use built (PySide6 builds a class, and its enums, when first used)."""
    page_later = (
        [
            "desktop.welcome_view",  # Home is not built
            "desktop.checkin_dialog",
        ]
        if returning
        else [
            "desktop.session_view",
            "desktop.dialogs",
            "desktop.controls",
            "PySide6.QtWidgets.QListWidget",
            "PySide6.QtWidgets.QSpinBox",
            "PySide6.QtWidgets.QDateEdit",
            "PySide6.QtWidgets.QCheckBox",
            "PySide6.QtGui.QTextDocument",  # widgets.descendant_widgets, not findChildren
        ]
    )
    later = [
        *page_later,
        "desktop.progress_view",
        "desktop.charts",
        "desktop.schedule_view",
        "desktop.trial_view",
        "desktop.settings_view",
        "desktop.by_hand_view",
        "desktop.device_view",
        "desktop.tray",
        "desktop.entry_list",  # Home's two entry buttons load the form and the list on click
        "desktop.entry_dialog",
        "desktop.hand_map",
        "desktop.locale_words",
        "appcore.entry_words",
        "html.entities",  # welcome_view escapes its own text (html imports the entity table)
        "PySide6.QtWidgets.QStyle",  # ~16 ms of enums (the wrapping check box paints with it)
        "PySide6.QtWidgets.QStylePainter",
        "appcore.exports",
        "appcore.reminders",
        "icalendar",
        "data.fhir",
        "data.ics",
        "data.export",
        "data.session_changes",  # what a session changed: for the exports and the report
        "bleak",
        "bumble",
        "ble.client",
        "ble.backends",
        "drivers.registry",
        "drivers.thenar",
        "drivers.aa55",
        "drivers.capture",
        "device_sim.process",
        "appcore.device_words",
        "ssl",  # asyncio is imported without TLS (desktop/__init__.py): no network
        "_ssl",
    ]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[var] = str(tmp_path / var.lower())
    if returning:
        env["THENAR_TEST_PINNED"] = "1"
        screened = python_c(SCREENED, str(tmp_path), env=env, timeout=120)
        assert screened.returncode == 0, screened.stderr[-3000:]
    out = python_c(FIRST_WINDOW, str(tmp_path), *later, env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    lines = out.stdout.strip().splitlines()
    # PySide6 reads the source of every module imported after it, which would delay the
    # window: what it needs of Thenar's Qt-free modules comes before (BEFORE_QT).
    assert lines[0] == "window: []", out.stdout
    assert lines[1] == "window: []", out.stdout  # nothing of the log or the pages yet
    assert lines[-1] == "[]", out.stdout
    assert lines[-2] == ("SessionPage" if returning else "HomePage"), out.stdout


TLS_LATER = """
import sys
import desktop
assert "asyncio" not in sys.modules, "importing desktop imported asyncio"
desktop.import_asyncio()
import asyncio.base_events
assert "ssl" not in sys.modules, "asyncio loaded OpenSSL"
assert asyncio.base_events.ssl is None
import ssl
ssl.create_default_context()
print("tls-later-ok")
"""


def test_asyncio_is_imported_without_tls_and_tls_still_loads_when_asked() -> None:
    """`desktop.import_asyncio` hides `ssl` from asyncio only while asyncio is imported
    (about 4 MB of the first window, issue 13); a later `import ssl` gets the real module."""
    out = python_c(TLS_LATER, env=None, timeout=60)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip() == "tls-later-ok"


LAUNCH_ORDER = """
import os, sys
from desktop import shell
opened = shell.open_window

def open_window(qapp, settings):  # what `python -m desktop` has loaded when its window painted
    window = opened(qapp, settings)
    print("painted", window.isVisible() and window.waiting)
    print([m for m in ("asyncio", "sqlite3", "appcore.context", "desktop.app") if m in sys.modules])
    sys.stdout.flush()
    os._exit(0)

shell.open_window = open_window
import desktop.__main__ as launcher
home = sys.argv[1]
launcher.main(["--data-dir", home + "/data", "--settings", home + "/settings.json"])
"""


def test_python_m_desktop_paints_its_window_before_it_opens_the_log(tmp_path: Path) -> None:
    """The launcher's own order: the window has painted before asyncio, SQLite, the app or
    the log are loaded (they are about two thirds of a start)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    for var in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR"):
        env[var] = str(tmp_path / var.lower())
        (tmp_path / var.lower()).mkdir(mode=0o700)
    out = python_c(LAUNCH_ORDER, str(tmp_path), env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.splitlines() == ["painted True", "[]"], out.stdout
    assert not (tmp_path / "data").exists()  # the log is not even looked for yet
