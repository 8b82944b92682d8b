"""Typed events with subscribers that can leave: the one observer mechanism of appcore.

The observer type itself lives in `ble.observers` (the lowest layer), so the massager
client and the app share one; this module is where appcore code takes it from, and
it holds the app's own event types.
"""

from __future__ import annotations

from dataclasses import dataclass

from ble.observers import Observers, Subscription

__all__ = ["LogEvents", "Observers", "RatingsChanged", "SchedulesChanged", "SessionsChanged",
           "SettingsChanged", "Subscription"]


# --- The app's events: one type per change a view follows -----------------------------
# (The safety state has its own, richer event: `appcore.safety.SafetyChanged`.)


@dataclass(frozen=True)
class SettingsChanged:
    """The person's preferences changed (text size, contrast, units, the massager)."""


@dataclass(frozen=True)
class SessionsChanged:
    """A session was logged or ended (the Progress page and the reminders reload)."""


@dataclass(frozen=True)
class RatingsChanged:
    """A symptom rating was stored."""


@dataclass(frozen=True)
class SchedulesChanged:
    """A schedule or a reminder's record changed (the Schedule page and the tray reload)."""


class LogEvents:
    """The log's changes as typed events, one `Observers` per kind of change."""

    def __init__(self) -> None:
        self.sessions: Observers[SessionsChanged] = Observers()
        self.ratings: Observers[RatingsChanged] = Observers()
        self.schedules: Observers[SchedulesChanged] = Observers()

    def replaced(self) -> None:
        """The whole log was replaced (a backup restored): everything reads it again."""
        self.sessions.publish(SessionsChanged())
        self.ratings.publish(RatingsChanged())
        self.schedules.publish(SchedulesChanged())
