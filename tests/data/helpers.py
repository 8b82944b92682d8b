"""Shared constants for the health-log tests (a fixed zone and a fixed clock)."""

from datetime import datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
T0 = datetime(2024, 3, 1, 8, 0, tzinfo=PARIS)
