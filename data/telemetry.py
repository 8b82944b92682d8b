"""Compact telemetry: per-minute chunks, column-wise deltas, zlib.

A 15-minute session at one status frame a second is 900 samples of six
pressures and a temperature. Stored one row per sample that is ~40 bytes
each with row overhead; ten years of two to three sessions a day would be
several hundred MB. Instead each row holds up to a minute of samples: the
time, each zone and the temperature are stored as separate columns of
deltas (slowly varying, so mostly small numbers), packed little-endian and
zlib-compressed. The writer rewrites the open chunk every second, so a crash
loses at most the last second (see sessions.SessionWriter).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import StoreError
from .models import TelemetrySample

if TYPE_CHECKING:
    from .db import LogDb

CODEC_DELTA_ZLIB = 1
# One row per minute: small enough that rewriting the open chunk every second
# is cheap, large enough that per-row overhead and zlib's header amortise.
CHUNK_MS = 60_000
_ZLIB_LEVEL = 9  # chunks are tiny; the best ratio costs microseconds


@dataclass(frozen=True)
class Chunk:
    """Up to CHUNK_MS of one session's samples, as stored in one row."""

    index: int
    start_ms: int
    n_zones: int
    samples: tuple[TelemetrySample, ...]


def _deltas(values: Sequence[int]) -> list[int]:
    prev = 0
    out = []
    for v in values:
        out.append(v - prev)
        prev = v
    return out


def _undelta(deltas: Sequence[int]) -> list[int]:
    total = 0
    out = []
    for d in deltas:
        total += d
        out.append(total)
    return out


def encode(start_ms: int, n_zones: int, samples: Sequence[TelemetrySample]) -> bytes:
    """Pack samples (all within one chunk, same zone count) into the codec-1 payload."""
    n = len(samples)
    offsets = [s.t_ms - start_ms for s in samples]
    columns: list[int] = _deltas(offsets)
    for zone in range(n_zones):
        columns.extend(_deltas([s.pressures_mmhg[zone] for s in samples]))
    columns.extend(_deltas([s.temperature_dc for s in samples]))
    raw = struct.pack(f"<{n}i{n * (n_zones + 1)}h", *columns)
    return zlib.compress(raw, _ZLIB_LEVEL)


def decode(
    start_ms: int, n_samples: int, n_zones: int, codec: int, data: bytes
) -> list[TelemetrySample]:
    """Unpack what `encode` wrote; StoreError for an unknown codec or damaged payload."""
    if codec != CODEC_DELTA_ZLIB:
        raise StoreError(f"telemetry codec {codec} is not known to this version of Thenar")
    n = n_samples
    try:
        raw = zlib.decompress(data)
        values = struct.unpack(f"<{n}i{n * (n_zones + 1)}h", raw)
    except (zlib.error, struct.error) as exc:
        raise StoreError(f"a telemetry chunk is damaged: {exc}") from exc
    times = _undelta(values[:n])
    series = [_undelta(values[n + k * n : n + (k + 1) * n]) for k in range(n_zones + 1)]
    return [
        TelemetrySample(
            t_ms=start_ms + times[i],
            pressures_mmhg=tuple(series[z][i] for z in range(n_zones)),
            temperature_dc=series[n_zones][i],
        )
        for i in range(n)
    ]


def write_chunk(db: LogDb, session_id: int, chunk: Chunk) -> None:
    """Insert or replace one chunk row (call inside a transaction)."""
    db.execute(
        "INSERT OR REPLACE INTO telemetry "
        "(session_id, chunk, start_ms, n_samples, n_zones, codec, data) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            session_id,
            chunk.index,
            chunk.start_ms,
            len(chunk.samples),
            chunk.n_zones,
            CODEC_DELTA_ZLIB,
            encode(chunk.start_ms, chunk.n_zones, chunk.samples),
        ],
    )


def read_telemetry(db: LogDb, session_id: int) -> list[TelemetrySample]:
    """All stored samples of a session, in time order."""
    out: list[TelemetrySample] = []
    rows = db.execute(
        "SELECT start_ms, n_samples, n_zones, codec, data FROM telemetry "
        "WHERE session_id = ? ORDER BY chunk",
        [session_id],
    ).fetchall()
    for start_ms, n_samples, n_zones, codec, data in rows:
        out.extend(decode(start_ms, n_samples, n_zones, codec, data))
    return out


def last_sample_ms(db: LogDb, session_id: int) -> int | None:
    """Time of the last stored sample (used to date an interrupted session's end)."""
    row = db.execute(
        "SELECT start_ms, n_samples, n_zones, codec, data FROM telemetry "
        "WHERE session_id = ? ORDER BY chunk DESC LIMIT 1",
        [session_id],
    ).fetchone()
    if row is None:
        return None
    samples = decode(*row)
    return samples[-1].t_ms if samples else None


def count_samples(db: LogDb, session_id: int) -> int:
    """How many samples are stored for a session (without decoding)."""
    row = db.execute(
        "SELECT COALESCE(SUM(n_samples), 0) FROM telemetry WHERE session_id = ?", [session_id]
    ).fetchone()
    return int(row[0])
