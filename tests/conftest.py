"""What every test shares: an in-memory health log, and guards on every async test.

Each async test runs with two guards (added by `pytest_collection_modifyitems`), the GUI
tests on their qasync loop included:

- an exception handler on its loop: an exception nobody awaited (a failing callback of
  Bumble, Qt or ours) fails the test instead of scrolling past in the log;
- blockbuster: a blocking call (file, socket, sleep, lock) made on the event loop by
  Thenar's own packages fails the test. `ALLOWED_BLOCKING` and `NOT_CHECKED` say what
  may block, and why; a test's own set-up and checks of a log (test code calling `data/`
  directly, see `tests_own_log_work`) are not the app's and are not flagged.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from blockbuster import blockbuster_ctx

from data.db import LogDb
from data.store import open_memory

# Where Thenar blocks the loop on purpose: (file, function) -> why. Anything called
# below that function may block.
ALLOWED_BLOCKING: dict[tuple[str, str], str] = {
    ("appcore/settings.py", "save_settings"): (
        "the settings file (under 1 kB) is written where the person changes a preference, "
        "so the setting in force and the file never disagree"
    ),
    ("appcore/settings.py", "load_settings"): (
        "the app reads its settings once, before the loop starts (desktop/__main__.py); "
        "tests that start the app again read them back on theirs"
    ),
    ("appcore/autostart.py", "enable"): (
        "the launcher file (a few lines) is written where the person ticks 'Start with the "
        "computer', so the box and the file never disagree (as save_settings)"
    ),
    ("appcore/autostart.py", "disable"): "as enable: the box and the file never disagree",
    ("desktop/locale_words.py", "system_zone"): (
        "ZoneInfo reads one tzdata file (a few kB) once, when the Schedule page or the tray "
        "is first built, beside the import of the page's own module (the app builds pages "
        "lazily, on the GUI thread); ZoneInfo caches it after"
    ),
    ("<frozen importlib._bootstrap>", "_call_with_frames_removed"): (
        "a module's own work while it is imported (icalendar loads a tz file through "
        "dateutil): the app imports pages lazily on the GUI thread for a fast first window, "
        "an import cost that benchmarks/bench_desktop.py measures, not a call of Thenar's"
    ),
}
# Blocking functions not checked at all, and why.
NOT_CHECKED: dict[str, str] = {
    "os.stat": (
        "Bumble imports modules lazily (pairing), and PySide6's import hook (loaded by "
        "pytest-qt) stats source files on each import: an import-time cost of the test "
        "process, not a blocking call of Thenar's"
    ),
}
# Thenar's packages: a blocking call is flagged only when one of them is on the stack.
THENAR = ["ble", "drivers", "device_sim", "data", "therapy", "appcore", "desktop"]
_ROOT = Path(__file__).parent.parent
_TESTS = str(Path(__file__).parent)
_DATA = str(_ROOT / "data")
_APP = tuple(str(_ROOT / name) for name in THENAR if name != "data")


def tests_own_log_work() -> bool:
    """True when test code itself called `data/` (the log's synchronous API) on the loop:
    preparing or checking a log file is the test's work, not the app's. The app reaches
    `data/` through the DB thread or a worker thread; if any other Thenar package is on
    the stack between the test and the call, the call is the app's and stays flagged."""
    frame = inspect.currentframe()
    in_data = False
    while frame is not None:
        name = frame.f_code.co_filename
        if name == __file__:  # this check itself
            pass
        elif name.startswith(_DATA):
            in_data = True
        elif name.startswith(_APP):
            return False
        elif name.startswith(_TESTS):
            return in_data
        frame = frame.f_back
    return False


def _or_tests_own(allowed: Callable[..., bool]) -> Callable[..., bool]:
    """Blockbuster's own exemption for the function (a non-blocking lock, a non-blocking
    descriptor...), or the test's own log work."""
    return lambda *args, **kwargs: allowed(*args, **kwargs) or tests_own_log_work()


@pytest.fixture
def db() -> Iterator[LogDb]:
    """An in-memory health log with the current schema."""
    database = open_memory()
    yield database
    database.close()


@pytest.fixture
async def loop_guard() -> AsyncIterator[None]:
    """Fail the test on an exception in a loop callback, or a blocking call on the loop."""
    loop = asyncio.get_running_loop()
    errors: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    try:
        with blockbuster_ctx(THENAR) as bb:
            for name in NOT_CHECKED:
                bb.functions[name].deactivate()
            for function in bb.functions.values():
                for filename, name in ALLOWED_BLOCKING:
                    function.can_block_in(filename, name)
                if function.activated:  # the predicate is taken when activated
                    function.deactivate()
                    function.can_block_predicate = _or_tests_own(function.can_block_predicate)
                    function.activate()
            yield
    finally:
        loop.set_exception_handler(previous)
    assert not errors, [c.get("exception") or c.get("message") for c in errors]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every coroutine test requests `loop_guard`, last, so it is set up after the test's
    own fixtures (opening a backend imports modules, which may read files)."""
    for item in items:
        if not isinstance(item, pytest.Function):
            continue
        if not inspect.iscoroutinefunction(item.function):
            continue
        if "loop_guard" not in item.fixturenames:
            item.fixturenames.append("loop_guard")
