"""Time conventions: aware datetimes in, ISO 8601 with offset plus UTC milliseconds stored.

The ISO text keeps the offset the user lived in (exports show it); the integer
orders and ranges rows without parsing; `local_date` is the calendar day the
user saw, so "by day" never shifts when they travel or DST changes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from .errors import InvalidInputError

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def require_aware(value: datetime, what: str) -> datetime:
    """Refuse naive datetimes: a time without an offset cannot be placed on a day."""
    if not isinstance(value, datetime):
        raise InvalidInputError(f"{what} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInputError(f"{what} must carry a time zone offset")
    return value


def to_iso(value: datetime) -> str:
    """ISO 8601 with offset, exact enough to round-trip through `from_iso`."""
    return value.isoformat()


def from_iso(text: str) -> datetime:
    """Parse what `to_iso` wrote."""
    return datetime.fromisoformat(text)


def utc_ms(value: datetime) -> int:
    """Milliseconds since the Unix epoch, computed exactly (no float rounding)."""
    return (value - _EPOCH) // timedelta(milliseconds=1)


def week_start(day: date) -> date:
    """The Monday of the ISO week containing `day`."""
    return day - timedelta(days=day.weekday())
