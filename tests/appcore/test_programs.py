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
    assert set(ROUTINES) <= set(first)
    assert len(list_programs(db)) == len(first)  # routines plus single techniques, once each


def test_every_single_technique_compiles_within_caps() -> None:
    from appcore.programs import single_programs
    from therapy import compile_program

    from .conftest import clear_profile

    profile = clear_profile()
    programs = single_programs()
    assert {k.split(":")[0] for k in programs} == {"technique", "exercise"}
    for spec in programs.values():
        compiled = compile_program(spec, 10, profile)
        cap = profile.device_limits().max_pressure_mmhg
        assert max(max(s.pressures_mmhg) for s in compiled.plan.steps) <= cap
        assert compiled.plan.duration_s <= profile.device_limits().max_session_s
