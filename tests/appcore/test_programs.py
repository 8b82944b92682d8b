"""Routines survive the trip into the log's JSON and back, and register once."""

from __future__ import annotations

from appcore.programs import block_from_json, block_to_json, ensure_routines
from data.programs import list_programs
from data.store import open_memory
from therapy import ROUTINES


def test_every_block_round_trips() -> None:
    for routine in ROUTINES.values():
        for block in routine.blocks:
            assert block_from_json(block_to_json(block)) == block


def test_routines_register_idempotently() -> None:
    db = open_memory()
    first = ensure_routines(db)
    second = ensure_routines(db)
    assert first == second
    assert set(first) == set(ROUTINES)
    assert len(list_programs(db)) == len(ROUTINES)
