"""Which massager a session "with another massager" used: the model name the person typed.

The name is kept in the session's `program_run` (key "massager"), beside its minutes:
that record is what ran, and it needs no schema change. The names already used are
offered again next time, newest first, one per spelling regardless of case. The
exports read it from here (`massager_of`, `MASSAGER_SQL`), the app through
`known_massagers`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .entries import check_text

if TYPE_CHECKING:
    from .db import LogDb
    from .models import JSON

MASSAGER_NAME_MAX_CHARS = 80  # a model name as on the box ("Brand HM-200 Pro")
RUN_KEY = "massager"
# The name in SQL, for queries that read sessions (NULL for every other session).
MASSAGER_SQL = (
    "(CASE WHEN s.kind = 'other_massager' THEN json_extract(s.program_run, '$.massager') END)"
)
KNOWN_MAX = 20  # offered in the list; more than anyone owns


def check_massager_name(name: str | None) -> str | None:
    """The name to store, trimmed (None or blank: not given); InvalidInputError in words."""
    if name is None or (isinstance(name, str) and not name.strip()):
        return None
    if isinstance(name, str):
        name = name.strip()
    return check_text("The massager's name", name, MASSAGER_NAME_MAX_CHARS, single_line=True)


def massager_of(program_run: JSON) -> str | None:
    """The massager a session used, if the person named it."""
    if isinstance(program_run, dict):
        name = program_run.get(RUN_KEY)
        if isinstance(name, str) and name:
            return name
    return None


def known_massagers(db: LogDb) -> list[str]:
    """Names used before, newest first, one per name ignoring case (its newest spelling)."""
    out: list[str] = []
    seen: set[str] = set()
    for (name,) in db.execute(
        f"SELECT {MASSAGER_SQL} FROM sessions AS s WHERE s.kind = 'other_massager' "
        f"AND {MASSAGER_SQL} IS NOT NULL ORDER BY s.started_utc DESC, s.id DESC"
    ):
        if isinstance(name, str) and name.casefold() not in seen:
            seen.add(name.casefold())
            out.append(name)
            if len(out) == KNOWN_MAX:
                break
    return out
