"""Dates, times and the time zone in the person's locale: small, so any page (Home's list
of entries, the tray) can use them without loading the Schedule page and its calendar
library."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import QDate, QLocale, QTime, QTimeZone

__all__ = ["locale_date", "locale_time", "locale_when", "system_zone"]


def system_zone() -> ZoneInfo:
    """The person's IANA time zone as the system reports it (UTC if unknown)."""
    name = bytes(QTimeZone.systemTimeZoneId().data()).decode("ascii", "replace")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def locale_time(value: dt.time) -> str:
    """A time of day as the person's locale writes it (8:00, 08:00 or 8:00 AM)."""
    return QLocale().toString(QTime(value.hour, value.minute), QLocale.FormatType.ShortFormat)


def locale_date(value: dt.date) -> str:
    """A date with its weekday, in the person's locale."""
    return QLocale().toString(
        QDate(value.year, value.month, value.day), QLocale.FormatType.LongFormat
    )


def locale_when(moment: dt.datetime, now: dt.datetime, zone: ZoneInfo) -> str:
    """'Today at 8:00', 'Tomorrow at 8:00' or the full date: in the person's zone."""
    local, today = moment.astimezone(zone), now.astimezone(zone).date()
    words = {today: "Today", today + dt.timedelta(days=1): "Tomorrow"}
    day = words.get(local.date()) or locale_date(local.date())
    return f"{day} at {locale_time(local.time())}"
