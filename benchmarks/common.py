"""What the benchmarks share: one figure a line (`name: value unit`), the median and
99th percentile of timed samples, and the median of a repeated call.

Figures are printed, never asserted: compare them within one run (ratios), since the
machine's load moves absolute times.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def report(name: str, value: float, unit: str) -> None:
    """A figure with three decimals, flushed at once (long runs show progress)."""
    print(f"{name}: {value:.3f} {unit}", flush=True)


def figure(name: str, value: float, unit: str) -> None:
    """A figure to three significant digits (whole numbers from 1000 on)."""
    print(f"{name}: {value:.3g} {unit}" if value < 1000 else f"{name}: {value:.0f} {unit}")


def p50_p99(samples: list[float]) -> tuple[float, float]:
    """Median and 99th percentile of samples in seconds, in milliseconds."""
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.99)] * 1000


def median_ms(fn: Callable[[], object], repeat: int = 7) -> float:
    """Median wall time of `repeat` calls in ms, after one warm-up call."""
    fn()
    runs = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - began) * 1000)
    return statistics.median(runs)
