"""Generate realistic years of Thenar history into a store, for the benchmarks.

Per day: a morning check-in (pain, stiffness, morning stiffness, sometimes grip),
two or three sessions with before and after ratings, full telemetry at one
status frame a second (the BLE status characteristic's minimum rate) with
pressure cycles, lag and sensor noise, the command log, and what became of
each scheduled reminder. Pain drifts slowly over the years; each program has
its own typical effect.

Telemetry is encoded with the store's real codec. To keep generation under two
minutes on two cores, 64 distinct sessions of telemetry are simulated and
encoded up front and each generated session uses one of them (cut to its own
length); sizes are therefore those of real, noisy data (SQLite does not
de-duplicate). Everything else goes through the store's repository functions,
one transaction per month.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from data import devices, programs, ratings, schedules, screenings, telemetry
from data.models import Outcome, Rating, RatingKind, ReminderStatus, SessionStart, TelemetrySample
from data.sessions import finish_session, start_session
from data.store import open_store

TZ = ZoneInfo("Europe/Paris")
ZONES = 6
POOL = 64
PROGRAMS = [  # key, name, minutes, peak mmHg, typical pain change
    ("wave", "Gentle wave", 15, 35, -1.4),
    ("knead", "Kneading", 12, 45, -1.0),
    ("warm", "Warm and slow", 15, 30, -1.8),
    (None, "My evening routine", 10, 40, -0.6),
    (None, "Quick morning", 8, 50, -0.2),
]


@dataclass
class Result:
    """What was generated and how long it took."""

    days: int
    sessions: int
    ratings: int
    samples: int
    rows: int
    seconds: float


def simulate(rng: random.Random, minutes: int, peak: int, heat: bool) -> list[TelemetrySample]:
    """One session's status frames: lagged pressure cycles per zone, heater ramp, noise."""
    period = rng.uniform(10.0, 16.0)
    pressure = [0.0] * ZONES
    temp = rng.uniform(290, 320)
    setpoint = rng.choice([380, 400, 420]) if heat else temp
    out = []
    t_ms = 0
    for _ in range(minutes * 60):
        t = t_ms / 1000
        for z in range(ZONES):
            inflating = ((t + z * period / ZONES) % period) < period / 2
            target = peak if inflating else 5
            pressure[z] += (target - pressure[z]) * 0.45 + rng.gauss(0, 0.7)
        temp += (setpoint - temp) * 0.02 + rng.gauss(0, 0.8)
        out.append(
            TelemetrySample(
                t_ms,
                tuple(min(80, max(0, round(p))) for p in pressure),
                min(450, max(0, round(temp))),
            )
        )
        t_ms += 1000 + rng.randint(-40, 40)  # notification timing jitter
    return out


def encoded_pool(rng: random.Random) -> list[list[tuple[int, int, int, bytes]]]:
    """POOL simulated 20-minute sessions as (start_ms, n, last_t_ms, payload) chunks."""
    pool = []
    for _ in range(POOL):
        samples = simulate(rng, 20, rng.choice([30, 35, 40, 45, 50]), rng.random() < 0.7)
        chunks = []
        for i in range(0, len(samples), 60):
            part = samples[i : i + 60]
            start = part[0].t_ms
            chunks.append((start, len(part), part[-1].t_ms, telemetry.encode(start, ZONES, part)))
        pool.append(chunks)
    return pool


