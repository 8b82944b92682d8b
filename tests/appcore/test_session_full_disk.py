"""A full disk during a session (issue 12 item 2), on the real stack: simulator, client, log.

The disk fills for real as far as SQLite can tell: the log's connection gets a
`max_page_count` equal to its size and every free byte is then used up, so each
write that needs room fails inside SQLite with SQLITE_FULL ("database or disk is
full"). Raising the cap is the space coming back.
"""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
from collections.abc import Callable

from appcore.context import AppContext
from appcore.massager import Massager
from appcore.session import Phase, SessionController
from ble import protocol as p
from ble.bumble_bleak.radio import VirtualLink
from data import sessions, telemetry
from data.db import LogDb
from data.models import Outcome
from device_sim.peripheral import SimulatedMassager
from tests.appcore.test_session import long_session

NO_LIMIT = 1_073_741_823


DUMMY_CHUNK = 1_000_000  # rows the filling adds beside the session's own


def fill(db: LogDb, sid: int, *, sessions_page_too: bool) -> None:
    """Cap the log at its size and use up its free room (runs on the DB thread): the
    freelist, then the pages the session writes to, so its next write needs a page."""
    db.execute("CREATE TABLE IF NOT EXISTS filler (x BLOB)")
    db.conn.commit()
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")

    def until_full(sql: str, args: Callable[[int], list[object]]) -> None:
        for size in (4000, 1000, 200, 20, 1):
            while True:
                try:
                    with db.conn:
                        assert db.execute(sql, args(size)).rowcount == 1
                except sqlite3.OperationalError as exc:
                    if "full" not in str(exc):
                        raise
                    break

    until_full("INSERT INTO filler VALUES (zeroblob(?))", lambda n: [n])
    chunk = [DUMMY_CHUNK]

    def telemetry_row(n: int) -> list[object]:
        chunk[0] += 1
        return [sid, chunk[0], b"\0" * n]

    until_full(
        "INSERT INTO telemetry (session_id, chunk, start_ms, n_samples, n_zones, codec, data) "
        "VALUES (?, ?, 0, 0, 6, 1, ?)",
        telemetry_row,
    )
    # then to the last byte: grow the last dummy row until even one more byte is refused
    until_full(
        "UPDATE telemetry SET data = zeroblob(length(data) + ?) WHERE session_id = ? "
        "AND chunk = (SELECT MAX(chunk) FROM telemetry WHERE session_id = ?)",
        lambda n: [n, sid, sid],
    )
    if sessions_page_too:  # no room left beside the session's row: its end needs a new page
        cols = [c[1] for c in db.execute("PRAGMA table_info(sessions)")][1:]
        row = list(
            db.execute(f"SELECT {', '.join(cols)} FROM sessions WHERE id = ?", [sid]).fetchone()
        )
        at = cols.index("stop_reason")
        marks = ", ".join("?" for _ in cols)

        def session_row(n: int) -> list[object]:
            return [*row[:at], "x" * n, *row[at + 1 :]]

        until_full(f"INSERT INTO sessions ({', '.join(cols)}) VALUES ({marks})", session_row)
        until_full(
            "UPDATE sessions SET stop_reason = stop_reason || ? WHERE id = "
            "(SELECT MAX(id) FROM sessions)",
            lambda n: ["x" * n],
        )


def free(db: LogDb, sid: int) -> None:
    """Space comes back: the filling goes, and so does the cap."""
    with db.conn:
        db.execute("DELETE FROM telemetry WHERE session_id = ? AND chunk > ?", [sid, DUMMY_CHUNK])
        db.execute("DELETE FROM sessions WHERE id > ?", [sid])
        db.execute("DROP TABLE filler")
    db.execute(f"PRAGMA max_page_count = {NO_LIMIT}")


async def changes(
    session: SessionController, cond: Callable[[], bool], timeout: float = 15
) -> None:
    """Wait for the controller to notify until `cond` holds (no sleeping for luck)."""
    changed = asyncio.Event()
    subscription = session.subscribe(lambda _e: changed.set())
    try:
        async with asyncio.timeout(timeout):
            while not cond():
                changed.clear()
                await changed.wait()
    finally:
        subscription.close()


async def stored(ctx: AppContext, session: SessionController, sid: int, n: int) -> None:
    """Wait (on status notifications) until at least n samples of `sid` are committed."""
    async with asyncio.timeout(15):
        while await ctx.db.run(telemetry.count_samples, sid) < n:
            await changes(session, lambda: True)


