"""What Student's t costs (student_t): the quantile cold and cached, and the CDF.

The log's 95% intervals (data.stats) ask for t_quantile(0.975, n - 1) once per program
and outcome on each Progress load; the trial's analysis asks for one quantile and two
CDF values. Prints per-call times and their ratios within this run (nothing asserted).

    PYTHONPATH=. python benchmarks/bench_student_t.py
"""

from __future__ import annotations

import time
from collections.abc import Callable

import student_t
from student_t import t_cdf, t_quantile

DFS = range(1, 401)


def per_call(run: Callable[[], object], calls: int) -> float:
    start = time.perf_counter()
    run()
    return (time.perf_counter() - start) / calls


def main() -> None:
    student_t._upper_quantile.cache_clear()
    cold = per_call(lambda: [t_quantile(0.975, df) for df in DFS], len(DFS))
    again = [df for _ in range(10) for df in DFS]
    cached = per_call(lambda: [t_quantile(0.975, df) for df in again], len(again))
    cdf = per_call(lambda: [t_cdf(2.0, df) for df in DFS], len(DFS))
    print(f"t_quantile(0.975, df) cold:   {cold * 1e3:8.3f} ms a call (df 1-400)")
    print(f"t_quantile(0.975, df) cached: {cached * 1e6:8.3f} us a call")
    print(f"t_cdf(2.0, df):               {cdf * 1e6:8.3f} us a call")
    print(f"a cold quantile costs {cold / cdf:.1f} CDF calls; cached: {cold / cached:.0f}x faster")


if __name__ == "__main__":
    main()
