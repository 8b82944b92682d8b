"""Benchmark the health log on ten years of generated history.

Prints one figure a line as `name: value unit`. Run by hand:
    .venv/bin/python benchmarks/bench_store.py [--years 10] [--folder DIR]
Targets (issue 4): every trend query <= 50 ms on ten years; the database <= 100 MB.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import figure, median_ms
from benchmarks.history import TZ, generate
from data import backup, dump, export, fhir, programs, queries, ratings, telemetry
from data.models import Rating, SessionStart, TelemetrySample
from data.sessions import SessionWriter, start_session
from data.store import open_store

END = date(2025, 12, 31)


def bench_inserts(folder: Path) -> None:
    """Committed writes on disk with synchronous=FULL, as the app does them."""
    now = datetime(2026, 1, 1, 8, tzinfo=TZ)
    with open_store(folder, now=now, daily_backup=False) as store:
        db = store.db
        n = 200
        t = time.perf_counter()
        for i in range(n):
            ratings.add_checkin(db, Rating(now + timedelta(minutes=i), i % 11, i % 11))
        figure("insert_rating_committed", n / (time.perf_counter() - t), "ratings/s")
        pid = programs.save_program(db, "bench", {}, created_at=now)
        sid = start_session(db, SessionStart(pid, {}, {}, 3, 40.0, now))
        tick = [0.0]
        writer = SessionWriter(db, sid, clock=lambda: tick[0])
        samples = [TelemetrySample(i * 100, (30, 31, 32, 33, 34, 35), 400) for i in range(3000)]
        t = time.perf_counter()
        for i, sample in enumerate(samples):  # a 10 Hz device: a commit every 10 samples
            tick[0] = i / 10
            writer.add(sample)
        writer.flush()
        elapsed = time.perf_counter() - t
        figure("insert_telemetry_10hz_commit_per_s", len(samples) / elapsed, "samples/s")
        figure("telemetry_commit", elapsed * 1000 / (len(samples) / 10), "ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--folder", type=Path, help="keep the generated store here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or Path(tmp) / "history"
        result = generate(folder, years=args.years, end=END)
        db_path = folder / "thenar.db"
        size = db_path.stat().st_size
        figure("generate_years", args.years, "years")
        figure("generate_time", result.seconds, "s")
        figure("generate_rows_per_s", result.rows / result.seconds, "rows/s")
        figure("sessions", result.sessions, "sessions")
        figure("ratings", result.ratings, "ratings")
        figure("telemetry_samples", result.samples, "samples")
        figure("database_size", size / 1e6, "MB")
        with open_store(folder, daily_backup=False) as store:
            tel = store.db.execute("SELECT SUM(LENGTH(data)) FROM telemetry").fetchone()[0]
        figure("telemetry_payload_per_sample", tel / result.samples, "bytes")
        bench_inserts(Path(tmp) / "inserts")

        figure(
            "open_store_with_full_check",  # data-level default: integrity_check included
            median_ms(lambda: open_store(folder, daily_backup=False).close(), repeat=3),
            "ms",
        )
        figure(
            "open_store_before_first_paint",  # what the app's window waits for
            median_ms(lambda: open_store(folder, verify=False).close(), repeat=3),
            "ms",
        )
        with open_store(folder, daily_backup=False) as store:
            db = store.db
            y1, d90, w12 = (
                END - timedelta(days=365),
                END - timedelta(days=89),
                END - timedelta(weeks=12),
            )
            start10 = END - timedelta(days=round(365.25 * args.years))
            cases: list[tuple[str, Callable[[], object]]] = [
                ("query_symptoms_by_day_90d", lambda: queries.symptoms_by_day(db, d90, END)),
                ("query_symptoms_by_day_1y", lambda: queries.symptoms_by_day(db, y1, END)),
                ("query_symptoms_by_day_10y", lambda: queries.symptoms_by_day(db, start10, END)),
                ("query_symptoms_by_week_1y", lambda: queries.symptoms_by_week(db, y1, END)),
                ("query_symptoms_by_week_10y", lambda: queries.symptoms_by_week(db, start10, END)),
                ("query_program_effects_1y", lambda: queries.program_effects(db, since=y1)),
                ("query_program_effects_10y", lambda: queries.program_effects(db)),
                ("query_adherence_12w", lambda: queries.adherence_by_week(db, w12, END)),
                ("query_adherence_1y", lambda: queries.adherence_by_week(db, y1, END)),
                ("query_adherence_10y", lambda: queries.adherence_by_week(db, start10, END)),
                ("query_current_streak", lambda: queries.current_streak(db, END)),
                ("query_recent_sessions_20", lambda: queries.recent_sessions(db, 20)),
                (
                    "read_telemetry_one_session",
                    lambda: telemetry.read_telemetry(db, result.sessions // 2),
                ),
            ]
            for name, fn in cases:
                figure(name, median_ms(fn), "ms")
            now = datetime.now(UTC)
            figure("export_sessions_csv", median_ms(lambda: export.sessions_csv(db), 3), "ms")
            figure("export_ratings_csv", median_ms(lambda: export.ratings_csv(db), 3), "ms")
            figure(
                "export_fhir_bundle_1y",
                median_ms(lambda: fhir.fhir_bundle(db, now=now, since=y1), 3),
                "ms",
            )
            figure("export_json_full", median_ms(lambda: dump.export_json(db), 1), "ms")
            t = time.perf_counter()
            backup.backup_to(db.conn, Path(tmp) / "bench-backup.db")
            figure("verified_backup", (time.perf_counter() - t) * 1000, "ms")


if __name__ == "__main__":
    main()
