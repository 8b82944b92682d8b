"""`thenar` / `python -m desktop`: start the app (on the built-in simulated massager by default)."""

from __future__ import annotations

import argparse
import dataclasses
import gc
import logging
import os
import subprocess
import sys
from pathlib import Path

from appcore.logs import default_log_folder, setup_logging
from appcore.settings import default_settings_path, load_settings, save_settings
from data.files import private_umask
from desktop import import_asyncio

log = logging.getLogger("thenar")

# The window (desktop.shell) needs only Qt, the launcher and the settings; Thenar's other
# modules load once it has painted. PySide6 reads the source of every module imported
# after it (its `__feature__` switches apply only to modules that mention PySide6), so
# one imported before the window would delay it. tests/desktop/test_launch.py checks.

XCB_LIBS = ("xcb-cursor", "xcb-icccm", "xcb-keysyms", "xkbcommon-x11")

XCB_HELP = """\
Thenar could not open a window. On Linux, Qt needs a few system libraries for X11:
  sudo apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 \\
      libxcb-render-util0 libxcb-xkb1 libxkbcommon-x11-0 libegl1
(or run it under Wayland). See the README, "On Linux"."""


def loader_cache() -> set[str] | None:
    """The library file names the dynamic loader knows for this Python's architecture, from
    one `ldconfig -p` (a few ms); None if it cannot be run."""
    try:
        listing = subprocess.run(
            ["/sbin/ldconfig", "-p"],
            capture_output=True,
            text=True,
            timeout=5,
            env={"LC_ALL": "C", "LANG": "C"},
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    # as ctypes.util.find_library matches: "libfoo.so.0 (libc6,x86-64) => /lib/..."
    wide = sys.maxsize > 2**32 and os.uname().machine == "x86_64"  # platform.machine()
    arch = "(libc6,x86-64" if wide else "(libc6"
    return {
        parts[0]
        for parts in (line.split() for line in listing.splitlines()[1:])
        if len(parts) > 1 and parts[1].startswith(arch)
    }


def missing_libraries(names: tuple[str, ...]) -> list[str]:
    """Which of `names` ("xcb-cursor") cannot be loaded. One `ldconfig -p` for all of them:
    `ctypes.util.find_library` runs it once a name, and then gcc and ld for a name it lacks
    (75 ms for these four, before the window; issue 13). A name not in the cache still gets
    find_library's own search (LD_LIBRARY_PATH), so nothing is called missing wrongly."""
    known = loader_cache() or set()
    return [
        name
        for name in names
        if not any(lib.startswith(f"lib{name}.so") for lib in known) and not _findable(name)
    ]


def _findable(name: str) -> bool:
    """`ctypes.util.find_library`'s own search; ctypes is imported only for a name that
    the loader's cache lacks (about 5 ms of every start otherwise)."""
    import ctypes.util

    return ctypes.util.find_library(name) is not None


def display_problem() -> str | None:
    """Why a window cannot open here, in words, before Qt aborts the process with its own."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    frozen = getattr(sys, "frozen", False)  # a bundle carries its own xcb libraries
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        return (
            "Thenar needs a desktop session to show its window, and none was found "
            "(DISPLAY and WAYLAND_DISPLAY are empty).\n"
            "To try it without a screen, run the terminal demo: make demo"
        )
    if os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY") and not frozen:
        missing = missing_libraries(XCB_LIBS)
        if missing:
            return XCB_HELP + "\nMissing: " + ", ".join(f"lib{m}" for m in missing)
    return None


def before_qt() -> None:
    """What `main` does before it imports Qt (the start-up test and the bench do the same).

    Automatic garbage collection goes off, as `desktop.gc_guard.GuiThreadCollector`
    keeps it once the window runs: the ~70 collections while ~300 modules are imported
    cost about 20 ms of every start and find little.
    """
    gc.disable()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="thenar", description="Thenar hand-massager companion")
    parser.add_argument(
        "--transport",
        help="sim (built-in simulated massager), platform (this computer's Bluetooth), "
        "usb:0, or tcp-client:127.0.0.1:PORT; remembered in the settings",
    )
    parser.add_argument("--data-dir", type=Path, help="where the health log lives")
    parser.add_argument("--settings", type=Path, help="settings file (default: per-user config)")
    parser.add_argument(
        "--in-tray",
        action="store_true",
        help="start in the tray without opening the window (how 'start with my computer' "
        "starts it)",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="run a short simulated session headless and exit 0 only if everything worked",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    # Everything Thenar writes is private from the moment it exists, including files of
    # libraries that do not set a mode (Bumble's pairing keys, the settings' folders).
    private_umask()
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--simulator"]:  # the bundle's stand-in for `python -m device_sim`
        from device_sim.__main__ import main as simulator_main

        simulator_main(argv[1:])
        return
    args = parse_args(argv)
    setup_logging(default_log_folder())
    if args.self_test:
        from appcore.self_test import run_self_test

        sys.exit(run_self_test())
    settings_path = args.settings or default_settings_path()
    settings = load_settings(settings_path)
    changes: dict[str, object] = {}
    if args.transport:
        changes["transport"] = args.transport
    if args.data_dir:
        changes["data_folder"] = str(args.data_dir)
    if changes:
        settings = dataclasses.replace(settings, **changes)  # type: ignore[arg-type]
        save_settings(settings, settings_path)

    problem = display_problem()
    if problem:
        print(problem, file=sys.stderr)
        sys.exit(2)
    before_qt()
    from PySide6.QtWidgets import QApplication

    from desktop.single_instance import SingleInstance

    qapp = QApplication(sys.argv)
    instance = SingleInstance()
    if not instance.claim():
        print("Thenar is already running; brought its window forward.")
        return
    # The window first, waiting for its pages; then the rest of Thenar and the log.
    from desktop.shell import open_window

    shown = None if args.in_tray else open_window(qapp, settings)
    import_asyncio()
    from desktop.app import Thenar, first_paint, run

    def after_show(app: Thenar) -> None:
        async def answer_later_starts() -> None:
            await first_paint(app.window)  # the window first; QtNetwork after it
            instance.raise_requested.connect(app.show_window)
            if not instance.listen():
                log.warning("a second start will not find this one: cannot listen")

        app.run(answer_later_starts())

    code = run(settings, settings_path, after_show=after_show, in_tray=args.in_tray, shown=shown)
    instance.release()
    del qapp
    sys.exit(code)


if __name__ == "__main__":
    main()
