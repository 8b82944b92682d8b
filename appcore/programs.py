"""Routines and custom programs as the log stores them.

The log keeps programs as JSON (it knows no domain types); this module is the one
place that turns a `therapy` routine or custom program into that JSON and back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from data import programs as store
from data.tx import writing
from massage import Zone
from therapy import (
    EXERCISES,
    ROUTINES,
    TECHNIQUES,
    BlockSpec,
    CustomProgram,
    Exercise,
    Technique,
)

if TYPE_CHECKING:
    from data.db import LogDb
    from therapy import (
        Routine,
    )


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


TECHNIQUE_SESSION_S = 5 * 60  # one technique alone: a short, focused session
SECONDS_PER_MOVE = 12  # guided movements: time to read, move slowly and hold


def single_programs() -> dict[str, CustomProgram]:
    """One technique, or one guided movement, on its own: for people who know what helps."""
    out: dict[str, CustomProgram] = {}
    for technique, info in TECHNIQUES.items():
        if technique is Technique.STRETCHING:
            for exercise, ex in EXERCISES.items():
                block = BlockSpec(technique, SECONDS_PER_MOVE * len(ex.moves), exercise=exercise)
                out[f"exercise:{exercise.value}"] = CustomProgram(ex.name, (block,))
        else:
            out[f"technique:{technique.value}"] = CustomProgram(
                info.name, (BlockSpec(technique, TECHNIQUE_SESSION_S),)
            )
    return out


def custom_definition(program: CustomProgram) -> dict[str, Any]:
    return {"kind": "custom", "blocks": [block_to_json(b) for b in program.blocks]}


def ensure_routines(db: LogDb, now: datetime | None = None) -> dict[str, int]:
    """Register the built-in routines and single techniques; returns choice key -> row id.

    One commit for all of them (a crash never leaves half the list registered).
    """
    created = now or datetime.now(UTC)
    with writing(db):
        ids = {
            key: store.ensure_builtin(
                db, f"routine:{key}", routine.name, routine_definition(routine), created_at=created
            )
            for key, routine in ROUTINES.items()
        }
        for key, program in single_programs().items():
            ids[key] = store.ensure_builtin(
                db, key, program.name, custom_definition(program), created_at=created
            )
    return ids
