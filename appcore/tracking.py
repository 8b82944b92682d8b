"""The one owner of the person's daily entries and medication list.

Entries are written here (on the DB thread) and every change is announced as a
typed `EntriesChanged`, so the Progress page and the home page reload without
polling. A check-in is written by the safety owner (it owns today's check-in and
its caps) together with its entry; this owner hears of it through `SafetyChanged`
and announces it like any other entry, so there is one stream of entry events.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from appcore.events import Observers
from appcore.safety import SafetyChange
from data import entries as entry_log
from data.entries import EntryRecord

if TYPE_CHECKING:
    from appcore.db_worker import DbWorker
    from appcore.events import Subscription
    from appcore.safety import SafetyChanged, SafetyOwner
    from data.db import LogDb
    from data.entries import Entry, Medication
    from data.queries import SessionSummary


class EntryChange(enum.Enum):
    ADDED = "added"
    CORRECTED = "corrected"
    DELETED = "deleted"
    CHECKED_IN = "checked in"
    MEDICATIONS = "medications"


@dataclass(frozen=True)
class EntriesChanged:
    """Entries (or the medication list) changed; `day` is the local day it concerns."""

    change: EntryChange
    day: dt.date
    entry_id: int | None = None


def _add(db: LogDb, entry: Entry) -> EntryRecord:
    return entry_log.get_entry(db, entry_log.record_entry(db, entry))


def _correct(db: LogDb, entry_id: int, entry: Entry) -> EntryRecord:
    entry_log.correct_entry(db, entry_id, entry)
    return entry_log.get_entry(db, entry_id)


@dataclass(frozen=True)
class RecentLog:
    """The newest entries and rated sessions, merged newest first; `more`: older ones exist."""

    items: list[EntryRecord | SessionSummary]
    more: bool


def item_time(item: EntryRecord | SessionSummary) -> dt.datetime:
    return item.entry.at if isinstance(item, EntryRecord) else item.session.started_at


def recent_log(db: LogDb, limit: int) -> RecentLog:
    """The newest `limit` items of both kinds (the newest `limit` of each suffice)."""
    from data.queries import recent_sessions  # the trends' queries load with a list

    found: list[EntryRecord | SessionSummary] = [
        *entry_log.newest_entries(db, limit + 1),
        *recent_sessions(db, limit + 1, rated_only=True),
    ]
    found.sort(key=item_time, reverse=True)
    return RecentLog(found[:limit], len(found) > limit)


class Tracking:
    """Owns entries and the medication list; change them only through these methods."""

    def __init__(self, db: DbWorker, safety: SafetyOwner, now: Callable[[], dt.datetime]) -> None:
        self._db = db
        self._now = now
        self._changes: Observers[EntriesChanged] = Observers()
        self._safety_sub = safety.subscribe(self._on_safety)

    def subscribe(self, callback: Callable[[EntriesChanged], None]) -> Subscription:
        return self._changes.subscribe(callback)

    def _on_safety(self, event: SafetyChanged) -> None:
        checkin = event.after.checkin
        if event.change is SafetyChange.CHECKED_IN and checkin is not None:
            self._changes.publish(EntriesChanged(EntryChange.CHECKED_IN, checkin.taken_at.date()))

    # --- entries ------------------------------------------------------------------

    async def add_entry(self, entry: Entry) -> EntryRecord:
        """Store an entry; raises InvalidInputError (nothing stored) with words for the person."""
        record = await self._db.run(_add, entry)
        self._changes.publish(EntriesChanged(EntryChange.ADDED, record.day, record.id))
        return record

    async def correct_entry(self, record: EntryRecord, entry: Entry) -> EntryRecord:
        """Replace what a stored entry says (a mistyped one); raises InvalidInputError
        (nothing changed) with words for the person.

        For a check-in's entry only the entry changes: the check-in and the caps it gave
        (and every session's record of its caps) stay as they were
        (`data.entries.correct_entry`). The event names the day before and after."""
        corrected: EntryRecord = await self._db.run(_correct, record.id, entry)
        for day in sorted({record.day, corrected.day}):
            self._changes.publish(EntriesChanged(EntryChange.CORRECTED, day, record.id))
        return corrected

    async def delete_entry(self, record: EntryRecord) -> None:
        """Remove an entry; a check-in's entry leaves its check-in and caps in the log."""
        await self._db.run(entry_log.delete_entry, record.id)
        self._changes.publish(EntriesChanged(EntryChange.DELETED, record.day, record.id))

    async def newest(self, limit: int) -> RecentLog:
        """The newest `limit` entries and rated sessions together, newest first."""
        result: RecentLog = await self._db.run(recent_log, limit)
        return result

    async def entries_on(self, day: dt.date) -> list[EntryRecord]:
        result: list[EntryRecord] = await self._db.run(entry_log.entries_on, day)
        return result

    # --- the medication list --------------------------------------------------------

    async def medications(self) -> list[Medication]:
        result: list[Medication] = await self._db.run(entry_log.list_medications)
        return result

    async def add_medication(self, name: str) -> list[Medication]:
        """Add a name to the list (from today); the list as it is now."""
        today = self._now().date()
        await self._db.run(entry_log.add_medication, name, today)
        self._changes.publish(EntriesChanged(EntryChange.MEDICATIONS, today))
        return await self.medications()

    async def stop_medication(self, medication_id: int) -> list[Medication]:
        """Mark a medication stopped today (it stays in the log and on the charts)."""
        today = self._now().date()
        await self._db.run(entry_log.stop_medication, medication_id, today)
        self._changes.publish(EntriesChanged(EntryChange.MEDICATIONS, today))
        return await self.medications()
