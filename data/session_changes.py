"""What the person changed during each session (gentler or firmer, warmth off or on, a zone
spared or given back), read from the audit trail.

The `commands` table is the one owner of these changes: the session page changes a
setting only once the device confirmed it, and the driver writes each attempt there once,
tagged with the session's id (`appcore.massager.Massager._on_audit`). Nothing is copied
into `sessions`; every export derives the same summary from here, so they cannot disagree.

What counts (the names and parameters the drivers write):
- only lines whose result is "success": Thenar's client writes the device's result code
  ("success" once acknowledged, "operation_failed", "no_answer", ...) and the consumer
  family's driver "success" or the error's name ("refused" for a spare). A refused,
  failed or unanswered command is never assumed to have worked;
- `set_intensity` {"level": tenths of the plan, 1-10}; every session starts as planned
  (`massage.MAX_INTENSITY`), so the driver's reset to the plan at a start is no change;
- `set_heat` {"heat_dc": n} (Thenar, 0 = off) or {"on": bool} (consumer family); a session
  starts with the warmth it planned (`sessions.heat_c`);
- `spare_zones` {"mask": bits} (Thenar; bit n = `massage.Zone` n) or {"zones": [codes]}:
  each confirmed line is the whole set spared from then on; a session starts with none.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from massage import MAX_INTENSITY, ZONE_COUNT, ZONE_NAMES, Zone

from . import jsonval

if TYPE_CHECKING:
    from .db import LogDb

ACKNOWLEDGED = "success"  # the result both families write for a confirmed command
LEVEL = "set_intensity"
HEAT = "set_heat"
SPARE = "spare_zones"


@dataclass(frozen=True)
class LevelChange:
    """Gentler or firmer: the level (tenths of the plan's pressures) before and after."""

    at_s: int | None  # seconds after the start; None when the clocks disagree
    before: int
    after: int


@dataclass(frozen=True)
class WarmthChange:
    """Warmth turned off (`on` False) or back on."""

    at_s: int | None
    on: bool


@dataclass(frozen=True)
class SpareChange:
    """The zones spared from this moment on (the whole set, as the device confirmed it)."""

    at_s: int | None
    before: frozenset[Zone]
    after: frozenset[Zone]


Change = LevelChange | WarmthChange | SpareChange


@dataclass(frozen=True)
class SessionChanges:
    """One session's confirmed changes, in time order (empty: it ran as it started)."""

    session_id: int
    changes: tuple[Change, ...] = ()

    @property
    def levels(self) -> tuple[int, ...]:
        """The levels the session ran at, in order, from the plan's; () if never changed."""
        steps = [c for c in self.changes if isinstance(c, LevelChange)]
        return (steps[0].before, *(c.after for c in steps)) if steps else ()

    @property
    def warmth(self) -> tuple[bool, ...]:
        """Each time warmth was turned off (False) or on (True), in order."""
        return tuple(c.on for c in self.changes if isinstance(c, WarmthChange))

    @property
    def spared_at_end(self) -> frozenset[Zone]:
        """The zones still spared when the session ended."""
        spares = [c for c in self.changes if isinstance(c, SpareChange)]
        return spares[-1].after if spares else frozenset()

    @property
    def spared_any_time(self) -> frozenset[Zone]:
        """Every zone spared at some moment of the session (given back or not)."""
        return frozenset().union(*(c.after for c in self.changes if isinstance(c, SpareChange)))

    def summary(self) -> str:
        """The changes in plain words, in order ("" when there were none)."""
        return "; ".join(_words(c) for c in self.changes)

    def sentence(self) -> str:
        """The changes as a sentence of their own ("" when there were none)."""
        return f"During the session: {self.summary()}." if self.changes else ""


def zone_list(zones: Collection[Zone], sep: str = ", ") -> str:
    """Zones by the names the app shows, in the hand's order."""
    return sep.join(ZONE_NAMES[z] for z in sorted(zones))


def _when(at_s: int | None, start: str, at: str) -> str:
    if at_s is None:
        return ""
    minute = at_s // 60
    return f" {start}" if minute == 0 else f" {at} {minute} min"


def _words(change: Change) -> str:
    match change:
        case LevelChange(at_s, before, after):
            how = "lowered" if after < before else "raised"
            return (
                f"pressure {how} from level {before} to {after}{_when(at_s, 'at the start', 'at')}"
            )
        case WarmthChange(at_s, on):
            what = "warmth turned back on" if on else "warmth turned off"
            return what + _when(at_s, "at the start", "at")
        case SpareChange(at_s, before, after):
            parts = []
            if after - before:
                parts.append(
                    f"{zone_list(after - before)} spared{_when(at_s, 'from the start', 'from')}"
                )
            if before - after:
                parts.append(
                    f"{zone_list(before - after)} given back{_when(at_s, 'at the start', 'at')}"
                )
            return "; ".join(parts)


def _zones(params: Mapping[str, object]) -> frozenset[Zone] | None:
    """The spared set a spare_zones line names (None: unreadable, so not counted)."""
    mask = params.get("mask")
    if isinstance(mask, int) and not isinstance(mask, bool):
        return frozenset(Zone(n) for n in range(ZONE_COUNT) if mask >> n & 1)
    codes = params.get("zones")
    if isinstance(codes, list) and all(isinstance(c, int) and 0 <= c < ZONE_COUNT for c in codes):
        return frozenset(Zone(c) for c in codes)
    return None


def _warmth(params: Mapping[str, object]) -> bool | None:
    on, heat = params.get("on"), params.get("heat_dc")
    if isinstance(on, bool):
        return on
    if isinstance(heat, int) and not isinstance(heat, bool):
        return heat > 0
    return None


class _Folding:
    """One session's state as the device confirmed it, line by line."""

    def __init__(self, session_id: int, warm: bool, start_ms: int, end_ms: int | None) -> None:
        self.session_id = session_id
        self.level = MAX_INTENSITY
        self.warm = warm
        self.spared: frozenset[Zone] = frozenset()
        self.start_ms, self.end_ms = start_ms, end_ms
        self.changes: list[Change] = []

    def at_s(self, at_ms: int) -> int | None:
        """Seconds into the session; None outside it (the device's clock and the session's
        disagree, as in tests on a simulated clock)."""
        if at_ms < self.start_ms or (self.end_ms is not None and at_ms > self.end_ms):
            return None
        return (at_ms - self.start_ms) // 1000

    def add(self, command: str, params: Mapping[str, object], at_ms: int) -> None:
        at_s = self.at_s(at_ms)
        if command == LEVEL:
            level = params.get("level")
            if isinstance(level, int) and not isinstance(level, bool) and level != self.level:
                self.changes.append(LevelChange(at_s, self.level, level))
                self.level = level
        elif command == HEAT:
            on = _warmth(params)
            if on is not None and on != self.warm:
                self.changes.append(WarmthChange(at_s, on))
                self.warm = on
        elif command == SPARE:
            zones = _zones(params)
            if zones is not None and zones != self.spared:
                self.changes.append(SpareChange(at_s, self.spared, zones))
                self.spared = zones


def session_changes(
    db: LogDb, session_ids: Collection[int] | None = None
) -> dict[int, SessionChanges]:
    """The confirmed changes of `session_ids` (None: every session), by session id; a
    session asked for that changed nothing maps to an empty `SessionChanges`."""
    where, args = "", []
    if session_ids is not None:
        where = "WHERE s.id IN (SELECT value FROM json_each(?))"
        args.append(jsonval.dumps(sorted(set(session_ids)), "session ids"))
    rows = db.execute(
        f"""
        SELECT s.id, s.heat_c, s.started_utc, s.ended_utc, c.command, c.params, c.at_utc
        FROM sessions AS s
        LEFT JOIN commands AS c ON c.session_id = s.id AND c.result = ?
             AND c.command IN (?, ?, ?)
        {where}
        ORDER BY s.id, c.at_utc, c.id
        """,
        [ACKNOWLEDGED, LEVEL, HEAT, SPARE, *args],
    )
    folds: dict[int, _Folding] = {}
    for sid, heat_c, start_ms, end_ms, command, params, at_ms in rows:
        fold = folds.get(sid)
        if fold is None:
            fold = folds[sid] = _Folding(sid, bool(heat_c), start_ms, end_ms)
        if command is not None:
            values = jsonval.loads(params)
            if isinstance(values, dict):
                fold.add(command, values, at_ms)
    return {sid: SessionChanges(sid, tuple(f.changes)) for sid, f in folds.items()}
