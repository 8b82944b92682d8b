"""The person's preferences, kept in a small JSON file private to them.

No health data lives here (that is the log's job): only how the app looks, which
massager is pinned and how to reach it.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import platformdirs

from data.files import make_private_dirs, write_private

log = logging.getLogger(__name__)

APP_NAME = "Thenar"
TemperatureUnit = Literal["C", "F"]
MIN_TEXT_SCALE, MAX_TEXT_SCALE = 1.0, 2.0


@dataclass(frozen=True)
class Settings:
    text_scale: float = 1.25  # a little larger than the system default: stiff hands, tired eyes
    high_contrast: bool = False
    temperature_unit: TemperatureUnit = "C"
    # Which massager: "sim" (built in), "platform" (the computer's Bluetooth), or a
    # Bumble transport such as "usb:0" or "tcp-client:127.0.0.1:7878".
    transport: str = "sim"
    pinned_address: str | None = None
    pinned_name: str | None = None
    data_folder: str | None = None  # None: the platform's user data folder
    close_to_tray: bool = True
    # The folder each kind of file was last saved to or opened from ("calendar",
    # "progress", "trial-pdf", ...): file dialogs start there (desktop.save_dialog).
    last_folders: dict[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if not MIN_TEXT_SCALE <= self.text_scale <= MAX_TEXT_SCALE:
            raise ValueError(f"text scale {self.text_scale} is outside 1.0-2.0")
        if self.temperature_unit not in ("C", "F"):
            raise ValueError("temperature unit must be C or F")
        folders = self.last_folders if isinstance(self.last_folders, dict) else {}
        # A hand-edited entry that is not text is dropped, not a reason to lose the rest.
        kept = {k: v for k, v in folders.items() if isinstance(k, str) and isinstance(v, str)}
        object.__setattr__(self, "last_folders", kept)

    def folder_for(self, kind: str) -> Path | None:
        """Where files of `kind` went last time, if anywhere."""
        folder = self.last_folders.get(kind)
        return Path(folder) if folder else None

    def with_folder(self, kind: str, folder: Path) -> dict[str, str]:
        """`last_folders` with `kind` now in `folder` (for `AppContext.update_settings`)."""
        return {**self.last_folders, kind: str(folder)}

    def data_path(self) -> Path:
        return (
            Path(self.data_folder)
            if self.data_folder
            else Path(platformdirs.user_data_dir(APP_NAME))
        )


def default_settings_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "settings.json"


def load_settings(path: Path) -> Settings:
    """Read settings; a missing or damaged file gives defaults (and says so in the log)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        known = {f.name for f in dataclasses.fields(Settings)}
        return Settings(**{k: v for k, v in raw.items() if k in known})
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError, TypeError) as exc:
        log.warning("settings file %s unreadable (%s); using defaults", path, exc)
        return Settings()


def save_settings(settings: Settings, path: Path) -> None:
    """Write atomically with mode 0600 (`data.files.write_private`, the one atomic write)
    in a 0700 folder (and any folder it has to create on the way, 0700 too)."""
    make_private_dirs(path.parent)
    write_private(path, json.dumps(dataclasses.asdict(settings), indent=2))


def format_temperature(celsius: float, unit: TemperatureUnit) -> str:
    if unit == "F":
        return f"{celsius * 9 / 5 + 32:.0f} °F"
    return f"{celsius:.1f} °C"
