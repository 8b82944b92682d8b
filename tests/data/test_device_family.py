"""The family of a paired device (m007): stored with it, kept when not given, and
empty for devices paired before it was stored (docs/drivers.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from data import devices, schema
from data.db import LogDb
from data.errors import InvalidInputError
from data.store import DB_NAME, connect, open_store
from tests.data.helpers import T0

ADDRESS = "F0:7E:4A:00:55:01"


def test_the_family_is_stored_and_kept(db: LogDb) -> None:
    devices.record_device(db, ADDRESS, "Palma P5", None, seen_at=T0, family="palma-p5")
    assert devices.device_family(db, ADDRESS) == "palma-p5"
    devices.record_device(db, ADDRESS, "Palma", None, seen_at=T0)  # not given: kept
    assert devices.get_device(db, ADDRESS).family == "palma-p5"
    assert devices.get_device(db, ADDRESS).name == "Palma"
    assert devices.device_family(db, "00:00:00:00:00:00") == ""  # never paired


def test_a_bad_family_is_refused(db: LogDb) -> None:
    with pytest.raises(InvalidInputError):
        devices.record_device(db, ADDRESS, "x", None, seen_at=T0, family="f" * 101)
    assert devices.list_devices(db) == []


def test_m007_keeps_devices_paired_before_it(tmp_path: Path) -> None:
    db = connect(tmp_path / DB_NAME)
    schema.migrate(db, stop_before="m007_device_family")
    db.execute(
        "INSERT INTO devices (id, name, firmware, first_seen, last_seen) "
        "VALUES (?, 'Thenar', '1.0', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
        [ADDRESS],
    )
    db.conn.commit()
    db.close()
    with open_store(tmp_path, now=T0) as store:
        assert schema.pending_names(store.db) == []
        device = devices.get_device(store.db, ADDRESS)
        assert (device.name, device.family) == ("Thenar", "")
