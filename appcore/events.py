"""Typed events with subscribers that can leave: the one observer mechanism of appcore.

A subscriber gets a `Subscription`; `close()` (or `with`) ends it. A failing
subscriber is logged and does not stop the others, so one broken view cannot
keep the device from hearing about new caps.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

E = TypeVar("E")


class Subscription:
    """A handle on one subscriber; `close()` unsubscribes (idempotent)."""

    def __init__(self, leave: Callable[[], None]) -> None:
        self._leave: Callable[[], None] | None = leave

    def close(self) -> None:
        leave, self._leave = self._leave, None
        if leave is not None:
            leave()

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class Observers(Generic[E]):
    """Deliver each event of type E to the current subscribers, in subscription order."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[E], None]] = []

    def subscribe(self, callback: Callable[[E], None]) -> Subscription:
        self._callbacks.append(callback)

        def leave() -> None:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

        return Subscription(leave)

    def publish(self, event: E) -> None:
        for callback in list(self._callbacks):
            try:
                callback(event)
            except Exception:
                log.exception("a subscriber failed on %r", event)

    def __len__(self) -> int:
        return len(self._callbacks)


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
