"""Fixtures for the health-log tests (the in-memory `db` is in tests/conftest.py)."""

from __future__ import annotations

import pytest

from data import programs
from data.db import LogDb
from tests.data.helpers import T0


@pytest.fixture
def program_id(db: LogDb) -> int:
    return programs.save_program(db, "Gentle wave", {"steps": [[60, 1, 30]]}, created_at=T0)