def generate(folder: Path, *, years: int = 10, seed: int = 1, end: date | None = None) -> Result:
    """Fill a new store in `folder` with `years` of history ending at `end`."""
    rng = random.Random(seed)
    began = time.perf_counter()
    last = end or date(2025, 12, 31)
    first = last - timedelta(days=round(365.25 * years) - 1)
    t0 = datetime.combine(first, datetime.min.time(), TZ)
    store = open_store(folder, now=t0, daily_backup=False)
    db = store.db
    pool = encoded_pool(rng)
    program_ids = []
    for key, name, minutes, _, _ in PROGRAMS:
        definition = {"minutes": minutes, "steps": [{"pattern": "wave", "s": minutes * 60}]}
        if key:
            program_ids.append(programs.ensure_builtin(db, key, name, definition, created_at=t0))
        else:
            program_ids.append(programs.save_program(db, name, definition, created_at=t0))
    devices.record_device(db, "C0:FF:EE:00:00:01", "Thenar Glove", "1.0.3", seen_at=t0)
    screenings.record_screening(
        db,
        taken_at=t0,
        rules_version="1",
        answers={"dvt": False},
        caps={"max_mmhg": 50},
        blocks=[],
    )
    morning = schedules.add_schedule(
        db,
        program_id=program_ids[0],
        rrule_text="FREQ=DAILY;BYHOUR=8;BYMINUTE=0",
        dtstart=t0.replace(hour=8),
    )
    evening = schedules.add_schedule(
        db,
        program_id=program_ids[2],
        rrule_text="FREQ=DAILY;BYHOUR=19;BYMINUTE=0",
        dtstart=t0.replace(hour=19),
    )
    n_sessions = n_ratings = n_samples = rows = 0
    baseline = 5.0
    day = first
    while day <= last:
        with db.atomic():
            month = day.month
            while day <= last and day.month == month:
                baseline = min(8.5, max(1.5, baseline + rng.gauss(0, 0.15)))
                noon = datetime.combine(day, datetime.min.time(), TZ)
                wake = noon + timedelta(hours=7, minutes=rng.randint(0, 60))
                ratings.add_checkin(
                    db,
                    Rating(
                        wake,
                        round(min(10, max(0, baseline + rng.gauss(0, 1)))),
                        round(min(10, max(0, baseline + rng.gauss(0, 1)))),
                        morning_stiffness_min=rng.randint(0, 90),
                        grip_kg=round(rng.uniform(15, 30), 1) if rng.random() < 0.2 else None,
                    ),
                )
                n_ratings += 1
                rows += 1
                slots = [(8, morning), (19, evening)] + ([(13, None)] if rng.random() < 0.5 else [])
                for hour, sched in slots:
                    occurrence = noon + timedelta(hours=hour)
                    if sched is not None and rng.random() < 0.08:
                        schedules.record_reminder(
                            db, sched, occurrence, ReminderStatus.SKIPPED, at=occurrence
                        )
                        rows += 1
                        continue
                    p = rng.randrange(len(PROGRAMS))
                    _, name, minutes, _, effect = PROGRAMS[p]
                    start = occurrence + timedelta(minutes=rng.randint(0, 40))
                    sid = start_session(
                        db,
                        SessionStart(
                            program_ids[p],
                            {"name": name, "minutes": minutes},
                            {"max_mmhg": 50, "max_heat_c": 42},
                            rng.randint(1, 5),
                            40.0,
                            start,
                            "C0:FF:EE:00:00:01",
                        ),
                    )
                    pain = round(min(10, max(0, baseline + rng.gauss(0, 1))))
                    stiff = round(min(10, max(0, baseline + rng.gauss(0, 1))))
                    ratings.add_rating(
                        db, Rating(start, pain, stiff), kind=RatingKind.BEFORE, session_id=sid
                    )
                    chunks = pool[rng.randrange(POOL)][: math.ceil(minutes)]
                    for index, (start_ms, n, _, payload) in enumerate(chunks):
                        db.execute(
                            "INSERT INTO telemetry (session_id, chunk, start_ms, n_samples, "
                            "n_zones, codec, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
                            [sid, index, start_ms, n, ZONES, telemetry.CODEC_DELTA_ZLIB, payload],
                        )
                        n_samples += n
                    end_at = start + timedelta(milliseconds=chunks[-1][2])
                    for cmd in (
                        "request_control",
                        "start_program",
                        "set_heat",
                        "stop",
                        "release_control",
                    ):
                        devices.log_command(
                            db,
                            cmd,
                            {"program": p},
                            "ok",
                            at=start,
                            device_id="C0:FF:EE:00:00:01",
                            session_id=sid,
                        )
                    outcome = Outcome.COMPLETED if rng.random() < 0.93 else Outcome.STOPPED_BY_USER
                    finish_session(db, sid, outcome, ended_at=end_at, stop_reason="finished")
                    after_pain = round(min(10, max(0, pain + effect + rng.gauss(0, 1))))
                    after_stiff = round(min(10, max(0, stiff + effect + rng.gauss(0, 1))))
                    ratings.add_rating(
                        db,
                        Rating(end_at + timedelta(minutes=1), after_pain, after_stiff),
                        kind=RatingKind.AFTER,
                        session_id=sid,
                    )
                    if sched is not None:
                        status = ReminderStatus.DONE
                        schedules.record_reminder(
                            db, sched, occurrence, status, at=start, session_id=sid
                        )
                        rows += 1
                    n_sessions += 1
                    n_ratings += 2
                    rows += 4 + len(chunks) + 5
                day += timedelta(days=1)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return Result(
        days=(last - first).days + 1,
        sessions=n_sessions,
        ratings=n_ratings,
        samples=n_samples,
        rows=rows,
        seconds=time.perf_counter() - began,
    )
