"""Routines and custom programs as the log stores them.

The log keeps programs as JSON (it knows no domain types); this module is the one
place that turns a `therapy` routine or custom program into that JSON and back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

from ble.protocol import Zone
from data import programs as store
from therapy import ROUTINES, BlockSpec, CustomProgram, Exercise, Routine, Technique


def block_to_json(block: BlockSpec) -> dict[str, Any]:
    return {
        "technique": block.technique.value,
        "duration_s": block.duration_s,
        "zones": None if block.zones is None else [int(z) for z in block.zones],
        "exercise": None if block.exercise is None else block.exercise.value,
        "heat_c": block.heat_c,
    }


def block_from_json(raw: dict[str, Any]) -> BlockSpec:
    zones = raw.get("zones")
    exercise = raw.get("exercise")
    return BlockSpec(
        technique=Technique(raw["technique"]),
        duration_s=int(raw["duration_s"]),
        zones=None if zones is None else tuple(Zone(int(z)) for z in zones),
        exercise=None if exercise is None else Exercise(exercise),
        heat_c=raw.get("heat_c"),
    )


def routine_definition(routine: Routine) -> dict[str, Any]:
    return {
        "kind": "routine",
        "routine_id": routine.routine_id,
        "description": routine.description,
        "blocks": [block_to_json(b) for b in routine.blocks],
    }


def ensure_routines(db: Database, now: datetime | None = None) -> dict[str, int]:
    """Register every built-in routine in the log; returns routine id -> program row id."""
    created = now or datetime.now(UTC)
    return {
        key: store.ensure_builtin(
            db, f"routine:{key}", routine.name, routine_definition(routine), created_at=created
        )
        for key, routine in ROUTINES.items()
    }


def custom_from_json(name: str, raw: dict[str, Any]) -> CustomProgram:
    return CustomProgram(name, tuple(block_from_json(b) for b in raw["blocks"]))
