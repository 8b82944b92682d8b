"""What every test shares: an in-memory health log, and guards on every async test.

Each async test runs with two guards (added by `pytest_collection_modifyitems`; the
folders in `UNGUARDED` are not yet, each with its reason):

- an exception handler on its loop: an exception nobody awaited (a failing callback of
  Bumble, Qt or ours) fails the test instead of scrolling past in the log;
- blockbuster: a blocking call (file, socket, sleep, lock) made on the event loop by
  Thenar's own packages fails the test. `ALLOWED_BLOCKING` and `NOT_CHECKED` say what
  may block, and why.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from blockbuster import blockbuster_ctx
from sqlite_utils import Database

from data.store import open_memory

# Where Thenar blocks the loop on purpose: (file, function) -> why. Anything called
# below that function may block.
ALLOWED_BLOCKING: dict[tuple[str, str], str] = {
    ("appcore/settings.py", "save_settings"): (
        "the settings file (under 1 kB) is written where the person changes a preference, "
        "so the setting in force and the file never disagree"
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


@pytest.fixture
def db() -> Iterator[Database]:
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
            yield
    finally:
        loop.set_exception_handler(previous)
    assert not errors, [c.get("exception") or c.get("message") for c in errors]


# Test folders not guarded yet, and why (each is a to-do, not a licence).
UNGUARDED: dict[str, str] = {
    "desktop": (
        "the GUI tests run on qasync, where the app's own error hook reports loop "
        "exceptions; under the guard they still show the simulator's ticker outliving the "
        "qasync loop at teardown and blocking reads on the GUI thread (tzdata through "
        "ZoneInfo in desktop.schedule_view.system_zone, test set-up opening logs): "
        "to fix with the window's owner (issue 13)"
    ),
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every coroutine test requests `loop_guard`, last, so it is set up after the test's
    own fixtures (opening a backend imports modules, which may read files)."""
    tests = Path(__file__).parent
    for item in items:
        if not isinstance(item, pytest.Function):
            continue
        folder = Path(str(item.path)).relative_to(tests).parts[0]
        if folder in UNGUARDED or not inspect.iscoroutinefunction(item.function):
            continue
        if "loop_guard" not in item.fixturenames:
            item.fixturenames.append("loop_guard")
