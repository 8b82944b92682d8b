"""Fixtures for the health-log tests: an in-memory log, a fixed zone and clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlite_utils import Database

from data import programs
from data.store import open_memory
from tests.data.helpers import T0


@pytest.fixture
def db() -> Iterator[Database]:
    database = open_memory()
    yield database
    database.close()


@pytest.fixture
def program_id(db: Database) -> int:
    return programs.save_program(db, "Gentle wave", {"steps": [[60, 1, 30]]}, created_at=T0)
