"""What every part of the app shares: settings, the log, and the person's safety profile."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from appcore.db_worker import DbWorker
from appcore.settings import Settings, save_settings
from therapy import SafetyProfile


@dataclass
class AppContext:
    """Plain shared state; views subscribe to `on_change` to refresh when it moves."""

    settings: Settings
    settings_path: Path
    db: DbWorker
    profile: SafetyProfile | None = None  # from the latest screening (and today's check-in)
    today: Callable[[], date] = date.today
    listeners: list[Callable[[str], None]] = field(default_factory=list)

    def update_settings(self, **changes: object) -> None:
        self.settings = dataclasses.replace(self.settings, **changes)  # type: ignore[arg-type]
        save_settings(self.settings, self.settings_path)
        self.notify("settings")

    def set_profile(self, profile: SafetyProfile | None) -> None:
        self.profile = profile
        self.notify("profile")

    def on_change(self, listener: Callable[[str], None]) -> None:
        self.listeners.append(listener)

    def notify(self, what: str) -> None:
        for listener in list(self.listeners):
            listener(what)
