"""What every part of the app shares: settings, the log, the clock and the safety owner."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from appcore.db_worker import DbWorker
from appcore.safety import SafetyChanged, SafetyOwner
from appcore.screening import now_local
from appcore.settings import Settings, save_settings
from appcore.tracking import EntriesChanged, Tracking
from appcore.trial import TrialOwner
from therapy import SafetyProfile


@dataclass
class AppContext:
    """Shared state; views subscribe to `on_change` to refresh when it moves.

    The safety state has its own owner (`safety`); `profile` only reads it.
    """

    settings: Settings
    settings_path: Path
    db: DbWorker
    now: Callable[[], datetime] = now_local
    listeners: list[Callable[[str], None]] = field(default_factory=list)
    safety: SafetyOwner = field(init=False)
    tracking: Tracking = field(init=False)
    trial: TrialOwner = field(init=False)  # the personal comparison trial (issue 16)

    def __post_init__(self) -> None:
        self.safety = SafetyOwner(self.db, self.now)
        self.safety.subscribe(self._on_safety)
        self.tracking = Tracking(self.db, self.safety, self.now)
        self.tracking.subscribe(self._on_entries)
        self.trial = TrialOwner(self.db, self.safety, self.now)

    @property
    def profile(self) -> SafetyProfile | None:
        """The profile in force now (today's check-in included), from the safety owner."""
        return self.safety.state.profile

    def today(self) -> date:
        return self.now().date()

    def update_settings(self, **changes: object) -> None:
        self.settings = dataclasses.replace(self.settings, **changes)  # type: ignore[arg-type]
        save_settings(self.settings, self.settings_path)
        self.notify("settings")

    def _on_safety(self, _event: SafetyChanged) -> None:
        self.notify("profile")

    def _on_entries(self, _event: EntriesChanged) -> None:
        self.notify("ratings")  # the Progress page reloads

    def on_change(self, listener: Callable[[str], None]) -> None:
        self.listeners.append(listener)

    def notify(self, what: str) -> None:
        for listener in list(self.listeners):
            listener(what)