async def test_full_disk_stop_stops_the_device_says_so_and_the_end_is_written_later(
    ctx: AppContext, massager: Massager, radio: tuple[VirtualLink, SimulatedMassager]
) -> None:
    _link, sim = radio
    session, sid = await long_session(ctx, massager, sim)
    await stored(ctx, session, sid, 1)
    await ctx.db.run(lambda db: fill(db, sid, sessions_page_too=True))
    await changes(session, lambda: "disk is full" in session.log_note)
    assert session.phase == Phase.RUNNING  # the flusher survived; the massage goes on
    assert "massage goes on" in session.log_note

    await session.stop()  # no exception: the person sees Thenar's words instead
    assert sim.model.state == p.State.STOPPED
    assert sim.model.stop_reason == p.StopReason.USER
    assert session.phase == Phase.ENDED
    assert session.message == "You stopped the session."
    assert "disk is full" in session.log_note
    assert "record how this session ended as soon as it can" in session.log_note
    assert "Free some space" in session.log_note
    record = await ctx.db.run(sessions.get_session, sid)
    assert record.outcome == Outcome.RUNNING  # not written yet: no room

    await ctx.db.run(free, sid)  # space comes back
    session.retry_log()
    assert await session.flush_log()
    record = await ctx.db.run(sessions.get_session, sid)
    assert record.outcome == Outcome.STOPPED_BY_USER  # not "interrupted (crash)" next start
    assert record.stop_reason == "user"
    assert session.unsaved_samples == 0  # every reading kept in memory got written too
    assert session.log_note == "Everything from this session is saved now."
    samples = await ctx.db.run(telemetry.read_telemetry, sid)
    gaps = [b.t_ms - a.t_ms for a, b in itertools.pairwise(samples)]
    assert max(gaps) < 2000  # none lost while the disk was full


async def test_when_only_the_end_fits_the_readings_not_saved_are_counted_and_said(
    ctx: AppContext, massager: Massager, radio: tuple[VirtualLink, SimulatedMassager]
) -> None:
    _link, sim = radio
    session, sid = await long_session(ctx, massager, sim)
    await stored(ctx, session, sid, 1)
    await ctx.db.run(lambda db: fill(db, sid, sessions_page_too=False))
    await changes(session, lambda: "disk is full" in session.log_note)
    await session.stop()
    assert sim.model.state == p.State.STOPPED
    record = await ctx.db.run(sessions.get_session, sid)
    assert record.outcome == Outcome.STOPPED_BY_USER
    kept = await ctx.db.run(telemetry.count_samples, sid)
    assert session.unsaved_samples > 0
    assert f"{session.unsaved_samples} readings" in session.log_note
    assert "could not be" in session.log_note
    await ctx.db.run(free, sid)
    assert await ctx.db.run(telemetry.count_samples, sid) == kept


async def test_readings_kept_while_the_disk_is_full_are_saved_when_space_returns(
    ctx: AppContext, massager: Massager, radio: tuple[VirtualLink, SimulatedMassager]
) -> None:
    _link, sim = radio
    session, sid = await long_session(ctx, massager, sim)
    await stored(ctx, session, sid, 1)
    await ctx.db.run(lambda db: fill(db, sid, sessions_page_too=False))
    await changes(session, lambda: "disk is full" in session.log_note)
    held = await ctx.db.run(telemetry.count_samples, sid)
    await ctx.db.run(free, sid)
    await changes(session, lambda: session.log_note.startswith("Everything"))
    assert await ctx.db.run(telemetry.count_samples, sid) > held
    await session.stop()
    assert session.unsaved_samples == 0
    samples = await ctx.db.run(telemetry.read_telemetry, sid)
    gaps = [b.t_ms - a.t_ms for a, b in itertools.pairwise(samples)]
    assert max(gaps) < 2000


async def test_closing_while_the_end_cannot_be_written_stops_retrying_cleanly(
    ctx: AppContext, massager: Massager, radio: tuple[VirtualLink, SimulatedMassager]
) -> None:
    _link, sim = radio
    session, sid = await long_session(ctx, massager, sim)
    await stored(ctx, session, sid, 1)
    await ctx.db.run(lambda db: fill(db, sid, sessions_page_too=True))
    await session.stop()
    assert sim.model.state == p.State.STOPPED
    assert not await session.flush_log()  # one last try, still no room: no more retries
    assert session.record._end_pending is not None
    assert session.record._end_pending.cancelled()
    record = await ctx.db.run(sessions.get_session, sid)
    assert record.outcome == Outcome.RUNNING  # the next start says it was interrupted
