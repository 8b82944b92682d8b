"""Opt-in "start with my computer, in the tray", so reminders fire while the window is closed.

One small file or registry value per platform, written only when the person turns
the option on and removed when they turn it off:

- Linux (and other XDG desktops): `~/.config/autostart/app.thenar.Thenar.desktop`
  (the XDG Autostart specification), `Exec` running Thenar with `--in-tray`;
- macOS: a LaunchAgent, `~/Library/LaunchAgents/app.thenar.Thenar.plist`, with
  `RunAtLoad` true;
- Windows: the value `Thenar` under `HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\
  CurrentVersion\\Run`.

The Linux file is what the tests check on this machine; the macOS plist is written
by the same code with a different folder; the Windows value is built here and
written with `winreg`, which only exists on Windows.
"""

from __future__ import annotations

import os
import plistlib
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

APP_ID = "app.thenar.Thenar"
TRAY_FLAG = "--in-tray"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"


def command() -> list[str]:
    """How to start this Thenar in the tray: the bundle itself, or Python with the package."""
    if getattr(sys, "frozen", False):  # the PyInstaller bundle
        return [sys.executable, TRAY_FLAG]
    return [sys.executable, "-m", "desktop", TRAY_FLAG]


def desktop_entry(cmd: Sequence[str]) -> str:
    """The XDG autostart entry (Desktop Entry Specification quoting for `Exec`)."""

    def quote(arg: str) -> str:
        if not any(c in arg for c in " \t\n\"'\\><~|&;$*?#()`"):
            return arg
        escaped = arg.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`")
        escaped = escaped.replace("$", "\\$")
        return f'"{escaped}"'

    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=Thenar\n"
        "Comment=Hand massage companion: reminders, in the tray\n"
        f"Exec={' '.join(quote(a) for a in cmd)}\n"
        "Icon=app.thenar.Thenar\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n"
    )


def launch_agent(cmd: Sequence[str]) -> bytes:
    """The macOS LaunchAgent property list."""
    return plistlib.dumps(
        {
            "Label": APP_ID,
            "ProgramArguments": list(cmd),
            "RunAtLoad": True,
            "ProcessType": "Interactive",
        }
    )


def windows_value(cmd: Sequence[str]) -> str:
    """The command line stored under the Run key."""
    return subprocess.list2cmdline(list(cmd))


def _xdg_file(home: Path, environ: dict[str, str]) -> Path:
    config = environ.get("XDG_CONFIG_HOME") or str(home / ".config")
    return Path(config) / "autostart" / f"{APP_ID}.desktop"


class Autostart:
    """The option on this computer: `enabled()`, `enable()`, `disable()`."""

    def __init__(
        self,
        platform: str = sys.platform,
        home: Path | None = None,
        environ: dict[str, str] | None = None,
        cmd: Sequence[str] | None = None,
    ) -> None:
        self.platform = platform
        self.home = home or Path.home()
        self.environ = dict(os.environ if environ is None else environ)
        self.cmd = list(cmd or command())

    @property
    def path(self) -> Path | None:
        """The file it writes (None on Windows, where it is a registry value)."""
        if self.platform == "win32":
            return None
        if self.platform == "darwin":
            return self.home / "Library" / "LaunchAgents" / f"{APP_ID}.plist"
        return _xdg_file(self.home, self.environ)

    def describe(self) -> str:
        """Where the setting lives, for the person."""
        if self.path is None:
            return f"the Windows registry (HKEY_CURRENT_USER\\{RUN_KEY}, value Thenar)"
        return str(self.path)

    def enabled(self) -> bool:
        if self.path is None:
            return _windows_get() is not None
        return self.path.is_file()

    def enable(self) -> None:
        """Start Thenar in the tray when the person logs in; raises OSError if not possible."""
        if self.path is None:
            _windows_set(windows_value(self.cmd))
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = (
            launch_agent(self.cmd)
            if self.platform == "darwin"
            else desktop_entry(self.cmd).encode("utf-8")
        )
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, self.path)

    def disable(self) -> None:
        if self.path is None:
            _windows_delete()
            return
        self.path.unlink(missing_ok=True)


if sys.platform == "win32":  # pragma: no cover - Windows only
    import winreg

    def _windows_get() -> str | None:
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
                value, _ = winreg.QueryValueEx(key, "Thenar")
                return str(value)
        except OSError:
            return None

    def _windows_set(value: str) -> None:
        with winreg.CreateKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
            winreg.SetValueEx(key, "Thenar", 0, winreg.REG_SZ, value)

    def _windows_delete() -> None:
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
                winreg.DeleteValue(key, "Thenar")
        except OSError:
            pass

else:

    def _windows_get() -> str | None:
        raise OSError("the Windows registry exists only on Windows")

    def _windows_set(value: str) -> None:
        raise OSError("the Windows registry exists only on Windows")

    def _windows_delete() -> None:
        raise OSError("the Windows registry exists only on Windows")


__all__ = ["Autostart", "command", "desktop_entry", "launch_agent", "windows_value"]
