"""What every part of the app shares: settings, the log, the clock and the safety owner."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from appcore.events import LogEvents, Observers, RatingsChanged, SettingsChanged
from appcore.safety import SafetyOwner
from appcore.screening import now_local
from appcore.settings import save_settings
from appcore.tracking import Tracking
from appcore.trial import TrialOwner

if TYPE_CHECKING:
    from appcore.db_worker import DbWorker
    from appcore.settings import Settings
    from appcore.tracking import EntriesChanged
    from therapy import SafetyProfile


@dataclass
class AppContext:
    """Shared state; views subscribe to its typed events to refresh when it moves.

    `settings_changed` follows the preferences, `log` the health log (sessions,
    ratings, schedules); the safety state has its own owner (`safety`, with
    `SafetyChanged` events) and `profile` only reads it. Every `subscribe` returns a
    `Subscription` that `close()` ends.
    """

    settings: Settings
    settings_path: Path
    db: DbWorker
    now: Callable[[], datetime] = now_local
    settings_changed: Observers[SettingsChanged] = field(default_factory=Observers)
    log: LogEvents = field(default_factory=LogEvents)
    safety: SafetyOwner = field(init=False)
    tracking: Tracking = field(init=False)
    trial: TrialOwner = field(init=False)  # the personal comparison trial (issue 16)

    def __post_init__(self) -> None:
        self.safety = SafetyOwner(self.db, self.now)
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
        self.settings_changed.publish(SettingsChanged())

    def _on_entries(self, _event: EntriesChanged) -> None:
        self.log.ratings.publish(RatingsChanged())  # the Progress page reloads
