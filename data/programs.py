"""Programs: the user's own, and built-ins registered under a stable key.

Sessions reference a program row so per-program statistics can group them;
the session also keeps a JSON snapshot of the program as run, so editing a
program later does not rewrite history.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from . import jsonval
from .errors import InvalidInputError, UnknownProgramError
from .models import Program
from .times import from_iso, require_aware, to_iso
from .tx import writing

if TYPE_CHECKING:
    from .db import LogDb
    from .models import JSON


def _row_to_program(row: dict[str, Any]) -> Program:
    return Program(
        id=row["id"],
        name=row["name"],
        definition=jsonval.loads(row["definition"]),
        key=row["key"],
        builtin=bool(row["builtin"]),
        created_at=from_iso(row["created_at"]),
        archived=bool(row["archived"]),
    )


def _check_name(name: str) -> str:
    name = name.strip() if isinstance(name, str) else name
    if not isinstance(name, str) or not 1 <= len(name) <= 200:
        raise InvalidInputError("a program needs a name of 1 to 200 characters")
    return name


def save_program(db: LogDb, name: str, definition: JSON, *, created_at: datetime) -> int:
    """Store a program the user made; return its id."""
    name = _check_name(name)
    text = jsonval.dumps(definition, "program definition")
    require_aware(created_at, "program creation time")
    with writing(db):
        cur = db.execute(
            "INSERT INTO programs (key, name, definition, builtin, created_at) "
            "VALUES (NULL, ?, ?, 0, ?)",
            [name, text, to_iso(created_at)],
        )
    assert cur.lastrowid is not None
    return cur.lastrowid


def ensure_builtin(
    db: LogDb, key: str, name: str, definition: JSON, *, created_at: datetime
) -> int:
    """Register (or update) a built-in program under `key`; return its id."""
    name = _check_name(name)
    if not key:
        raise InvalidInputError("a built-in program needs a key")
    text = jsonval.dumps(definition, "program definition")
    require_aware(created_at, "program creation time")
    with writing(db):
        db.execute(
            "INSERT INTO programs (key, name, definition, builtin, created_at) "
            "VALUES (?, ?, ?, 1, ?) "
            "ON CONFLICT(key) DO UPDATE SET name = excluded.name, "
            "definition = excluded.definition "
            # unchanged rows are not rewritten: start-up then writes nothing (a full disk)
            "WHERE name IS NOT excluded.name OR definition IS NOT excluded.definition",
            [key, name, text, to_iso(created_at)],
        )
        row = db.execute("SELECT id FROM programs WHERE key = ?", [key]).fetchone()
    return int(row[0])


def require_program(db: LogDb, program_id: int) -> None:
    """Raise UnknownProgramError unless `program_id` is stored."""
    if isinstance(program_id, bool) or not isinstance(program_id, int):
        raise UnknownProgramError(f"program id must be an integer, got {program_id!r}")
    if db.execute("SELECT 1 FROM programs WHERE id = ?", [program_id]).fetchone() is None:
        raise UnknownProgramError(f"there is no program with id {program_id}")


def get_program(db: LogDb, program_id: int) -> Program:
    """The program with this id, or UnknownProgramError."""
    rows = list(db.query("SELECT * FROM programs WHERE id = ?", [program_id]))
    if not rows:
        raise UnknownProgramError(f"there is no program with id {program_id}")
    return _row_to_program(rows[0])


def list_programs(db: LogDb, *, include_archived: bool = False) -> list[Program]:
    """All programs, built-ins first, then by name."""
    where = "" if include_archived else "WHERE archived = 0"
    sql = f"SELECT * FROM programs {where} ORDER BY builtin DESC, name, id"
    return [_row_to_program(r) for r in db.query(sql)]


def set_archived(db: LogDb, program_id: int, archived: bool = True) -> None:
    """Hide a program from pickers without losing the sessions that used it."""
    with writing(db):
        require_program(db, program_id)
        db.execute("UPDATE programs SET archived = ? WHERE id = ?", [int(archived), program_id])
