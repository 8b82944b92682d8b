"""GUI tests run on the real Qt event loop (qasync), offscreen, as the app does."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path

import pytest
import qasync
from PySide6.QtWidgets import QApplication

from appcore.context import AppContext
from desktop.gc_guard import GuiThreadCollector
from tests.desktop.helpers import app_context

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def qt_event_loop() -> asyncio.AbstractEventLoop:
    """Each async GUI test gets a qasync loop over the one QApplication."""
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    return qasync.QEventLoop(app)


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]] | None:
    if Path(str(item.path)).parent == Path(__file__).parent:
        return {"qt": qt_event_loop}
    return None


@pytest.fixture(autouse=True)
def collect_on_gui_thread() -> Iterator[None]:
    """As in the app: no garbage collection on the DB thread (see desktop/gc_guard.py)."""
    QApplication.instance() or QApplication([])
    guard = GuiThreadCollector()
    yield
    guard.stop()


@pytest.fixture
def screenshot_dir() -> Path:
    """Where GUI tests leave screenshots for people to look at (`make screenshots`)."""
    folder = Path(os.environ.get("THENAR_SCREENSHOTS", "build/screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every platform folder (data, config, logs) into tmp: tests never touch $HOME."""
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path


# The moment `ctx` lives in unless a module overrides `now`: a weekday morning, local
# time, away from midnight, month ends and daylight-saving changes.
NOW = dt.datetime(2026, 11, 26, 10, 0).astimezone()


@pytest.fixture
def now() -> Callable[[], dt.datetime]:
    """The clock `ctx` reads: fixed. A module overrides this fixture for its own moment or
    a clock it moves (never the wall clock: a date boundary would change what is shown)."""
    return lambda: NOW


@pytest.fixture
def log_folder(isolated_home: Path) -> Path:
    """Where `ctx`'s health log lives: a new one; a module overrides it to open a prepared log."""
    return isolated_home / "log"


@pytest.fixture
async def ctx(
    isolated_home: Path, log_folder: Path, now: Callable[[], dt.datetime]
) -> AsyncIterator[AppContext]:
    """The app's context on a real log, settings and platform folders in tmp, clock `now`."""
    async with app_context(isolated_home, now, log=log_folder) as context:
        yield context
